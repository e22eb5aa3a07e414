import { InMemoryAccountTokenStore } from './in-memory-account-token-store.js';
import { InMemoryGuestLinkStore } from './in-memory-guest-link-store.js';
import { InMemoryInvitationStore } from './in-memory-invitation-store.js';
import { InMemoryLoginAttemptStore } from './in-memory-login-attempt-store.js';
import { InMemoryRefreshTokenStore } from './in-memory-refresh-token-store.js';
import { InMemoryUserStore } from './in-memory-user-store.js';

/** Every persistence port in memory, named as `createDevauth` expects them: `createDevauth({ ...stores, broker })`. */
export interface InMemoryStores {
  readonly users: InMemoryUserStore;
  readonly refreshTokens: InMemoryRefreshTokenStore;
  readonly loginAttempts: InMemoryLoginAttemptStore;
  readonly invitations: InMemoryInvitationStore;
  readonly guestLinks: InMemoryGuestLinkStore;
  readonly accountTokens: InMemoryAccountTokenStore;
}

/** Fresh, empty in-memory stores (one set per test keeps tests apart). */
export function createInMemoryStores(): InMemoryStores {
  return {
    users: new InMemoryUserStore(),
    refreshTokens: new InMemoryRefreshTokenStore(),
    loginAttempts: new InMemoryLoginAttemptStore(),
    invitations: new InMemoryInvitationStore(),
    guestLinks: new InMemoryGuestLinkStore(),
    accountTokens: new InMemoryAccountTokenStore(),
  };
}
