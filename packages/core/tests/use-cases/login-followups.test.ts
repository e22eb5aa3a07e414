import {
  InvalidCredentialsError,
  nextVersion,
  ThrottledError,
  type UserRecord,
  type ValidationError,
  VersionConflictError,
} from '@devauth/core';
import { InMemoryUserStore, sampleUser } from '@devauth/core/testing';
import { describe, expect, it } from 'vitest';
import { fastHasher, makeDevauth, STRONG_PASSWORD } from '../support.js';

/** A user store whose next `conflicts` updates lose the optimistic-concurrency race (or fail with `failure`). */
class RacingUserStore extends InMemoryUserStore {
  updates = 0;
  constructor(
    private conflicts: number,
    private readonly failure: () => Error = () => new VersionConflictError('user'),
    private readonly onConflict: (store: RacingUserStore, next: UserRecord) => Promise<void> = async () => undefined,
  ) {
    super();
  }
  override async update(next: UserRecord): Promise<void> {
    this.updates++;
    if (this.conflicts > 0) {
      this.conflicts--;
      await this.onConflict(this, next);
      throw this.failure();
    }
    return super.update(next);
  }
}

async function registered(users: InMemoryUserStore = new InMemoryUserStore()) {
  const context = makeDevauth({}, { users });
  const user = await context.devauth.register.execute({ username: 'alice', password: STRONG_PASSWORD });
  return { ...context, users, user };
}

describe('Use case: Login, after the password checked out', () => {
  it('writes the user once on first login, and not at all when nothing changed', async () => {
    const { devauth, users, user, events } = await registered();
    const first = await devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD });
    expect((await users.findById(user.id))?.version).toBe(2);
    await devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD });
    expect((await users.findById(user.id))?.version).toBe(2);
    // Storing the IdentityId is no password rehash.
    expect(events.ofType('PasswordRehashed')).toEqual([]);
    expect(events.ofType('IdentityLinked')).toEqual([
      {
        type: 'IdentityLinked',
        at: expect.any(Date),
        userId: user.id,
        identityId: first.identityId,
        guestUpgraded: false,
      },
    ]);
    expect(events.ofType('LoginSucceeded')).toHaveLength(2);
    expect(events.ofType('LoginSucceeded')[0]).toMatchObject({ userId: user.id, identityId: first.identityId });
  });

  it('retries the write once on the fresh record when a concurrent login won the version race', async () => {
    // The concurrent writer stored the IdentityId first; the retry finds nothing left to write.
    const users = new RacingUserStore(1, undefined, async (store, next) => {
      const current = (await InMemoryUserStore.prototype.findById.call(store, next.id))!;
      await InMemoryUserStore.prototype.update.call(
        store,
        nextVersion(current, { email: 'alice@example.com' }, next.updatedAt),
      );
    });
    const { devauth, user } = await registered(users);
    const result = await devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD });
    expect(users.updates).toBe(2);
    const stored = (await users.findById(user.id))!;
    // The retry kept the concurrent change and added the IdentityId on top of it.
    expect(stored).toMatchObject({ email: 'alice@example.com', identityId: result.identityId, version: 3 });
  });

  it('still logs in when the write loses the race twice, and tries no third time', async () => {
    const users = new RacingUserStore(5);
    const { devauth, user } = await registered(users);
    const result = await devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD });
    expect(result.user.id).toBe(user.id);
    expect(users.updates).toBe(2);
    // Nothing was stored; the next login stores what is missing.
    expect((await users.findById(user.id))?.identityId).toBeNull();
  });

  it('still logs in when the user was deleted during the race', async () => {
    const users = new RacingUserStore(1, undefined, async (store, next) => store.delete(next.id));
    const { devauth } = await registered(users);
    await expect(devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD })).resolves.toBeDefined();
    expect(users.updates).toBe(1);
  });

  it('fails the login on any other store error during the write', async () => {
    const outage = new Error('store down');
    const users = new RacingUserStore(1, () => outage);
    const { devauth } = await registered(users);
    await expect(devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD })).rejects.toBe(outage);
    expect(users.updates).toBe(1);
  });

  it('verifies an imported, unnormalized hash against the raw password, then moves it to NFKC', async () => {
    const { devauth, users, events } = makeDevauth();
    // A legacy system hashed the full-width password as typed; NFKC would turn it into ASCII and never match.
    const typed = 'ｌｅｇａｃｙ-ｐａｓｓｗｏｒｄ';
    const legacy = sampleUser({
      username: 'legacy',
      email: null,
      passwordHash: await fastHasher().hash(typed),
      passwordNormalization: 'none',
    });
    await users.create(legacy);
    await devauth.login.execute({ username: 'legacy', password: typed });
    const upgraded = (await users.findById(legacy.id))!;
    expect(upgraded.passwordNormalization).toBe('NFKC');
    expect(upgraded.passwordHash).not.toBe(legacy.passwordHash);
    expect(events.ofType('PasswordRehashed')).toEqual([
      { type: 'PasswordRehashed', at: expect.any(Date), userId: legacy.id, algorithm: 'argon2id' },
    ]);
    // From now on the NFKC form is the password (and the typed form, which normalizes to it).
    await expect(devauth.login.execute({ username: 'legacy', password: 'legacy-password' })).resolves.toBeDefined();
    await expect(devauth.login.execute({ username: 'legacy', password: typed })).resolves.toBeDefined();
    expect(events.ofType('PasswordRehashed')).toHaveLength(1);
  });

  it('computes the dummy hash in warmUp, so no login pays for it afterwards', async () => {
    const { devauth, hasher } = makeDevauth();
    await devauth.login.warmUp();
    expect(hasher.hashes).toBe(1);
    await expect(devauth.login.execute({ username: 'nobody', password: 'wrong password!' })).rejects.toBeInstanceOf(
      InvalidCredentialsError,
    );
    expect(hasher.hashes).toBe(1);
  });

  it('makes the dummy hash again when making it failed', async () => {
    const inner = fastHasher();
    let failures = 1;
    const hasher = {
      hash: async (password: string) => {
        if (failures-- > 0) throw new Error('thread pool exhausted');
        return inner.hash(password);
      },
      verify: (encoded: string, password: string) => inner.verify(encoded, password),
      needsRehash: (encoded: string) => inner.needsRehash(encoded),
    };
    const { devauth } = makeDevauth({}, { hasher });
    await expect(devauth.login.execute({ username: 'nobody', password: 'wrong password!' })).rejects.toThrow(
      'thread pool exhausted',
    );
    await expect(devauth.login.execute({ username: 'nobody', password: 'wrong password!' })).rejects.toBeInstanceOf(
      InvalidCredentialsError,
    );
  });
});

describe('Use case: Login, throttling and events', () => {
  it("resets the username's counter on success, but never the address's", async () => {
    const { devauth } = await registered();
    const from = (sourceAddress: string, password: string) =>
      devauth.login.execute({ username: 'alice', password }, { sourceAddress });
    for (let i = 0; i < 4; i++) await expect(from('198.51.100.1', 'wrong password!')).rejects.toBeInstanceOf(Error);
    await from('198.51.100.1', STRONG_PASSWORD);
    // The username starts again from zero: four more failures from elsewhere are still free.
    for (let i = 0; i < 4; i++) await expect(from('198.51.100.2', 'wrong password!')).rejects.toBeInstanceOf(Error);
    await expect(from('198.51.100.3', STRONG_PASSWORD)).resolves.toBeDefined();
    // The first address kept its four failures: one more (for any username) and it waits.
    await expect(
      devauth.login.execute({ username: 'bob', password: 'wrong password!' }, { sourceAddress: '198.51.100.1' }),
    ).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(from('198.51.100.1', STRONG_PASSWORD)).rejects.toBeInstanceOf(ThrottledError);
  });

  it('publishes why each login failed, with the user id only when the user exists', async () => {
    const { devauth, users, user, clock, events } = await registered();
    await expect(devauth.login.execute({ username: 'nobody', password: 'wrong password!' })).rejects.toBeDefined();
    await expect(devauth.login.execute({ username: 'alice', password: 'wrong password!' })).rejects.toBeDefined();
    for (let i = 0; i < 4; i++) {
      await expect(devauth.login.execute({ username: 'alice', password: 'wrong password!' })).rejects.toBeDefined();
    }
    await expect(devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD })).rejects.toBeInstanceOf(
      ThrottledError,
    );
    await expect(devauth.login.execute({ username: 'nobody', password: STRONG_PASSWORD })).rejects.toBeInstanceOf(
      InvalidCredentialsError,
    );
    clock.advance(3600);
    const stored = (await users.findById(user.id))!;
    await users.update(nextVersion(stored, { status: 'disabled' }, clock.now()));
    await expect(devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD })).rejects.toBeDefined();
    const failed = events.ofType('LoginFailed').map(({ reason, userId }) => ({ reason, userId }));
    expect(failed).toEqual([
      { reason: 'invalid_credentials', userId: null },
      ...Array.from({ length: 5 }, () => ({ reason: 'invalid_credentials', userId: user.id })),
      { reason: 'throttled', userId: user.id },
      { reason: 'invalid_credentials', userId: null },
      { reason: 'account_disabled', userId: user.id },
    ]);
    expect(events.ofType('LoginSucceeded')).toEqual([]);
  });

  it('answers a malformed guest IdentityId and username with the field and the reason', async () => {
    const { devauth } = makeDevauth();
    const error = (input: unknown) =>
      devauth.login.execute(input).then(
        () => undefined,
        (reason: unknown) => reason as ValidationError,
      );
    expect((await error({ username: 'alice', password: STRONG_PASSWORD, guestIdentityId: 'nope' }))?.issues).toEqual([
      { path: ['guestIdentityId'], code: 'invalid_format', message: 'must be a Cognito IdentityId' },
    ]);
    expect((await error({ username: 'a b', password: STRONG_PASSWORD }))?.issues).toEqual([
      { path: ['username'], code: 'disallowed_character', message: expect.stringMatching(/letters, digits/) },
    ]);
    expect((await error({ username: 42, password: STRONG_PASSWORD }))?.issues).toMatchObject([
      { path: ['username'], code: 'invalid_type' },
    ]);
  });

  it('refuses a password over maxBytes that the request schema lets through, before hashing', async () => {
    const { devauth, hasher } = makeDevauth();
    hasher.hashes = 0;
    hasher.verifies = 0;
    // 1,025 ASCII bytes: under the schema's 4,096 characters, over the policy's 1,024 bytes.
    const attempt = devauth.login.execute({ username: 'alice', password: 'x'.repeat(1025) });
    await expect(attempt).rejects.toMatchObject({ issues: [{ path: ['password'], code: 'too_big' }] });
    expect({ hashes: hasher.hashes, verifies: hasher.verifies }).toEqual({ hashes: 0, verifies: 0 });
  });
});
