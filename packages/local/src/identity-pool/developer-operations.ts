import { developerUserAlreadyRegistered, invalidParameter, resourceConflict, resourceNotFound } from './errors.js';
import {
  developerUserIdRule,
  epochSeconds,
  identityIdRule,
  loginsRule,
  type OperationContext,
  type OperationDefinition,
  poolIdRule,
  providerNameRule,
  requireDeveloperProvider,
  requireIdentityInPool,
} from './operation-support.js';
import type { IdentityRecord, PoolRecord } from './store.js';
import { IDENTITY_ID_PATTERN, RequestReader } from './validation.js';

/**
 * The developer (backend, SigV4-signed) operations on identities: GetOpenIdTokenForDeveloperIdentity with its
 * linking rules, LookupDeveloperIdentity, UnlinkDeveloperIdentity, MergeDeveloperIdentities, DeleteIdentities and
 * DescribeIdentity.
 */

/** Default TokenDuration of GetOpenIdTokenForDeveloperIdentity. */
const DEFAULT_TOKEN_DURATION_SECONDS = 900;

export const getOpenIdTokenForDeveloperIdentity: OperationDefinition = {
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

export const lookupDeveloperIdentity: OperationDefinition = {
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

export const unlinkDeveloperIdentity: OperationDefinition = {
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

export const mergeDeveloperIdentities: OperationDefinition = {
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

export const deleteIdentities: OperationDefinition = {
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

export const describeIdentity: OperationDefinition = {
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
