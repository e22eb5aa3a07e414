import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvitationRecord } from '../../domain/invitation.js';
import type { InvitationStore } from '../../ports/invitation-store.port.js';
import { sampleDate, uniqueSuffix } from '../fixtures.js';
import type { StoreHarness } from './store-harness.js';

export function describeInvitationStoreContract(
  name: string,
  harness: StoreHarness<InvitationStore>,
  options: { concurrency?: number } = {},
): void {
  const concurrency = options.concurrency ?? 20;

  describe(`InvitationStore contract: ${name}`, () => {
    let store: InvitationStore;
    beforeAll(async () => {
      store = await harness.setup();
    });
    afterAll(async () => {
      await harness.teardown?.();
    });
    const invitation = (overrides: Partial<InvitationRecord> = {}): InvitationRecord => ({
      codeHash: `inv_${uniqueSuffix()}${uniqueSuffix()}`,
      role: 'seller',
      createdAt: sampleDate(0),
      expiresAt: sampleDate(3600),
      usedAt: null,
      ...overrides,
    });

    it('consumes a valid invitation once, for its own role only', async () => {
      const record = invitation();
      await store.create(record);
      expect(await store.consume(record.codeHash, 'shopper', sampleDate(1))).toBe(false);
      expect(await store.consume(record.codeHash, 'seller', sampleDate(1))).toBe(true);
      expect(await store.consume(record.codeHash, 'seller', sampleDate(2))).toBe(false);
    });

    it('refuses unknown and expired invitations', async () => {
      const record = invitation();
      await store.create(record);
      expect(await store.consume(invitation().codeHash, 'seller', sampleDate(1))).toBe(false);
      expect(await store.consume(record.codeHash, 'seller', sampleDate(3600))).toBe(false);
    });

    it('can be consumed again after a release', async () => {
      const record = invitation();
      await store.create(record);
      expect(await store.consume(record.codeHash, 'seller', sampleDate(1))).toBe(true);
      await store.release(record.codeHash);
      expect(await store.consume(record.codeHash, 'seller', sampleDate(2))).toBe(true);
    });

    it(`gives one of ${concurrency} parallel consumers the invitation`, async () => {
      const record = invitation();
      await store.create(record);
      const outcomes = await Promise.all(
        Array.from({ length: concurrency }, () => store.consume(record.codeHash, 'seller', sampleDate(1))),
      );
      expect(outcomes.filter(Boolean)).toHaveLength(1);
    });
  });
}
