import { resourceConflict } from './errors.js';
import type { OperationContext, OperationDefinition } from './operation-support.js';
import { poolIdRule, providerNameRule } from './operation-support.js';
import type { LinkConflictBehaviour, PoolRecord } from './store.js';
import { IDENTITY_POOL_NAME_PATTERN, type JsonObject, RequestReader } from './validation.js';

/** The pool administration operations: CreateIdentityPool, DescribeIdentityPool, DeleteIdentityPool, ListIdentityPools. */

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

export const createIdentityPool: OperationDefinition = {
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

export const describeIdentityPool: OperationDefinition = {
  signed: true,
  run(context, body) {
    const input = new RequestReader(body);
    const identityPoolId = input.string('IdentityPoolId', poolIdRule);
    input.done();
    return describePool(context.store.requirePool(identityPoolId!));
  },
};

export const deleteIdentityPool: OperationDefinition = {
  signed: true,
  run(context, body) {
    const input = new RequestReader(body);
    const identityPoolId = input.string('IdentityPoolId', poolIdRule);
    input.done();
    context.store.deletePool(identityPoolId!);
    return {};
  },
};

export const listIdentityPools: OperationDefinition = {
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
