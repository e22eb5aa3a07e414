import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccountTokenRecord, mintAccountToken } from '../../domain/account-token.js';
import type { AccountTokenStore } from '../../ports/account-token-store.port.js';
import { sampleDate } from '../fixtures.js';
import type { StoreHarness } from './store-harness.js';

export function describeAccountTokenStoreContract(
  name: string,
  harness: StoreHarness<AccountTokenStore>,
  options: { concurrency?: number } = {},
): void {
  const concurrency = options.concurrency ?? 20;

  describe(`AccountTokenStore contract: ${name}`, () => {
    let store: AccountTokenStore;
    beforeAll(async () => {
      store = await harness.setup();
    });
    afterAll(async () => {
      await harness.teardown?.();
    });
    const token = (overrides: Partial<Parameters<typeof mintAccountToken>[0]> = {}): AccountTokenRecord =>
      mintAccountToken({
        purpose: 'password-reset',
        userId: randomUUID(),
        now: sampleDate(0),
        ttlSeconds: 1800,
        ...overrides,
      }).record;

    it('spends a token once and returns what was stored', async () => {
      const record = token({ purpose: 'email-verification', email: 'ada@example.com' });
      await store.issue(record);
      expect(await store.consume(record.tokenHash, 'email-verification', sampleDate(1))).toEqual(record);
      expect(await store.consume(record.tokenHash, 'email-verification', sampleDate(2))).toBeNull();
    });

    it('refuses an unknown token, the wrong purpose and an expired token', async () => {
      const record = token();
      await store.issue(record);
      expect(await store.consume(token().tokenHash, 'password-reset', sampleDate(1))).toBeNull();
      expect(await store.consume(record.tokenHash, 'email-verification', sampleDate(1))).toBeNull();
      expect(await store.consume(record.tokenHash, 'password-reset', sampleDate(1800))).toBeNull();
      // Refusals spend nothing: the token still works until it expires.
      expect(await store.consume(record.tokenHash, 'password-reset', sampleDate(1799))).toEqual(record);
    });

    it('keeps one live token per user and purpose: a new one replaces the earlier one', async () => {
      const userId = randomUUID();
      const first = token({ userId });
      const second = token({ userId, now: sampleDate(10) });
      const verification = token({ userId, purpose: 'email-verification', email: 'a@example.com' });
      await store.issue(first);
      await store.issue(verification);
      await store.issue(second);
      expect(await store.consume(first.tokenHash, 'password-reset', sampleDate(11))).toBeNull();
      expect(await store.consume(second.tokenHash, 'password-reset', sampleDate(11))).toEqual(second);
      // Another purpose is another slot.
      expect(await store.consume(verification.tokenHash, 'email-verification', sampleDate(11))).toEqual(verification);
    });

    it('forgets every token of a user, and only that user', async () => {
      const userId = randomUUID();
      const reset = token({ userId });
      const verification = token({ userId, purpose: 'email-verification', email: 'b@example.com' });
      const other = token();
      await Promise.all([store.issue(reset), store.issue(verification), store.issue(other)]);
      await store.deleteAllForUser(userId);
      await store.deleteAllForUser(userId);
      expect(await store.consume(reset.tokenHash, 'password-reset', sampleDate(1))).toBeNull();
      expect(await store.consume(verification.tokenHash, 'email-verification', sampleDate(1))).toBeNull();
      expect(await store.consume(other.tokenHash, 'password-reset', sampleDate(1))).toEqual(other);
    });

    it(`lets exactly one of ${concurrency} parallel consumptions of one token win`, async () => {
      const record = token();
      await store.issue(record);
      const outcomes = await Promise.all(
        Array.from({ length: concurrency }, () => store.consume(record.tokenHash, 'password-reset', sampleDate(1))),
      );
      expect(outcomes.filter((outcome) => outcome !== null)).toHaveLength(1);
    });

    it('keeps dates to the millisecond', async () => {
      const record = token({ now: new Date('2026-03-04T05:06:07.089Z'), ttlSeconds: 60 });
      await store.issue(record);
      const spent = await store.consume(record.tokenHash, 'password-reset', new Date('2026-03-04T05:06:08.000Z'));
      expect(spent?.createdAt.toISOString()).toBe('2026-03-04T05:06:07.089Z');
      expect(spent?.expiresAt.toISOString()).toBe('2026-03-04T05:07:07.089Z');
    });
  });
}
