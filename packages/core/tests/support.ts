import {
  createArgon2idHasher,
  createDevauth,
  createPasswordHashing,
  type DevauthConfigInput,
  type DevauthDependencies,
  type PasswordHasher,
  staticCommonPasswords,
} from '@devauth/core';
import {
  FakeIdentityBroker,
  InMemoryAccountTokenStore,
  InMemoryGuestLinkStore,
  InMemoryInvitationStore,
  InMemoryLoginAttemptStore,
  InMemoryOutbox,
  InMemoryRefreshTokenStore,
  InMemoryUserStore,
  ManualClock,
  RecordingEventSink,
} from '@devauth/core/testing';

/** Argon2id at small parameters: the real algorithm, fast enough for hundreds of unit-test hashes. */
export const FAST_ARGON2 = { memoryCost: 256, timeCost: 1, parallelism: 1 } as const;

export function fastHasher(): PasswordHasher {
  return createPasswordHashing({ primary: createArgon2idHasher(FAST_ARGON2) });
}

/** Wraps a hasher and counts calls: tests assert where hashing happens and where it must not. */
export class CountingHasher implements PasswordHasher {
  hashes = 0;
  verifies = 0;
  constructor(private readonly inner: PasswordHasher) {}
  async hash(password: string): Promise<string> {
    this.hashes++;
    return this.inner.hash(password);
  }
  async verify(encoded: string, password: string): Promise<boolean> {
    this.verifies++;
    return this.inner.verify(encoded, password);
  }
  needsRehash(encoded: string): boolean {
    return this.inner.needsRehash(encoded);
  }
}

export const STRONG_PASSWORD = 'correct horse battery staple';

export function makeDevauth(config: DevauthConfigInput = {}, overrides: Partial<DevauthDependencies> = {}) {
  const users = new InMemoryUserStore();
  const refreshTokens = new InMemoryRefreshTokenStore();
  const loginAttempts = new InMemoryLoginAttemptStore();
  const invitations = new InMemoryInvitationStore();
  const guestLinks = new InMemoryGuestLinkStore();
  const accountTokens = new InMemoryAccountTokenStore();
  const outbox = new InMemoryOutbox();
  const clock = new ManualClock('2026-03-01T10:00:00.000Z');
  const broker = new FakeIdentityBroker({ clock });
  const events = new RecordingEventSink();
  const hasher = new CountingHasher(fastHasher());
  const devauth = createDevauth(
    {
      users,
      refreshTokens,
      loginAttempts,
      invitations,
      guestLinks,
      accountTokens,
      messages: outbox,
      broker,
      hasher,
      clock,
      events,
      commonPasswords: staticCommonPasswords(['password1234', 'qwertyuiopasdf', 'iloveyou123456']),
      ...overrides,
    },
    config,
  );
  return {
    devauth,
    users,
    refreshTokens,
    loginAttempts,
    invitations,
    guestLinks,
    accountTokens,
    outbox,
    clock,
    broker,
    events,
    hasher,
  };
}
