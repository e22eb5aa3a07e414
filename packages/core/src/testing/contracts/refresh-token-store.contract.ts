import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RefreshTokenStore } from '../../ports/refresh-token-store.port.js';
import { sampleDate, sampleRefreshToken } from '../fixtures.js';
import type { StoreHarness } from './store-harness.js';

export function describeRefreshTokenStoreContract(
  name: string,
  harness: StoreHarness<RefreshTokenStore>,
  options: { concurrency?: number } = {},
): void {
  const concurrency = options.concurrency ?? 20;

  describe(`RefreshTokenStore contract: ${name}`, () => {
    let store: RefreshTokenStore;
    beforeAll(async () => {
      store = await harness.setup();
    });
    afterAll(async () => {
      await harness.teardown?.();
    });

    it('finds an issued token by digest, field for field, and nothing else', async () => {
      const token = sampleRefreshToken();
      await store.issue(token);
      expect(await store.find(token.tokenHash)).toEqual(token);
      expect(await store.find(sampleRefreshToken().tokenHash)).toBeNull();
    });

    it('rotates an active token once: the old one becomes rotated, the successor active', async () => {
      const current = sampleRefreshToken();
      await store.issue(current);
      const next = sampleRefreshToken({ familyId: current.familyId, userId: current.userId });
      expect(await store.rotate(current.tokenHash, next)).toBe('rotated');
      expect(await store.find(current.tokenHash)).toEqual({ ...current, status: 'rotated', rotatedAt: next.issuedAt });
      expect(await store.find(next.tokenHash)).toEqual(next);
      const another = sampleRefreshToken({ familyId: current.familyId });
      expect(await store.rotate(current.tokenHash, another)).toBe('not_active');
      expect(await store.find(another.tokenHash)).toBeNull();
    });

    it('does not rotate an unknown token', async () => {
      const next = sampleRefreshToken();
      expect(await store.rotate(sampleRefreshToken().tokenHash, next)).toBe('not_active');
      expect(await store.find(next.tokenHash)).toBeNull();
    });

    it('revokes a whole family, idempotently, and no other', async () => {
      const first = sampleRefreshToken();
      await store.issue(first);
      const second = sampleRefreshToken({ familyId: first.familyId, userId: first.userId });
      await store.rotate(first.tokenHash, second);
      const bystander = sampleRefreshToken();
      await store.issue(bystander);

      await store.revokeFamily(first.familyId);
      await store.revokeFamily(first.familyId);

      expect((await store.find(first.tokenHash))?.status).toBe('revoked');
      expect((await store.find(second.tokenHash))?.status).toBe('revoked');
      expect(await store.find(bystander.tokenHash)).toEqual(bystander);
      const third = sampleRefreshToken({ familyId: first.familyId });
      expect(await store.rotate(second.tokenHash, third)).toBe('not_active');
      expect(await store.find(third.tokenHash)).toBeNull();
    });

    it("revokes every family of one user with one call, and no other user's", async () => {
      const userId = randomUUID();
      const families = [sampleRefreshToken({ userId }), sampleRefreshToken({ userId }), sampleRefreshToken({ userId })];
      for (const token of families) await store.issue(token);
      const rotated = sampleRefreshToken({ userId, familyId: families[0]!.familyId, issuedAt: sampleDate(5) });
      expect(await store.rotate(families[0]!.tokenHash, rotated)).toBe('rotated');
      const bystander = sampleRefreshToken();
      await store.issue(bystander);

      expect(await store.revokeAllForUser(userId)).toBe(3);
      expect(await store.revokeAllForUser(userId)).toBe(3);
      expect(await store.revokeAllForUser(randomUUID())).toBe(0);

      for (const token of [...families, rotated]) expect((await store.find(token.tokenHash))?.status).toBe('revoked');
      expect(await store.rotate(rotated.tokenHash, sampleRefreshToken({ userId, familyId: rotated.familyId }))).toBe(
        'not_active',
      );
      expect(await store.find(bystander.tokenHash)).toEqual(bystander);
      // A session started afterwards (a new login) is not touched.
      const later = sampleRefreshToken({ userId });
      await store.issue(later);
      expect(await store.find(later.tokenHash)).toEqual(later);
    });

    it('keeps the client hint of a token, and null when there is none', async () => {
      const hinted = sampleRefreshToken({
        clientHint: { userAgent: 'Firefox on Linux', addressPrefix: '203.0.113.0/24' },
      });
      const partial = sampleRefreshToken({ clientHint: { userAgent: null, addressPrefix: '2001:db8:1::/48' } });
      const bare = sampleRefreshToken();
      for (const token of [hinted, partial, bare]) await store.issue(token);
      expect(await store.find(hinted.tokenHash)).toEqual(hinted);
      expect(await store.find(partial.tokenHash)).toEqual(partial);
      expect((await store.find(bare.tokenHash))?.clientHint).toBeNull();
    });

    it("lists a user's live sessions: started, last refreshed, expiry and hint; not revoked, expired or others'", async () => {
      const userId = randomUUID();
      const hint = { userAgent: 'Safari on iOS', addressPrefix: '198.51.100.0/24' };
      const started = sampleRefreshToken({
        userId,
        issuedAt: sampleDate(0),
        expiresAt: sampleDate(3600),
        clientHint: hint,
      });
      const refreshed = sampleRefreshToken({
        userId,
        familyId: started.familyId,
        issuedAt: sampleDate(600),
        expiresAt: sampleDate(4200),
        clientHint: hint,
      });
      await store.issue(started);
      expect(await store.rotate(started.tokenHash, refreshed)).toBe('rotated');
      const other = sampleRefreshToken({ userId, issuedAt: sampleDate(100), expiresAt: sampleDate(3700) });
      const revoked = sampleRefreshToken({ userId });
      const expired = sampleRefreshToken({ userId, issuedAt: sampleDate(0), expiresAt: sampleDate(60) });
      for (const token of [other, revoked, expired, sampleRefreshToken()]) await store.issue(token);
      await store.revokeFamily(revoked.familyId);

      const sessions = await store.listSessions(userId, sampleDate(700));
      const byFamily = Object.fromEntries(sessions.map((session) => [session.familyId, session]));
      expect(Object.keys(byFamily).sort()).toEqual([started.familyId, other.familyId].sort());
      expect(byFamily[started.familyId]).toEqual({
        familyId: started.familyId,
        createdAt: started.issuedAt,
        lastUsedAt: refreshed.issuedAt,
        expiresAt: refreshed.expiresAt,
        clientHint: hint,
      });
      expect(byFamily[other.familyId]).toEqual({
        familyId: other.familyId,
        createdAt: other.issuedAt,
        lastUsedAt: other.issuedAt,
        expiresAt: other.expiresAt,
        clientHint: null,
      });
      // Past the current token's expiry the session is gone from the list; a user with none gets [].
      expect((await store.listSessions(userId, sampleDate(4200))).map((s) => s.familyId)).toEqual([]);
      expect(await store.listSessions(randomUUID(), sampleDate(0))).toEqual([]);
    });

    it('deletes every token of a user (rotated, revoked and active), and only that user', async () => {
      const userId = randomUUID();
      const active = sampleRefreshToken({ userId });
      const revoked = sampleRefreshToken({ userId });
      const first = sampleRefreshToken({ userId });
      const successor = sampleRefreshToken({ userId, familyId: first.familyId });
      const bystander = sampleRefreshToken();
      for (const token of [active, revoked, first, bystander]) await store.issue(token);
      await store.revokeFamily(revoked.familyId);
      expect(await store.rotate(first.tokenHash, successor)).toBe('rotated');

      await store.deleteAllForUser(userId);
      await store.deleteAllForUser(userId);
      for (const token of [active, revoked, first, successor]) expect(await store.find(token.tokenHash)).toBeNull();
      expect(await store.revokeAllForUser(userId)).toBe(0);
      expect(await store.find(bystander.tokenHash)).toEqual(bystander);
    });

    it(`lets exactly one of ${concurrency} parallel rotations of one token win`, async () => {
      const current = sampleRefreshToken();
      await store.issue(current);
      const successors = Array.from({ length: concurrency }, () =>
        sampleRefreshToken({ familyId: current.familyId, userId: current.userId }),
      );
      const outcomes = await Promise.all(successors.map((next) => store.rotate(current.tokenHash, next)));
      expect(outcomes.filter((outcome) => outcome === 'rotated')).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome === 'not_active')).toHaveLength(concurrency - 1);
      const stored = [];
      for (const next of successors) if (await store.find(next.tokenHash)) stored.push(next.tokenHash);
      expect(stored).toEqual([successors[outcomes.indexOf('rotated')]!.tokenHash]);
    });
  });
}
