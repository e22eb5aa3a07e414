import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginAttemptStore } from '../../ports/login-attempt-store.port.js';
import { sampleDate, uniqueSuffix } from './fixtures.js';
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

    it(`counts ${concurrency} parallel failures of one key exactly`, async () => {
      const user = key('user');
      await Promise.all(Array.from({ length: concurrency }, () => store.recordFailure([user], sampleDate(0), DAY)));
      expect((await store.get([user]))[0]?.consecutiveFailures).toBe(concurrency);
    });
  });
}
