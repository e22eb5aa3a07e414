/**
 * `@devauth/core/testing`: in-memory adapters for every port, a fake identity broker, a manual clock and sample
 * records. Nothing here imports a test runner, so it loads without vitest (the local dev server and the demo use it).
 * The contract suites every adapter must pass are in `@devauth/core/testing/contracts`, which imports `vitest`.
 */

/** The local outbox lives in the main entry (the dev server uses it); re-exported here beside the other fakes. */
export { InMemoryOutbox, type OutboxEntry } from '../messaging/in-memory-outbox.js';
export { FakeIdentityBroker, type FakeIdentityBrokerOptions, type FakeTokenClaims } from './fake-identity-broker.js';
export { sampleDate, sampleRefreshToken, sampleUser, tally, uniqueSuffix } from './fixtures.js';
export { InMemoryAccountTokenStore } from './in-memory-account-token-store.js';
export { InMemoryGuestLinkStore } from './in-memory-guest-link-store.js';
export { InMemoryInvitationStore } from './in-memory-invitation-store.js';
export { InMemoryLoginAttemptStore } from './in-memory-login-attempt-store.js';
export { InMemoryRefreshTokenStore } from './in-memory-refresh-token-store.js';
export { createInMemoryStores, type InMemoryStores } from './in-memory-stores.js';
export { InMemoryUserStore } from './in-memory-user-store.js';
export { ManualClock } from './manual-clock.js';
export { RecordingEventSink } from './recording-event-sink.js';
