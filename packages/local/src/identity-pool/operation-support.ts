import type { CredentialRegistry } from './credentials.js';
import { invalidParameter, resourceNotFound } from './errors.js';
import type { IdentityPoolStore, IdentityRecord, LinkConflictBehaviour, PoolRecord } from './store.js';
import type { TokenAuthority } from './tokens.js';
import {
  DEVELOPER_PROVIDER_NAME_PATTERN,
  IDENTITY_ID_PATTERN,
  IDENTITY_POOL_ID_PATTERN,
  type JsonObject,
} from './validation.js';

/** What every operation of the emulator works on, and the rules its inputs share. */

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

export const poolIdRule = { required: true, min: 1, max: 55, pattern: IDENTITY_POOL_ID_PATTERN } as const;
export const identityIdRule = { min: 1, max: 55, pattern: IDENTITY_ID_PATTERN } as const;
export const providerNameRule = { min: 1, max: 128, pattern: DEVELOPER_PROVIDER_NAME_PATTERN } as const;
export const developerUserIdRule = { min: 1, max: 1024, sensitive: true } as const;
export const loginsRule = {
  maxEntries: 10,
  key: { min: 1, max: 128 },
  value: { min: 1, max: 50_000 },
  sensitive: true,
};

export const epochSeconds = (date: Date): number => date.getTime() / 1000;

export function requireIdentityInPool(context: OperationContext, pool: PoolRecord, identityId: string): IdentityRecord {
  const identity = context.store.getIdentity(identityId);
  if (!identity || identity.identityPoolId !== pool.identityPoolId) {
    throw resourceNotFound(`Identity '${identityId}' not found.`);
  }
  return identity;
}

export function requireDeveloperProvider(pool: PoolRecord, providerName: string): void {
  if (pool.developerProviderName === undefined) {
    throw invalidParameter(`IdentityPool '${pool.identityPoolId}' has no DeveloperProviderName.`);
  }
  if (providerName !== pool.developerProviderName) {
    throw invalidParameter(`Developer provider name does not match the identity pool's DeveloperProviderName.`);
  }
}

export const hasLogins = (logins: Record<string, string> | undefined): logins is Record<string, string> =>
  logins !== undefined && Object.keys(logins).length > 0;
