import {
  deleteIdentities,
  describeIdentity,
  getOpenIdTokenForDeveloperIdentity,
  lookupDeveloperIdentity,
  mergeDeveloperIdentities,
  unlinkDeveloperIdentity,
} from './developer-operations.js';
import type { OperationDefinition } from './operation-support.js';
import { createIdentityPool, deleteIdentityPool, describeIdentityPool, listIdentityPools } from './pool-operations.js';
import { getCredentialsForIdentity, getId, getOpenIdToken } from './session-operations.js';

export type { OperationContext, OperationDefinition } from './operation-support.js';
export { createPoolRecord, describePool, type PoolSettings } from './pool-operations.js';

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
