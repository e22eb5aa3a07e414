import {
  AccountDisabledError,
  createArgon2idHasher,
  createDefaultPasswordHasher,
  InvalidCredentialsError,
  nextVersion,
  type PasswordHasher,
  ThrottledError,
  UpstreamUnavailableError,
  ValidationError,
} from '@devauth/core';
import { describe, expect, it } from 'vitest';
import { CountingHasher, makeDevauth, STRONG_PASSWORD } from '../support.js';

async function withShopper(config = {}) {
  const context = makeDevauth(config);
  const user = await context.devauth.register.execute({ username: 'alice', password: STRONG_PASSWORD });
  return { ...context, user };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('Use case: Login', () => {
  it('exchanges through the broker with the user id, the role tag and the configured duration', async () => {
    const { devauth, broker, user, clock } = await withShopper({ tokenDurationSeconds: 600 });
    const result = await devauth.login.execute({ username: 'ALICE', password: STRONG_PASSWORD });
    expect(broker.calls).toEqual([
      {
        developerUserId: user.id,
        identityId: undefined,
        principalTags: { role: 'shopper' },
        tokenDurationSeconds: 600,
      },
    ]);
    const claims = broker.verify(result.openIdToken);
    expect(claims?.sub).toBe(result.identityId);
    expect(claims?.exp).toBe(clock.now().getTime() / 1000 + 600);
    expect(result.openIdTokenExpiresAt).toEqual(new Date(clock.now().getTime() + 600_000));
    expect(result.role).toBe('shopper');
    expect(result.refreshToken).toMatch(/^rt_[A-Za-z0-9_-]{43}$/);
    expect(result.user).not.toHaveProperty('passwordHash');
  });

  it('defaults the token duration to 900 s and refuses durations outside 1..86400', async () => {
    const { devauth, broker } = await withShopper();
    await devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD });
    expect(broker.calls[0]?.tokenDurationSeconds).toBe(900);
    expect(() => makeDevauth({ tokenDurationSeconds: 0 })).toThrow(/tokenDurationSeconds/);
    expect(() => makeDevauth({ tokenDurationSeconds: 86_401 })).toThrow(/tokenDurationSeconds/);
  });

  it('caps the token duration at 15 minutes unless longer ones are allowed explicitly', async () => {
    expect(() => makeDevauth({ tokenDurationSeconds: 901 })).toThrow(/allowLongTokenDuration/);
    const { devauth, broker } = await withShopper({ tokenDurationSeconds: 3600, allowLongTokenDuration: true });
    await devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD });
    expect(broker.calls[0]?.tokenDurationSeconds).toBe(3600);
  });

  it('stores the IdentityId on first login and reuses it afterwards', async () => {
    const { devauth, users, broker, user } = await withShopper();
    const first = await devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD });
    expect((await users.findById(user.id))?.identityId).toBe(first.identityId);
    const second = await devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD });
    expect(second.identityId).toBe(first.identityId);
    expect(broker.calls[1]?.identityId).toBe(first.identityId);
  });

  it('upgrades the caller guest identity in place with its guest link secret: the IdentityId is kept', async () => {
    const { devauth, users, user, events } = await withShopper();
    const guest = await devauth.guest.execute();
    const result = await devauth.login.execute({
      username: 'alice',
      password: STRONG_PASSWORD,
      guestIdentityId: guest.identityId,
      guestLinkSecret: guest.guestLinkSecret,
    });
    expect(result.identityId).toBe(guest.identityId);
    expect((await users.findById(user.id))?.identityId).toBe(guest.identityId);
    expect(events.ofType('IdentityLinked')[0]).toMatchObject({ guestUpgraded: true, identityId: guest.identityId });
  });

  it('answers an unknown user exactly like a wrong password, with one verification each', async () => {
    const { devauth, hasher } = await withShopper();
    hasher.verifies = 0;
    const wrong = await failure(devauth.login.execute({ username: 'alice', password: 'wrong password!' }));
    const unknown = await failure(devauth.login.execute({ username: 'nobody', password: 'wrong password!' }));
    expect(wrong).toBeInstanceOf(InvalidCredentialsError);
    expect(unknown).toBeInstanceOf(InvalidCredentialsError);
    expect(unknown.message).toBe(wrong.message);
    expect(JSON.stringify(unknown)).toBe(JSON.stringify(wrong));
    expect(hasher.verifies).toBe(2);
  });

  it('makes the dummy hash on the first login of an instance whoever logs in (no cold-start timing leak)', async () => {
    // An unknown user on a fresh instance pays for the dummy hash; a known user must pay the same, or the first
    // login after every cold start would tell them apart (two hashes against one).
    for (const username of ['alice', 'nobody']) {
      const { devauth, hasher } = await withShopper();
      hasher.hashes = 0;
      hasher.verifies = 0;
      await expect(devauth.login.execute({ username, password: 'wrong password!' })).rejects.toBeInstanceOf(
        InvalidCredentialsError,
      );
      expect({ username, hashes: hasher.hashes, verifies: hasher.verifies }).toEqual({
        username,
        hashes: 1,
        verifies: 1,
      });
      await expect(devauth.login.execute({ username, password: 'wrong password!' })).rejects.toBeInstanceOf(
        InvalidCredentialsError,
      );
      expect({ username, hashes: hasher.hashes, verifies: hasher.verifies }).toEqual({
        username,
        hashes: 1,
        verifies: 2,
      });
    }
  });

  it("uses the default hasher's precomputed dummy hash: a fresh instance's first login costs one verification only", async () => {
    const inner = createDefaultPasswordHasher();
    const counting = new CountingHasher(inner);
    const hasher: PasswordHasher = Object.assign(counting, {
      precomputedDummyHash: () => inner.precomputedDummyHash?.(),
    });
    const dummy = inner.precomputedDummyHash?.();
    // At the current (OWASP) parameters, so verifying against it costs what verifying a real user's hash costs.
    expect(dummy).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(inner.needsRehash(dummy!)).toBe(false);
    const { devauth } = makeDevauth({}, { hasher });
    await expect(devauth.login.execute({ username: 'nobody', password: 'wrong password!' })).rejects.toBeInstanceOf(
      InvalidCredentialsError,
    );
    expect({ hashes: counting.hashes, verifies: counting.verifies }).toEqual({ hashes: 0, verifies: 1 });
    // Other parameters have no shipped hash: the instance makes its own.
    expect(createArgon2idHasher({ timeCost: 3 }).precomputedDummyHash?.()).toBeUndefined();
  });

  it('refuses a guest IdentityId that is not exactly region:id, before any hashing', async () => {
    const { devauth, hasher } = await withShopper();
    hasher.verifies = 0;
    for (const guestIdentityId of [
      'us-east-1:0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b</script>',
      ' us-east-1:0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
      'us-east-1:0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b\n',
      '../us-east-1:0f1e2d3c',
      'us-east-1:',
    ]) {
      const error = await failure(
        devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD, guestIdentityId }),
      );
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((issue) => issue.path)).toEqual([['guestIdentityId']]);
    }
    expect(hasher.verifies).toBe(0);
    // A real guest identity of the pool upgrades in place.
    const guest = await devauth.guest.execute();
    const ok = await devauth.login.execute({
      username: 'alice',
      password: STRONG_PASSWORD,
      guestIdentityId: guest.identityId,
      guestLinkSecret: guest.guestLinkSecret,
    });
    expect(ok.identityId).toBe(guest.identityId);
  });

  it('answers a disabled account exactly like a wrong password by default, and counts the failure', async () => {
    const { devauth, users, user, clock, loginAttempts } = await withShopper();
    const stored = (await users.findById(user.id))!;
    await users.update(nextVersion(stored, { status: 'disabled' }, clock.now()));
    const wrong = await failure(devauth.login.execute({ username: 'alice', password: 'wrong password!' }));
    const right = await failure(devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD }));
    expect(wrong).toBeInstanceOf(InvalidCredentialsError);
    expect(right).toBeInstanceOf(InvalidCredentialsError);
    expect(JSON.stringify(right)).toBe(JSON.stringify(wrong));
    expect((await loginAttempts.get(['user:alice']))[0]?.consecutiveFailures).toBe(2);
  });

  it('says a disabled account is disabled after the right password only with revealDisabledAccounts', async () => {
    const { devauth, users, user, clock } = await withShopper({ revealDisabledAccounts: true });
    const stored = (await users.findById(user.id))!;
    await users.update(nextVersion(stored, { status: 'disabled' }, clock.now()));
    await expect(devauth.login.execute({ username: 'alice', password: 'wrong password!' })).rejects.toBeInstanceOf(
      InvalidCredentialsError,
    );
    await expect(devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD })).rejects.toBeInstanceOf(
      AccountDisabledError,
    );
  });

  it('throttles after 5 failures with a retry-after, without hashing, and a success resets', async () => {
    const { devauth, hasher, clock } = await withShopper();
    for (let i = 0; i < 5; i++) {
      await expect(devauth.login.execute({ username: 'alice', password: 'wrong password!' })).rejects.toBeInstanceOf(
        InvalidCredentialsError,
      );
    }
    hasher.verifies = 0;
    const throttled = await failure(devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD }));
    expect(throttled).toBeInstanceOf(ThrottledError);
    expect((throttled as ThrottledError).retryAfterSeconds).toBe(1);
    expect(hasher.verifies).toBe(0);
    clock.advance(1);
    await devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD });
    // The success reset the counter: five more failures are needed before the next wait.
    for (let i = 0; i < 4; i++) {
      await expect(devauth.login.execute({ username: 'alice', password: 'nope nope nope' })).rejects.toBeInstanceOf(
        InvalidCredentialsError,
      );
    }
    await expect(devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD })).resolves.toBeDefined();
  });

  it('doubles the wait per failure and throttles unknown users the same way', async () => {
    const { devauth, clock } = await withShopper();
    const waits: number[] = [];
    for (let i = 0; i < 9; i++) {
      const error = await failure(devauth.login.execute({ username: 'nobody', password: 'wrong password!' }));
      if (error instanceof ThrottledError) {
        waits.push(error.retryAfterSeconds);
        clock.advance(error.retryAfterSeconds);
        i--;
      }
    }
    expect(waits).toEqual([1, 2, 4, 8]);
  });

  it('throttles per source address across usernames', async () => {
    const { devauth } = await withShopper();
    for (let i = 0; i < 5; i++) {
      await expect(
        devauth.login.execute(
          { username: `victim${i}`, password: 'wrong password!' },
          { sourceAddress: '203.0.113.9' },
        ),
      ).rejects.toBeInstanceOf(InvalidCredentialsError);
    }
    await expect(
      devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD }, { sourceAddress: '203.0.113.9' }),
    ).rejects.toBeInstanceOf(ThrottledError);
    await expect(
      devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD }, { sourceAddress: '198.51.100.1' }),
    ).resolves.toBeDefined();
  });

  it('rejects a 1 MB password and malformed input before any hashing or store access', async () => {
    const { devauth, hasher } = await withShopper();
    hasher.verifies = 0;
    for (const input of [
      { username: 'alice', password: 'x'.repeat(1_000_000) },
      { username: 'alice', password: 42 },
      { username: 'alice' },
      { username: 'ᴮᴵᴳᴮᴵᴿᴰ', password: STRONG_PASSWORD },
      { username: 'alice', password: STRONG_PASSWORD, guestIdentityId: 'not an identity' },
      { username: 'alice', password: STRONG_PASSWORD, role: 'seller' },
    ]) {
      await expect(devauth.login.execute(input)).rejects.toBeInstanceOf(ValidationError);
    }
    expect(hasher.verifies).toBe(0);
  });

  it('verifies the password exactly as received after NFKC: no truncation, no case folding', async () => {
    const { devauth } = makeDevauth();
    const long = `${'ab'.repeat(100)}Zz`;
    await devauth.register.execute({ username: 'carol', password: long });
    await expect(devauth.login.execute({ username: 'carol', password: long.slice(0, -1) })).rejects.toBeInstanceOf(
      InvalidCredentialsError,
    );
    await expect(devauth.login.execute({ username: 'carol', password: long.toLowerCase() })).rejects.toBeInstanceOf(
      InvalidCredentialsError,
    );
    await expect(devauth.login.execute({ username: 'carol', password: long })).resolves.toBeDefined();
    // NFKC: the full-width form of a password is the same password.
    await devauth.register.execute({ username: 'dave', password: 'ｐａｓｓｗｏｒｄ-ｄａｖｅ' });
    await expect(devauth.login.execute({ username: 'dave', password: 'password-dave' })).resolves.toBeDefined();
  });

  it('upgrades a hash below the current parameters at the next successful login', async () => {
    const { devauth, users, user, clock, events } = await withShopper();
    const weak = '$argon2id$v=19$m=64,t=1,p=1$';
    const stored = (await users.findById(user.id))!;
    const { createArgon2idHasher } = await import('@devauth/core');
    const weakHash = await createArgon2idHasher({ memoryCost: 64, timeCost: 1, parallelism: 1 }).hash(STRONG_PASSWORD);
    expect(weakHash.startsWith(weak)).toBe(true);
    await users.update(nextVersion(stored, { passwordHash: weakHash }, clock.now()));
    await devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD });
    const upgraded = (await users.findById(user.id))!;
    expect(upgraded.passwordHash).toMatch(/^\$argon2id\$v=19\$m=256,t=1,p=1\$/);
    expect(events.ofType('PasswordRehashed')).toHaveLength(1);
    await expect(devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD })).resolves.toBeDefined();
  });

  it('surfaces an identity-pool outage as upstream unavailable and issues no session', async () => {
    const { devauth, broker, users, user } = await withShopper();
    broker.failNext(new UpstreamUnavailableError('cognito-identity', 2));
    await expect(devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD })).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      retryAfterSeconds: 2,
    });
    expect((await users.findById(user.id))?.identityId).toBeNull();
  });

  it('keeps secrets out of events', async () => {
    const { devauth, events } = await withShopper();
    const result = await devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD });
    await devauth.login.execute({ username: 'alice', password: 'wrong password!' }).catch(() => undefined);
    const text = JSON.stringify(events.events);
    for (const secret of [STRONG_PASSWORD, 'wrong password!', result.openIdToken, result.refreshToken]) {
      expect(text).not.toContain(secret);
    }
    expect(events.events.map((event) => event.type)).toContain('LoginFailed');
  });
});
