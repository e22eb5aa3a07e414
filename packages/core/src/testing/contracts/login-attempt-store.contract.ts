import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_THROTTLE_POLICY, type ThrottlePolicy } from '../../domain/throttle.js';
import type { LoginAttemptStore } from '../../ports/login-attempt-store.port.js';
import { sampleDate, uniqueSuffix } from '../fixtures.js';
import type { StoreHarness } from './store-harness.js';

const DAY = 24 * 3600;

export function describeLoginAttemptStoreContract(
  name: string,
  harness: StoreHarness<LoginAttemptStore>,
  options: { concurrency?: number } = {},
): void {
  const concurrency = options.concurrency ?? 50;

  describe(`LoginAttemptStore contract: ${name}`, () => {
    let store: LoginAttemptStore;
    beforeAll(async () => {
      store = await harness.setup();
    });
    afterAll(async () => {
      await harness.teardown?.();
    });
    const key = (kind: string) => `${kind}:${uniqueSuffix()}`;

    it('knows nothing of keys that never failed', async () => {
      expect(await store.get([key('user'), key('addr')])).toEqual([]);
    });

    it('counts consecutive failures per key and remembers the last one', async () => {
      const user = key('user');
      const address = key('addr');
      await store.recordFailure([user, address], sampleDate(0), DAY);
      await store.recordFailure([user], sampleDate(10), DAY);
      const states = await store.get([user, address]);
      expect(states).toHaveLength(2);
      expect(states.find((state) => state.key === user)).toEqual({
        key: user,
        consecutiveFailures: 2,
        lastFailureAt: sampleDate(10),
      });
      expect(states.find((state) => state.key === address)).toEqual({
        key: address,
        consecutiveFailures: 1,
        lastFailureAt: sampleDate(0),
      });
    });

    it('starts again from one after the idle window', async () => {
      const user = key('user');
      await store.recordFailure([user], sampleDate(0), 60);
      await store.recordFailure([user], sampleDate(1), 60);
      await store.recordFailure([user], sampleDate(61), 60);
      expect(await store.get([user])).toEqual([{ key: user, consecutiveFailures: 1, lastFailureAt: sampleDate(61) }]);
    });

    it('forgets a key on reset and keeps the others', async () => {
      const user = key('user');
      const other = key('user');
      await store.recordFailure([user, other], sampleDate(0), DAY);
      await store.reset(user);
      await store.reset(key('user'));
      expect(await store.get([user, other])).toEqual([
        { key: other, consecutiveFailures: 1, lastFailureAt: sampleDate(0) },
      ]);
    });

    const policy: ThrottlePolicy = DEFAULT_THROTTLE_POLICY;
    const failuresOf = async (k: string) => (await store.get([k]))[0]?.consecutiveFailures ?? 0;

    it('reserves attempts while the policy allows, then refuses with the wait and writes nothing', async () => {
      const user = key('user');
      for (let i = 0; i < policy.freeFailures; i++) {
        expect(await store.reserve(user, sampleDate(0), policy)).toEqual({ reserved: true });
      }
      expect(await store.get([user])).toEqual([
        { key: user, consecutiveFailures: policy.freeFailures, lastFailureAt: sampleDate(0) },
      ]);
      expect(await store.reserve(user, sampleDate(0), policy)).toEqual({ reserved: false, retryAfterSeconds: 1 });
      expect(await failuresOf(user)).toBe(policy.freeFailures);
      // After the wait, one more; the wait then doubles (1 s, 2 s, ...), measured from that attempt.
      expect(await store.reserve(user, sampleDate(1), policy)).toEqual({ reserved: true });
      expect(await store.reserve(user, sampleDate(2), policy)).toEqual({ reserved: false, retryAfterSeconds: 1 });
      expect(await store.reserve(user, sampleDate(3), policy)).toEqual({ reserved: true });
      expect(await store.get([user])).toEqual([
        { key: user, consecutiveFailures: policy.freeFailures + 2, lastFailureAt: sampleDate(3) },
      ]);
    });

    it('restarts a reservation from one after the idle window, and counts recorded failures alike', async () => {
      const user = key('user');
      const short: ThrottlePolicy = { ...policy, resetAfterIdleSeconds: policy.maxDelaySeconds };
      await store.recordFailure([user], sampleDate(0), short.resetAfterIdleSeconds);
      expect(await store.reserve(user, sampleDate(1), short)).toEqual({ reserved: true });
      expect(await failuresOf(user)).toBe(2);
      expect(await store.reserve(user, sampleDate(1 + short.resetAfterIdleSeconds), short)).toEqual({
        reserved: true,
      });
      expect(await store.get([user])).toEqual([
        { key: user, consecutiveFailures: 1, lastFailureAt: sampleDate(1 + short.resetAfterIdleSeconds) },
      ]);
    });

    it('refuses a key at the consecutive-failure cap until it is idle', async () => {
      const user = key('user');
      const capped: ThrottlePolicy = { ...policy, freeFailures: 2, maxConsecutiveFailures: 2 };
      expect(await store.reserve(user, sampleDate(0), capped)).toEqual({ reserved: true });
      expect(await store.reserve(user, sampleDate(0), capped)).toEqual({ reserved: true });
      expect(await store.reserve(user, sampleDate(3600), capped)).toEqual({
        reserved: false,
        retryAfterSeconds: capped.resetAfterIdleSeconds - 3600,
      });
    });

    it('releases one reservation without going below zero or moving the last failure', async () => {
      const address = key('addr');
      await store.reserve(address, sampleDate(0), policy);
      await store.reserve(address, sampleDate(5), policy);
      await store.release(address);
      expect(await store.get([address])).toEqual([
        { key: address, consecutiveFailures: 1, lastFailureAt: sampleDate(5) },
      ]);
      await store.release(address);
      await store.release(address);
      expect(await failuresOf(address)).toBe(0);
      const never = key('addr');
      await store.release(never);
      expect(await store.get([never])).toEqual([]);
      // A released key reserves again from where it stands.
      expect(await store.reserve(address, sampleDate(6), policy)).toEqual({ reserved: true });
      expect(await failuresOf(address)).toBe(1);
    });

    it('lets a request whose clock is behind the last failure reserve within the allowance, never moving it back', async () => {
      const user = key('user');
      expect(await store.reserve(user, sampleDate(10), policy)).toEqual({ reserved: true });
      expect(await store.reserve(user, sampleDate(9.995), policy)).toEqual({ reserved: true });
      expect(await store.get([user])).toEqual([{ key: user, consecutiveFailures: 2, lastFailureAt: sampleDate(10) }]);
    });

    it(`of ${concurrency} parallel reservations of one key, exactly the free allowance wins`, async () => {
      const user = key('user');
      const outcomes = await Promise.all(
        Array.from({ length: concurrency }, () => store.reserve(user, sampleDate(0), policy)),
      );
      expect(outcomes.filter((outcome) => outcome.reserved)).toHaveLength(policy.freeFailures);
      expect(outcomes.filter((outcome) => !outcome.reserved)).toHaveLength(concurrency - policy.freeFailures);
      expect(await failuresOf(user)).toBe(policy.freeFailures);
    });

    it(`counts ${concurrency} parallel failures of one key exactly`, async () => {
      const user = key('user');
      await Promise.all(Array.from({ length: concurrency }, () => store.recordFailure([user], sampleDate(0), DAY)));
      expect((await store.get([user]))[0]?.consecutiveFailures).toBe(concurrency);
    });
  });
}
