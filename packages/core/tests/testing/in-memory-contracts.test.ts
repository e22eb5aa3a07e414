import {
  InMemoryAccountTokenStore,
  InMemoryGuestLinkStore,
  InMemoryInvitationStore,
  InMemoryLoginAttemptStore,
  InMemoryRefreshTokenStore,
  InMemoryUserStore,
} from '@devauth/core/testing';
import {
  describeAccountTokenStoreContract,
  describeGuestLinkStoreContract,
  describeInvitationStoreContract,
  describeLoginAttemptStoreContract,
  describeRefreshTokenStoreContract,
  describeUserStoreContract,
} from '@devauth/core/testing/contracts';

describeUserStoreContract('in-memory', { setup: () => new InMemoryUserStore() });
describeRefreshTokenStoreContract('in-memory', { setup: () => new InMemoryRefreshTokenStore() });
describeLoginAttemptStoreContract('in-memory', { setup: () => new InMemoryLoginAttemptStore() });
describeInvitationStoreContract('in-memory', { setup: () => new InMemoryInvitationStore() });
describeGuestLinkStoreContract('in-memory', { setup: () => new InMemoryGuestLinkStore() });
describeAccountTokenStoreContract('in-memory', { setup: () => new InMemoryAccountTokenStore() });
