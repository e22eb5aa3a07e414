import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../domain/errors.js';
import type { InvitationRecord } from '../../domain/invitation.js';
import type { InvitationStore } from '../../ports/invitation-store.port.js';
import { sampleDate, uniqueSuffix } from '../fixtures.js';
import type { StoreHarness } from './store-harness.js';

/**
 * The InvitationStore contract. The listing tests share the store with the other tests (and with earlier runs on a
 * persistent engine): their invitations are created far in the future, each test later than every earlier one, so
 * they are the newest of the store and come first in the newest-first listing.
 */
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

    /** Creation times later than anything stored before: about 100 years ahead, moving on with every call. */
    let latestEpoch = 0;
    const futureEpoch = (): number => {
      latestEpoch = Math.max(latestEpoch + 86_400_000, Date.now() + 100 * 365 * 86_400_000);
      return latestEpoch;
    };
    const at = (epoch: number, seconds: number) => new Date(epoch + seconds * 1000);
    const page = (limit: number, after?: string) => store.list({ limit, ...(after === undefined ? {} : { after }) });
    /** Pages with `limit` until `count` invitations are collected or the listing ends. */
    async function firstInvitations(count: number, limit: number): Promise<InvitationRecord[]> {
      const collected: InvitationRecord[] = [];
      let after: string | undefined;
      for (let pages = 0; collected.length < count; pages++) {
        expect(pages).toBeLessThan(10_000);
        const result = await page(limit, after);
        expect(result.invitations.length).toBeLessThanOrEqual(limit);
        collected.push(...result.invitations);
        if (result.nextCursor === null) break;
        after = result.nextCursor;
      }
      return collected;
    }

    it('lists invitations newest first (createdAt, then codeHash, descending), page by page, field for field', async () => {
      const epoch = futureEpoch();
      const base = `inv_${uniqueSuffix()}`;
      const records = [
        invitation({ codeHash: `${base}_c`, createdAt: at(epoch, 10), expiresAt: at(epoch, 10_000) }),
        invitation({ codeHash: `${base}_a`, createdAt: at(epoch, 30), expiresAt: at(epoch, 10_000), role: 'shopper' }),
        // Two created in the same millisecond: the greater codeHash first.
        invitation({ codeHash: `${base}_b`, createdAt: at(epoch, 20), expiresAt: at(epoch, 10_000) }),
        invitation({ codeHash: `${base}_d`, createdAt: at(epoch, 20), expiresAt: at(epoch, 10_000) }),
        // One expiring before the others were created, and (below) a used one: listing does not look at either.
        invitation({ codeHash: `${base}_e`, createdAt: at(epoch, 5), expiresAt: at(epoch, 6) }),
      ];
      for (const record of records) await store.create(record);
      const used = records[0]!;
      expect(await store.consume(used.codeHash, 'seller', at(epoch, 11))).toBe(true);
      const expected = [records[1]!, records[3]!, records[2]!, { ...used, usedAt: at(epoch, 11) }, records[4]!];
      for (const limit of [1, 2, 3, 5]) {
        const listed = await firstInvitations(expected.length, limit);
        expect(listed.slice(0, expected.length)).toEqual(expected);
      }
      // Followed to the end, the listing never repeats one.
      const all = await firstInvitations(Number.POSITIVE_INFINITY, 50);
      const hashes = all.map((record) => record.codeHash);
      expect(new Set(hashes).size).toBe(hashes.length);
      expect(hashes).toEqual(expect.arrayContaining(records.map((record) => record.codeHash)));
    });

    it('keeps its place when invitations are created and revoked between pages', async () => {
      const epoch = futureEpoch();
      const base = `inv_${uniqueSuffix()}`;
      const records = [50, 40, 30, 20, 10].map((seconds) =>
        invitation({ codeHash: `${base}_${seconds}`, createdAt: at(epoch, seconds), expiresAt: at(epoch, 10_000) }),
      );
      for (const record of records) await store.create(record);
      const first = await page(2);
      expect(first.invitations.map((record) => record.codeHash)).toEqual([records[0]!.codeHash, records[1]!.codeHash]);
      // A newer one and one between the position and the rest; the last listed is revoked.
      await store.create(invitation({ createdAt: at(epoch, 60), expiresAt: at(epoch, 10_000) }));
      await store.revoke(records[1]!.codeHash);
      const rest: InvitationRecord[] = [];
      let after = first.nextCursor;
      while (after !== null && rest.filter((record) => record.codeHash.startsWith(base)).length < 3) {
        const next = await page(2, after);
        rest.push(...next.invitations);
        after = next.nextCursor;
      }
      expect(rest.slice(0, 3).map((record) => record.codeHash)).toEqual(
        records.slice(2).map((record) => record.codeHash),
      );
    });

    it('revokes an invitation: it can no longer be consumed nor is it listed; unknown or revoked again is false', async () => {
      const epoch = futureEpoch();
      const record = invitation({ createdAt: at(epoch, 0), expiresAt: at(epoch, 10_000) });
      const kept = invitation({ createdAt: at(epoch, -1), expiresAt: at(epoch, 10_000) });
      await store.create(record);
      await store.create(kept);
      expect(await store.revoke(record.codeHash)).toBe(true);
      expect(await store.consume(record.codeHash, 'seller', at(epoch, 1))).toBe(false);
      expect(await store.revoke(record.codeHash)).toBe(false);
      expect(await store.revoke(invitation().codeHash)).toBe(false);
      expect((await firstInvitations(1, 5))[0]).toEqual(kept);
      // A used invitation is revoked as well (and stays unusable after a release).
      const spent = invitation();
      await store.create(spent);
      expect(await store.consume(spent.codeHash, 'seller', sampleDate(1))).toBe(true);
      expect(await store.revoke(spent.codeHash)).toBe(true);
      await store.release(spent.codeHash);
      expect(await store.consume(spent.codeHash, 'seller', sampleDate(2))).toBe(false);
    });

    it('refuses a cursor it did not make with a ValidationError on `cursor`', async () => {
      for (const after of ['not a cursor', '%%%', 'm1.', '{"after":"x"}']) {
        const attempt = store.list({ after, limit: 10 });
        await expect(attempt).rejects.toBeInstanceOf(ValidationError);
        await expect(attempt).rejects.toMatchObject({ issues: [expect.objectContaining({ path: ['cursor'] })] });
      }
    });
  });
}
