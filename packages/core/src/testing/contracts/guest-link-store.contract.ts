import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GuestLinkRecord } from '../../domain/guest-link.js';
import type { GuestLinkStore } from '../../ports/guest-link-store.port.js';
import { sampleDate, uniqueSuffix } from '../fixtures.js';
import type { StoreHarness } from './store-harness.js';

export function describeGuestLinkStoreContract(
  name: string,
  harness: StoreHarness<GuestLinkStore>,
  options: { concurrency?: number } = {},
): void {
  const concurrency = options.concurrency ?? 20;

  describe(`GuestLinkStore contract: ${name}`, () => {
    let store: GuestLinkStore;
    beforeAll(async () => {
      store = await harness.setup();
    });
    afterAll(async () => {
      await harness.teardown?.();
    });
    const link = (overrides: Partial<GuestLinkRecord> = {}): GuestLinkRecord => ({
      secretHash: `gl_${uniqueSuffix()}${uniqueSuffix()}`,
      identityId: `us-east-1:${randomUUID()}`,
      createdAt: sampleDate(0),
      expiresAt: sampleDate(3600),
      usedAt: null,
      ...overrides,
    });

    it('consumes a link once, for its own identity only', async () => {
      const record = link();
      await store.create(record);
      expect(await store.consume(record.secretHash, `us-east-1:${randomUUID()}`, sampleDate(1))).toBe(false);
      expect(await store.consume(record.secretHash, record.identityId, sampleDate(1))).toBe(true);
      expect(await store.consume(record.secretHash, record.identityId, sampleDate(2))).toBe(false);
    });

    it('refuses unknown and expired links', async () => {
      const record = link();
      await store.create(record);
      expect(await store.consume(link().secretHash, record.identityId, sampleDate(1))).toBe(false);
      expect(await store.consume(record.secretHash, record.identityId, sampleDate(3600))).toBe(false);
      expect(await store.consume(record.secretHash, record.identityId, sampleDate(3599))).toBe(true);
    });

    it('gives a released link back, and releasing an unknown one changes nothing', async () => {
      const record = link();
      await store.create(record);
      expect(await store.consume(record.secretHash, record.identityId, sampleDate(1))).toBe(true);
      await store.release(record.secretHash);
      await store.release(link().secretHash);
      expect(await store.consume(record.secretHash, record.identityId, sampleDate(2))).toBe(true);
      expect(await store.consume(record.secretHash, record.identityId, sampleDate(3))).toBe(false);
    });

    it(`lets exactly one of ${concurrency} parallel consumptions of one link win`, async () => {
      const record = link();
      await store.create(record);
      const outcomes = await Promise.all(
        Array.from({ length: concurrency }, () => store.consume(record.secretHash, record.identityId, sampleDate(1))),
      );
      expect(outcomes.filter(Boolean)).toHaveLength(1);
    });
  });
}
