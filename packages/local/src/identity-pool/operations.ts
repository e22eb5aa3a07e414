import type { CredentialRegistry, IssuedCredentials } from './credentials.js';
import {
  developerUserAlreadyRegistered,
  invalidParameter,
  notAuthorized,
  resourceConflict,
  resourceNotFound,
} from './errors.js';
import type { IdentityPoolStore, IdentityRecord, LinkConflictBehaviour, PoolRecord } from './store.js';
import {
  COGNITO_IDENTITY_LOGIN_KEY,
  type IdentityTokenClaims,
  principalTagsOf,
  type TokenAuthority,
  TokenRejectedError,
} from './tokens.js';
import {
  ACCOUNT_ID_PATTERN,
  DEVELOPER_PROVIDER_NAME_PATTERN,
  IDENTITY_ID_PATTERN,
  IDENTITY_POOL_ID_PATTERN,
  IDENTITY_POOL_NAME_PATTERN,
  type JsonObject,
  RequestReader,
} from './validation.js';

export interface OperationContext {
  readonly store: IdentityPoolStore;
  readonly tokens: TokenAuthority;
  readonly credentials: CredentialRegistry;
  readonly now: () => Date;
  readonly accountId: string;
  readonly defaultLinkConflict: LinkConflictBehaviour;
}

export interface OperationDefinition {
  /** True when AWS requires a SigV4-signed request (IAM credentials of the caller). */
  readonly signed: boolean;
  run(context: OperationContext, body: JsonObject): Promise<JsonObject> | JsonObject;
}

/** Default TokenDuration of GetOpenIdTokenForDeveloperIdentity. */
const DEFAULT_TOKEN_DURATION_SECONDS = 900;
/** GetOpenIdToken tokens are valid for 10 minutes. */
const OPEN_ID_TOKEN_DURATION_SECONDS = 600;

const poolIdRule = { required: true, min: 1, max: 55, pattern: IDENTITY_POOL_ID_PATTERN } as const;
const identityIdRule = { min: 1, max: 55, pattern: IDENTITY_ID_PATTERN } as const;
const providerNameRule = { min: 1, max: 128, pattern: DEVELOPER_PROVIDER_NAME_PATTERN } as const;
const developerUserIdRule = { min: 1, max: 1024, sensitive: true } as const;
const loginsRule = { maxEntries: 10, key: { min: 1, max: 128 }, value: { min: 1, max: 50_000 }, sensitive: true };

const epochSeconds = (date: Date): number => date.getTime() / 1000;

export interface PoolSettings {
  readonly identityPoolId?: string | undefined;
  readonly identityPoolName: string;
  readonly allowUnauthenticatedIdentities: boolean;
  readonly allowClassicFlow?: boolean | undefined;
  readonly developerProviderName?: string | undefined;
  readonly supportedLoginProviders?: Record<string, string> | undefined;
  readonly openIdConnectProviderARNs?: string[] | undefined;
  readonly samlProviderARNs?: string[] | undefined;
  readonly cognitoIdentityProviders?: unknown[] | undefined;
  readonly tags?: Record<string, string> | undefined;
  readonly linkConflict?: LinkConflictBehaviour | undefined;
}

/** Creates a pool from settings that are already validated (CreateIdentityPool, or the programmatic API). */
export function createPoolRecord(context: OperationContext, settings: PoolSettings): PoolRecord {
  const identityPoolId = settings.identityPoolId ?? context.store.newPoolId();
  if (context.store.getPool(identityPoolId)) {
    throw resourceConflict(`IdentityPool '${identityPoolId}' already exists.`);
  }
  return context.store.addPool({
    identityPoolId,
    identityPoolName: settings.identityPoolName,
    allowUnauthenticatedIdentities: settings.allowUnauthenticatedIdentities,
    allowClassicFlow: settings.allowClassicFlow ?? false,
    developerProviderName: settings.developerProviderName,
    supportedLoginProviders: { ...settings.supportedLoginProviders },
    openIdConnectProviderARNs: [...(settings.openIdConnectProviderARNs ?? [])],
    samlProviderARNs: [...(settings.samlProviderARNs ?? [])],
    cognitoIdentityProviders: [...(settings.cognitoIdentityProviders ?? [])],
    tags: { ...settings.tags },
    linkConflict: settings.linkConflict ?? context.defaultLinkConflict,
  });
}

export function describePool(pool: PoolRecord): JsonObject {
  return {
    IdentityPoolId: pool.identityPoolId,
    IdentityPoolName: pool.identityPoolName,
    AllowUnauthenticatedIdentities: pool.allowUnauthenticatedIdentities,
    AllowClassicFlow: pool.allowClassicFlow,
    SupportedLoginProviders: { ...pool.supportedLoginProviders },
    ...(pool.developerProviderName === undefined ? {} : { DeveloperProviderName: pool.developerProviderName }),
    OpenIdConnectProviderARNs: [...pool.openIdConnectProviderARNs],
    CognitoIdentityProviders: [...pool.cognitoIdentityProviders],
    SamlProviderARNs: [...pool.samlProviderARNs],
    IdentityPoolTags: { ...pool.tags },
  };
}

function requireIdentityInPool(context: OperationContext, pool: PoolRecord, identityId: string): IdentityRecord {
  const identity = context.store.getIdentity(identityId);
  if (!identity || identity.identityPoolId !== pool.identityPoolId) {
    throw resourceNotFound(`Identity '${identityId}' not found.`);
  }
  return identity;
}

function requireDeveloperProvider(pool: PoolRecord, providerName: string): void {
  if (pool.developerProviderName === undefined) {
    throw invalidParameter(`IdentityPool '${pool.identityPoolId}' has no DeveloperProviderName.`);
  }
  if (providerName !== pool.developerProviderName) {
    throw invalidParameter(`Developer provider name does not match the identity pool's DeveloperProviderName.`);
  }
}

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
 * linked to the identity.
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
    if (developerUserId === undefined || !identity.developerUserIds.has(developerUserId)) {
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

const hasLogins = (logins: Record<string, string> | undefined): logins is Record<string, string> =>
  logins !== undefined && Object.keys(logins).length > 0;

const createIdentityPool: OperationDefinition = {
  signed: true,
  run(context, body) {
    const input = new RequestReader(body);
    const settings: PoolSettings = {
      identityPoolName:
        input.string('IdentityPoolName', { required: true, min: 1, max: 128, pattern: IDENTITY_POOL_NAME_PATTERN }) ??
        '',
      allowUnauthenticatedIdentities: input.boolean('AllowUnauthenticatedIdentities', { required: true }) ?? false,
      allowClassicFlow: input.boolean('AllowClassicFlow'),
      developerProviderName: input.string('DeveloperProviderName', providerNameRule),
      supportedLoginProviders: input.stringMap('SupportedLoginProviders', { maxEntries: 10 }),
      openIdConnectProviderARNs: input.stringList('OpenIdConnectProviderARNs', { item: { min: 20, max: 2048 } }),
      samlProviderARNs: input.stringList('SamlProviderARNs', { item: { min: 20, max: 2048 } }),
      cognitoIdentityProviders: Array.isArray(body.CognitoIdentityProviders)
        ? body.CognitoIdentityProviders
        : undefined,
      tags: input.stringMap('IdentityPoolTags', { maxEntries: 50, key: { min: 1, max: 128 }, value: { max: 256 } }),
    };
    input.done();
    return describePool(createPoolRecord(context, settings));
  },
};

const describeIdentityPool: OperationDefinition = {
  signed: true,
  run(context, body) {
    const input = new RequestReader(body);
    const identityPoolId = input.string('IdentityPoolId', poolIdRule);
    input.done();
    return describePool(context.store.requirePool(identityPoolId!));
  },
};

const deleteIdentityPool: OperationDefinition = {
  signed: true,
  run(context, body) {
    const input = new RequestReader(body);
    const identityPoolId = input.string('IdentityPoolId', poolIdRule);
    input.done();
    context.store.deletePool(identityPoolId!);
    return {};
  },
};

const listIdentityPools: OperationDefinition = {
  signed: true,
  run(context, body) {
    const input = new RequestReader(body);
    const maxResults = input.integer('MaxResults', { required: true, min: 1, max: 60 });
    const nextToken = input.string('NextToken', { min: 1, max: 55, pattern: /^\d+$/ });
    input.done();
    const start = nextToken === undefined ? 0 : Number(nextToken);
    const pools = context.store.listPools();
    const page = pools.slice(start, start + maxResults!);
    const next = start + page.length;
    return {
      IdentityPools: page.map((pool) => ({
        IdentityPoolId: pool.identityPoolId,
        IdentityPoolName: pool.identityPoolName,
      })),
      ...(next < pools.length ? { NextToken: String(next) } : {}),
    };
  },
};

const getId: OperationDefinition = {
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

const getOpenIdTokenForDeveloperIdentity: OperationDefinition = {
  signed: true,
  async run(context, body) {
    const input = new RequestReader(body);
    const identityPoolId = input.string('IdentityPoolId', poolIdRule);
    const requestedIdentityId = input.string('IdentityId', identityIdRule);
    const logins = input.stringMap('Logins', { ...loginsRule, required: true });
    const principalTags =
      input.stringMap('PrincipalTags', { maxEntries: 50, key: { min: 1, max: 128 }, value: { min: 1, max: 256 } }) ??
      {};
    const tokenDuration = input.integer('TokenDuration', { min: 1, max: 86_400 }) ?? DEFAULT_TOKEN_DURATION_SECONDS;
    input.done();
    const pool = context.store.requirePool(identityPoolId!);

    const entries = Object.entries(logins!);
    if (entries.length !== 1) {
      throw invalidParameter('Logins must contain exactly one developer provider entry.');
    }
    const [providerName, developerUserId] = entries[0]!;
    requireDeveloperProvider(pool, providerName);
    if (developerUserId.length > 1024) {
      throw invalidParameter(
        `1 validation error detected: Value at 'logins' failed to satisfy constraint: the developer user identifier must have length less than or equal to 1024`,
      );
    }

    const identity = resolveDeveloperIdentity(context, pool, developerUserId, requestedIdentityId);
    const amr = ['authenticated', providerName, `${providerName}:${pool.identityPoolId}:${developerUserId}`];
    const { token } = await context.tokens.mint({
      identityPoolId: pool.identityPoolId,
      identityId: identity.identityId,
      amr,
      principalTags,
      durationSeconds: tokenDuration,
      now: context.now(),
    });
    return { IdentityId: identity.identityId, Token: token };
  },
};

/**
 * The linking rules: one identity per developer user; a requested guest identity is upgraded in place; a developer
 * user already linked elsewhere is refused (DeveloperUserAlreadyRegisteredException) or, with `linkConflict: 'merge'`,
 * resolves to its own identity (a requested guest identity is merged into it); an identity authenticated by another
 * developer user is not taken over (ResourceConflictException).
 */
function resolveDeveloperIdentity(
  context: OperationContext,
  pool: PoolRecord,
  developerUserId: string,
  requestedIdentityId: string | undefined,
): IdentityRecord {
  const linked = context.store.identityOfDeveloperUser(pool.identityPoolId, developerUserId);
  if (requestedIdentityId === undefined) {
    if (linked) return linked;
    const created = context.store.createIdentity(pool.identityPoolId);
    context.store.link(created, developerUserId);
    return created;
  }
  const requested = requireIdentityInPool(context, pool, requestedIdentityId);
  if (linked?.identityId === requested.identityId) return linked;
  if (linked) {
    if (pool.linkConflict === 'reject') throw developerUserAlreadyRegistered();
    if (!requested.everAuthenticated) context.store.merge(requested, linked);
    return linked;
  }
  if (requested.developerUserIds.size > 0 || requested.everAuthenticated) {
    throw resourceConflict('The identity is already linked to a different login.');
  }
  context.store.link(requested, developerUserId);
  return requested;
}

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
    };
  }
  const claims = await verifyLoginToken(context, identity, logins);
  return { identity, pool, amr: claims.amr as readonly string[], principalTags: principalTagsOf(claims) };
}

const getOpenIdToken: OperationDefinition = {
  signed: false,
  async run(context, body) {
    const input = new RequestReader(body);
    const identityId = input.string('IdentityId', { ...identityIdRule, required: true });
    const logins = input.stringMap('Logins', loginsRule);
    input.done();
    const { identity, pool, amr, principalTags } = await authenticateIdentity(context, identityId!, logins);
    const { token } = await context.tokens.mint({
      identityPoolId: pool.identityPoolId,
      identityId: identity.identityId,
      amr,
      principalTags,
      durationSeconds: OPEN_ID_TOKEN_DURATION_SECONDS,
      now: context.now(),
    });
    return { IdentityId: identity.identityId, Token: token };
  },
};

const getCredentialsForIdentity: OperationDefinition = {
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

const lookupDeveloperIdentity: OperationDefinition = {
  signed: true,
  run(context, body) {
    const input = new RequestReader(body);
    const identityPoolId = input.string('IdentityPoolId', poolIdRule);
    const identityId = input.string('IdentityId', identityIdRule);
    const developerUserId = input.string('DeveloperUserIdentifier', developerUserIdRule);
    input.integer('MaxResults', { min: 1, max: 60 });
    input.string('NextToken', { min: 1 });
    input.done();
    if (identityId === undefined && developerUserId === undefined) {
      throw invalidParameter('Either IdentityId or DeveloperUserIdentifier must be specified.');
    }
    const pool = context.store.requirePool(identityPoolId!);
    let identity: IdentityRecord | undefined;
    if (developerUserId !== undefined) {
      identity = context.store.identityOfDeveloperUser(pool.identityPoolId, developerUserId);
      if (!identity || (identityId !== undefined && identity.identityId !== identityId)) {
        throw resourceNotFound('No identity is linked to that developer user identifier.');
      }
    } else {
      identity = requireIdentityInPool(context, pool, identityId!);
    }
    return { IdentityId: identity.identityId, DeveloperUserIdentifierList: [...identity.developerUserIds] };
  },
};

const unlinkDeveloperIdentity: OperationDefinition = {
  signed: true,
  run(context, body) {
    const input = new RequestReader(body);
    const identityId = input.string('IdentityId', { ...identityIdRule, required: true });
    const identityPoolId = input.string('IdentityPoolId', poolIdRule);
    const providerName = input.string('DeveloperProviderName', { ...providerNameRule, required: true });
    const developerUserId = input.string('DeveloperUserIdentifier', { ...developerUserIdRule, required: true });
    input.done();
    const pool = context.store.requirePool(identityPoolId!);
    requireDeveloperProvider(pool, providerName!);
    const identity = requireIdentityInPool(context, pool, identityId!);
    // Unlinking a user that is not linked to this identity changes nothing and succeeds. [inference]
    if (identity.developerUserIds.has(developerUserId!)) context.store.unlink(identity, developerUserId!);
    return {};
  },
};

const mergeDeveloperIdentities: OperationDefinition = {
  signed: true,
  run(context, body) {
    const input = new RequestReader(body);
    const source = input.string('SourceUserIdentifier', { ...developerUserIdRule, required: true });
    const destination = input.string('DestinationUserIdentifier', { ...developerUserIdRule, required: true });
    const providerName = input.string('DeveloperProviderName', { ...providerNameRule, required: true });
    const identityPoolId = input.string('IdentityPoolId', poolIdRule);
    input.done();
    const pool = context.store.requirePool(identityPoolId!);
    requireDeveloperProvider(pool, providerName!);
    const sourceIdentity = context.store.identityOfDeveloperUser(pool.identityPoolId, source!);
    const destinationIdentity = context.store.identityOfDeveloperUser(pool.identityPoolId, destination!);
    if (!sourceIdentity || !destinationIdentity) {
      throw resourceNotFound('No identity is linked to that developer user identifier.');
    }
    context.store.merge(sourceIdentity, destinationIdentity);
    return { IdentityId: destinationIdentity.identityId };
  },
};

const deleteIdentities: OperationDefinition = {
  signed: true,
  run(context, body) {
    const input = new RequestReader(body);
    const identityIds = input.stringList('IdentityIdsToDelete', {
      required: true,
      minItems: 1,
      maxItems: 60,
      item: { min: 1, max: 55, pattern: IDENTITY_ID_PATTERN },
    });
    input.done();
    // Unknown ids are not reported: the service's UnprocessedIdentityIds only carries AccessDenied and
    // InternalServerError. Credentials already issued stay valid until they expire, as with STS.
    for (const identityId of identityIds!) context.store.deleteIdentity(identityId);
    return { UnprocessedIdentityIds: [] };
  },
};

const describeIdentity: OperationDefinition = {
  signed: true,
  run(context, body) {
    const input = new RequestReader(body);
    const identityId = input.string('IdentityId', { ...identityIdRule, required: true });
    input.done();
    const identity = context.store.getIdentity(identityId!);
    if (!identity) throw resourceNotFound(`Identity '${identityId}' not found.`);
    const pool = context.store.getPool(identity.identityPoolId);
    const logins =
      identity.developerUserIds.size > 0 && pool?.developerProviderName ? [pool.developerProviderName] : [];
    return {
      IdentityId: identity.identityId,
      Logins: logins,
      CreationDate: epochSeconds(identity.createdAt),
      LastModifiedDate: epochSeconds(identity.lastModifiedAt),
    };
  },
};

/** The emulated operations, by `X-Amz-Target` operation name. */
export const OPERATIONS = {
  CreateIdentityPool: createIdentityPool,
  DescribeIdentityPool: describeIdentityPool,
  DeleteIdentityPool: deleteIdentityPool,
  ListIdentityPools: listIdentityPools,
  GetId: getId,
  GetOpenIdToken: getOpenIdToken,
  GetOpenIdTokenForDeveloperIdentity: getOpenIdTokenForDeveloperIdentity,
  GetCredentialsForIdentity: getCredentialsForIdentity,
  LookupDeveloperIdentity: lookupDeveloperIdentity,
  UnlinkDeveloperIdentity: unlinkDeveloperIdentity,
  MergeDeveloperIdentities: mergeDeveloperIdentities,
  DeleteIdentities: deleteIdentities,
  DescribeIdentity: describeIdentity,
} as const satisfies Record<string, OperationDefinition>;

export type OperationName = keyof typeof OPERATIONS;

export function findOperation(name: string): OperationDefinition | undefined {
  return Object.hasOwn(OPERATIONS, name) ? OPERATIONS[name as OperationName] : undefined;
}
