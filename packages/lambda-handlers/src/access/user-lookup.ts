import { ConfigurationError, type UserStore } from '@devauth/core';
import { loadStoreConfig } from '../config.js';
import type { Stores } from '../stores.js';

/** What a guard needs of the user store, and a way to let go of its connections (tests, shutdown). */
export interface UserLookup extends Pick<UserStore, 'findByIdentityId'> {
  close(): Promise<void>;
}

/**
 * The guard's user lookup for an app function, from the store settings the deployment gave it (the same
 * `DEVAUTH_STORE`, `DEVAUTH_TABLE_NAME` or `DEVAUTH_DATABASE_*` variables @devauth/cdk sets on the auth functions),
 * so an app's handler works unchanged over DynamoDB or PostgreSQL:
 *
 *     const guard = createGuard({ table: accessTableFromEnv(), users: userLookupFromEnv(), identityPoolId });
 *
 * The settings are checked now (a misconfigured function fails at start, not at its first caller); the adapter, the
 * driver and the SDK client load on the first lookup and are kept for the warm environment. A failed start (the
 * database secret unreadable) is not cached: the next lookup tries again.
 */
export function userLookupFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): UserLookup {
  const config = loadStoreConfig(env);
  if (config.store !== 'dynamodb' && config.store !== 'postgres') {
    throw new ConfigurationError(
      `store: an app function reads the deployment's shared store ("dynamodb" or "postgres"), not "${config.store}"`,
    );
  }
  let stores: Promise<Stores> | undefined;
  const open = () => {
    stores ??= import('../stores.js')
      .then(({ createStores }) => createStores(config))
      .catch((error: unknown) => {
        stores = undefined;
        throw error;
      });
    return stores;
  };
  return {
    findByIdentityId: async (identityId) => (await open()).users.findByIdentityId(identityId),
    close: async () => {
      const opened = stores;
      stores = undefined;
      if (opened) await (await opened).close();
    },
  };
}
