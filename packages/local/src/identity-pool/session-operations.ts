import type { IssuedCredentials } from './credentials.js';
import { notAuthorized, resourceNotFound } from './errors.js';
import {
  epochSeconds,
  hasLogins,
  identityIdRule,
  loginsRule,
  type OperationContext,
  type OperationDefinition,
  poolIdRule,
} from './operation-support.js';
import type { IdentityRecord, PoolRecord } from './store.js';
import { COGNITO_IDENTITY_LOGIN_KEY, type IdentityTokenClaims, principalTagsOf, TokenRejectedError } from './tokens.js';
import { ACCOUNT_ID_PATTERN, type JsonObject, RequestReader } from './validation.js';

/**
 * The public (unsigned) operations a client calls: GetId, GetOpenIdToken and GetCredentialsForIdentity, and how a
 * Cognito token presented in their Logins is checked.
 */

/** GetOpenIdToken tokens are valid for 10 minutes. */
const OPEN_ID_TOKEN_DURATION_SECONDS = 600;

function roleArn(context: OperationContext, authenticationType: IssuedCredentials['authenticationType']): string {
  return `arn:aws:iam::${context.accountId}:role/devauth-local-${authenticationType}`;
}

function credentialsOutput(credentials: IssuedCredentials): JsonObject {
  return {
    IdentityId: credentials.identityId,
    Credentials: {
      AccessKeyId: credentials.accessKeyId,
      SecretKey: credentials.secretAccessKey,
      SessionToken: credentials.sessionToken,
      Expiration: epochSeconds(credentials.expiration),
    },
  };
}

/**
 * Checks a Cognito OpenID token presented in `Logins` for `identity`: signature, issuer, expiry, audience (the pool
 * holding the identity), subject (the identity) and, for an authenticated token, that the developer user is still
 * linked to the identity and was not unlinked from it after the token was issued (a login linked again later, e.g.
 * by MergeDeveloperIdentities, does not bring tokens from before the unlink back).
 *
 * AWS documents neither check for tokens presented back to Cognito (UnlinkDeveloperIdentity only says the user is
 * a new identity next time); the emulator takes the strict reading, so a backend that unlinks a user can rely on
 * the user's Cognito tokens no longer buying anything here. Credentials already issued stay valid, as with STS.
 */
async function verifyLoginToken(
  context: OperationContext,
  identity: IdentityRecord,
  logins: Record<string, string>,
): Promise<IdentityTokenClaims> {
  const keys = Object.keys(logins);
  const token = logins[COGNITO_IDENTITY_LOGIN_KEY];
  if (token === undefined || keys.length !== 1) {
    // Other providers (Google, SAML, user pools, ...) are not emulated.
    throw notAuthorized(`Invalid login token. Only '${COGNITO_IDENTITY_LOGIN_KEY}' logins are supported here.`);
  }
  let claims: IdentityTokenClaims;
  try {
    claims = await context.tokens.verify(token, context.now());
  } catch (error) {
    if (error instanceof TokenRejectedError) throw notAuthorized(error.message);
    throw error;
  }
  if (claims.aud !== identity.identityPoolId) throw notAuthorized('Invalid login token. Incorrect token audience.');
  if (claims.sub !== identity.identityId) {
    throw notAuthorized(`Invalid login token. The token's subject does not match the IdentityId.`);
  }
  if (claims.amr[0] === 'authenticated') {
    const pool = context.store.requirePool(identity.identityPoolId);
    const prefix = `${pool.developerProviderName ?? ''}:${identity.identityPoolId}:`;
    const entry = claims.amr[2];
    const developerUserId = entry?.startsWith(prefix) ? entry.slice(prefix.length) : undefined;
    const unlinkedAt = developerUserId === undefined ? undefined : identity.unlinkedAt.get(developerUserId);
    // `iat` has one-second resolution: a token from the second of the unlink counts as issued before it (refused).
    const issuedBeforeUnlink = unlinkedAt !== undefined && claims.iat * 1000 <= unlinkedAt.getTime();
    if (developerUserId === undefined || !identity.developerUserIds.has(developerUserId) || issuedBeforeUnlink) {
      throw notAuthorized(`Logins don't match. The login is no longer linked to this identity.`);
    }
  }
  return claims;
}

/** Guest access: only for an identity that never authenticated, in a pool that allows guests. */
function requireGuestAccess(pool: PoolRecord, identity: IdentityRecord): void {
  if (identity.everAuthenticated) {
    throw notAuthorized(
      `Logins don't match. Please include at least one valid login for this identity or identity pool.`,
    );
  }
  if (!pool.allowUnauthenticatedIdentities) {
    throw notAuthorized('Unauthenticated access is not supported for this identity pool.');
  }
}

export const getId: OperationDefinition = {
  signed: false,
  run(context, body) {
    const input = new RequestReader(body);
    const identityPoolId = input.string('IdentityPoolId', poolIdRule);
    input.string('AccountId', { min: 1, max: 15, pattern: ACCOUNT_ID_PATTERN });
    const logins = input.stringMap('Logins', loginsRule);
    input.done();
    const pool = context.store.requirePool(identityPoolId!);
    if (hasLogins(logins)) {
      if (COGNITO_IDENTITY_LOGIN_KEY in logins) {
        throw notAuthorized('Invalid login token. Cognito tokens are not accepted by GetId.');
      }
      // Only developer-authenticated and guest identities are emulated; public providers are not.
      throw notAuthorized('Invalid login token. This provider is not supported by the devauth emulator.');
    }
    if (!pool.allowUnauthenticatedIdentities) {
      throw notAuthorized('Unauthenticated access is not supported for this identity pool.');
    }
    return { IdentityId: context.store.createIdentity(pool.identityPoolId).identityId };
  },
};

/**
 * The identity a token or credentials request is about, and how it authenticates: a valid Cognito token in `Logins`
 * (its amr and principal tags), or none, which only a guest identity in a pool that allows guests may use.
 */
async function authenticateIdentity(
  context: OperationContext,
  identityId: string,
  logins: Record<string, string> | undefined,
) {
  const identity = context.store.getIdentity(identityId);
  if (!identity) throw resourceNotFound(`Identity '${identityId}' not found.`);
  const pool = context.store.requirePool(identity.identityPoolId);
  if (!hasLogins(logins)) {
    requireGuestAccess(pool, identity);
    return {
      identity,
      pool,
      amr: ['unauthenticated'] as readonly string[],
      principalTags: {} as Record<string, string>,
      expiresAt: undefined as number | undefined,
    };
  }
  const claims = await verifyLoginToken(context, identity, logins);
  return {
    identity,
    pool,
    amr: claims.amr as readonly string[],
    principalTags: principalTagsOf(claims),
    // The presented token's `exp` (epoch seconds).
    expiresAt: claims.exp,
  };
}

export const getOpenIdToken: OperationDefinition = {
  signed: false,
  async run(context, body) {
    const input = new RequestReader(body);
    const identityId = input.string('IdentityId', { ...identityIdRule, required: true });
    const logins = input.stringMap('Logins', loginsRule);
    input.done();
    const { identity, pool, amr, principalTags, expiresAt } = await authenticateIdentity(context, identityId!, logins);
    const now = context.now();
    // A token re-issued from a Cognito token never outlives it (AWS documents only the 10 minutes): otherwise each
    // new token could be traded for the next, forever, and the backend's TokenDuration (and a logout or a role
    // change behind it) would bound nothing. The chain ends when the backend's token would have.
    const remaining = expiresAt === undefined ? Number.POSITIVE_INFINITY : expiresAt - Math.floor(now.getTime() / 1000);
    const { token } = await context.tokens.mint({
      identityPoolId: pool.identityPoolId,
      identityId: identity.identityId,
      amr,
      principalTags,
      durationSeconds: Math.min(OPEN_ID_TOKEN_DURATION_SECONDS, remaining),
      now,
    });
    return { IdentityId: identity.identityId, Token: token };
  },
};

export const getCredentialsForIdentity: OperationDefinition = {
  signed: false,
  async run(context, body) {
    const input = new RequestReader(body);
    const identityId = input.string('IdentityId', { ...identityIdRule, required: true });
    const logins = input.stringMap('Logins', loginsRule);
    const customRoleArn = input.string('CustomRoleArn', { min: 20, max: 2048 });
    input.done();
    const { identity, pool, amr, principalTags } = await authenticateIdentity(context, identityId!, logins);
    const authenticationType = amr[0] === 'authenticated' ? 'authenticated' : 'unauthenticated';
    if (authenticationType === 'unauthenticated' && !pool.allowUnauthenticatedIdentities) {
      throw notAuthorized('Unauthenticated access is not supported for this identity pool.');
    }
    const credentials = context.credentials.issue({
      identityId: identity.identityId,
      identityPoolId: pool.identityPoolId,
      authenticationType,
      amr,
      principalTags,
      roleArn: customRoleArn ?? roleArn(context, authenticationType),
    });
    return credentialsOutput(credentials);
  },
};
