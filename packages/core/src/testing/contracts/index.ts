/**
 * `@devauth/core/testing/contracts`: the contract suite of every persistence port. Each adapter runs the same suites
 * (`describeUserStoreContract('DynamoDB', { setup: () => stores.users })`). They call vitest's `describe`/`it`/
 * `expect`, so this entry imports `vitest` when it loads: vitest is an optional peer dependency of @devauth/core,
 * needed only here. The fixtures the suites use (`sampleUser`, ...) are in `@devauth/core/testing`.
 */
export { describeAccountTokenStoreContract } from './account-token-store.contract.js';
export { describeGuestLinkStoreContract } from './guest-link-store.contract.js';
export { describeInvitationStoreContract } from './invitation-store.contract.js';
export { describeLoginAttemptStoreContract } from './login-attempt-store.contract.js';
export { describeRefreshTokenStoreContract } from './refresh-token-store.contract.js';
export type { StoreHarness } from './store-harness.js';
export { describeUserStoreContract } from './user-store.contract.js';
