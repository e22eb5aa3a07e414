export { describeAccountTokenStoreContract } from './account-token-store.contract.js';
export { sampleDate, sampleRefreshToken, sampleUser, tally, uniqueSuffix } from './fixtures.js';
export { describeGuestLinkStoreContract } from './guest-link-store.contract.js';
export { describeInvitationStoreContract } from './invitation-store.contract.js';
export { describeLoginAttemptStoreContract } from './login-attempt-store.contract.js';
export { describeRefreshTokenStoreContract } from './refresh-token-store.contract.js';
export type { StoreHarness } from './store-harness.js';
export { describeUserStoreContract } from './user-store.contract.js';
