import { type AccessTable, accessTableToJson } from '@devauth/access';
import { ACCESS_TABLE_ENV, HANDLER_ENV } from '@devauth/lambda-handlers/env';
import { Annotations } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import type { IDevauthStore } from './devauth-store.js';
import { DevauthConstructError, rethrowAs } from './errors.js';
import type { DevauthIdentityPool } from './identity-pool.js';

/**
 * Lambda allows 4 KB of environment in all (names and values). The access table gets most of it but not all: the
 * app keeps room for its own variables.
 */
export const MAX_ACCESS_TABLE_ENV_BYTES = 3072;

export interface AppFunctionWiring {
  /** The routes that reach this function, with the deployment's known roles. */
  readonly table: AccessTable;
  readonly roles: readonly string[];
  readonly identityPool: DevauthIdentityPool;
  readonly store: IDevauthStore;
  readonly guardCacheTtlSeconds?: number;
}

/**
 * Gives an app function what its in-Lambda guard needs: `DEVAUTH_ACCESS_TABLE` (the routes that reach it, read with
 * `accessTableFromEnv()` of `@devauth/lambda-handlers/access`), `DEVAUTH_IDENTITY_POOL_ID`, the store's variables,
 * and read-only lookup permissions on the store. A function that is not a `lambda.Function` of this app (an imported
 * one) has no environment to set: it gets the permissions and a synth warning.
 */
export function wireAppFunction(scope: IConstruct, fn: IFunction, wiring: AppFunctionWiring): void {
  const table = rethrowAs(scope, () => accessTableToJson(wiring.table, { roles: wiring.roles }));
  if (Buffer.byteLength(table) > MAX_ACCESS_TABLE_ENV_BYTES) {
    throw new DevauthConstructError(
      scope.node.path,
      `the access table of ${fn.node.path} is ${Buffer.byteLength(table)} bytes, over the ${MAX_ACCESS_TABLE_ENV_BYTES} ` +
        "this construct allows it of Lambda's 4 KB environment: split its routes over more functions.",
    );
  }
  if (wiring.store.vpcPlacement && !fn.isBoundToVpc) {
    throw new DevauthConstructError(
      scope.node.path,
      `${fn.node.path} must run in the store's VPC to reach it: create it with \`...store.vpcPlacement\` in its props.`,
    );
  }
  wiring.store.grantUserLookup(fn);
  const environment: Record<string, string> = {
    ...wiring.store.environment,
    [HANDLER_ENV.identityPoolId]: wiring.identityPool.identityPoolId,
    [ACCESS_TABLE_ENV]: table,
    ...(wiring.guardCacheTtlSeconds === undefined
      ? {}
      : { [HANDLER_ENV.guardCacheTtlSeconds]: String(wiring.guardCacheTtlSeconds) }),
  };
  const target = fn as IFunction & { addEnvironment?: (key: string, value: string) => unknown };
  if (typeof target.addEnvironment !== 'function') {
    Annotations.of(scope).addWarningV2(
      '@devauth/cdk:importedFunction',
      `${fn.node.path} is not a lambda.Function of this app: set ${Object.keys(environment).join(', ')} on it yourself.`,
    );
    return;
  }
  for (const [key, value] of Object.entries(environment)) target.addEnvironment(key, value);
}
