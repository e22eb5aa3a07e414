import type {
  AccountTokenStore,
  GuestLinkStore,
  InvitationStore,
  LoginAttemptStore,
  RefreshTokenStore,
  UserStore,
} from '@devauth/core';
import { PostgresAccountTokenStore } from './postgres-account-token-store.js';
import { PostgresGuestLinkStore } from './postgres-guest-link-store.js';
import { PostgresInvitationStore } from './postgres-invitation-store.js';
import { PostgresLoginAttemptStore } from './postgres-login-attempt-store.js';
import { PostgresRefreshTokenStore } from './postgres-refresh-token-store.js';
import { PostgresUserStore } from './postgres-user-store.js';
import type { SqlClient } from './sql-client.js';

export interface PostgresStores {
  readonly users: UserStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly loginAttempts: LoginAttemptStore;
  readonly invitations: InvitationStore;
  readonly guestLinks: GuestLinkStore;
  readonly accountTokens: AccountTokenStore;
}

/** The six devauth stores on one client. No I/O: run `migrate(client)` once before first use. */
export function createPostgresStores(client: SqlClient): PostgresStores {
  return {
    users: new PostgresUserStore(client),
    refreshTokens: new PostgresRefreshTokenStore(client),
    loginAttempts: new PostgresLoginAttemptStore(client),
    invitations: new PostgresInvitationStore(client),
    guestLinks: new PostgresGuestLinkStore(client),
    accountTokens: new PostgresAccountTokenStore(client),
  };
}
