import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmailTakenError, IdentityTakenError, UsernameTakenError, VersionConflictError } from '../../domain/errors.js';
import { nextVersion, type UserRecord } from '../../domain/user.js';
import type { UserStore } from '../../ports/user-store.port.js';
import { sampleDate, sampleUser, tally, uniqueSuffix } from '../fixtures.js';
import type { StoreHarness } from './store-harness.js';

/**
 * The UserStore contract. Every adapter runs it: `describeUserStoreContract('DynamoDB', harness)`.
 * `concurrency` sets how many parallel writers the race tests use (100 by default, as production bursts do).
 */
export function describeUserStoreContract(
  name: string,
  harness: StoreHarness<UserStore>,
  options: { concurrency?: number } = {},
): void {
  const concurrency = options.concurrency ?? 100;

  describe(`UserStore contract: ${name}`, () => {
    let store: UserStore;
    beforeAll(async () => {
      store = await harness.setup();
    });
    afterAll(async () => {
      await harness.teardown?.();
    });

    it('returns a created user by id, canonical username, email and identity id, field for field', async () => {
      const user = sampleUser({ identityId: `us-east-1:${randomUUID()}`, role: 'seller' });
      await store.create(user);
      expect(await store.findById(user.id)).toEqual(user);
      expect(await store.findByUsername(user.username)).toEqual(user);
      expect(await store.findByEmail(user.email!)).toEqual(user);
      expect(await store.findByIdentityId(user.identityId!)).toEqual(user);
    });

    it('keeps emailVerified as written, false and true, on every lookup', async () => {
      const unverified = sampleUser({ emailVerified: false });
      const verified = sampleUser({ emailVerified: true, identityId: `us-east-1:${randomUUID()}` });
      await store.create(unverified);
      await store.create(verified);
      for (const found of [
        await store.findById(unverified.id),
        await store.findByUsername(unverified.username),
        await store.findByEmail(unverified.email!),
      ]) {
        expect(found?.emailVerified).toBe(false);
        expect(found).toEqual(unverified);
      }
      for (const found of [
        await store.findById(verified.id),
        await store.findByUsername(verified.username),
        await store.findByEmail(verified.email!),
        await store.findByIdentityId(verified.identityId!),
      ]) {
        expect(found?.emailVerified).toBe(true);
        expect(found).toEqual(verified);
      }
    });

    it('writes emailVerified through an update: false to true, and back to false with a new address', async () => {
      const user = sampleUser();
      await store.create(user);
      const proved = nextVersion(user, { emailVerified: true }, sampleDate(1));
      await store.update(proved);
      for (const found of [
        await store.findById(user.id),
        await store.findByUsername(user.username),
        await store.findByEmail(user.email!),
      ]) {
        expect(found?.emailVerified).toBe(true);
        expect(found).toEqual(proved);
      }
      const readdressed = nextVersion(
        proved,
        { email: `readdressed_${uniqueSuffix()}@example.test`, emailVerified: false },
        sampleDate(2),
      );
      await store.update(readdressed);
      expect(await store.findById(user.id)).toEqual(readdressed);
      expect((await store.findByEmail(readdressed.email!))?.emailVerified).toBe(false);
      expect(await store.findByEmail(user.email!)).toBeNull();
    });

    it('finds a user by email whether or not the address is verified, and nobody by an unknown one', async () => {
      const unverified = sampleUser();
      const verified = sampleUser({ emailVerified: true, status: 'disabled' });
      await store.create(unverified);
      await store.create(verified);
      expect(await store.findByEmail(unverified.email!)).toEqual(unverified);
      expect(await store.findByEmail(verified.email!)).toEqual(verified);
      // An address is matched whole: an unknown one, or the local part of a known one, finds nobody.
      expect(await store.findByEmail(`nobody_${uniqueSuffix()}@example.test`)).toBeNull();
      expect(await store.findByEmail(unverified.email!.split('@')[0]!)).toBeNull();
    });

    it('moves the email lookup with a changed address: null for the old one, the user for the new one', async () => {
      const user = sampleUser();
      await store.create(user);
      const moved = nextVersion(user, { email: `moved_${uniqueSuffix()}@example.test` }, sampleDate(1));
      await store.update(moved);
      expect(await store.findByEmail(user.email!)).toBeNull();
      expect(await store.findByEmail(moved.email!)).toEqual(moved);
      const cleared = nextVersion(moved, { email: null }, sampleDate(2));
      await store.update(cleared);
      expect(await store.findByEmail(moved.email!)).toBeNull();
      expect(await store.findById(user.id)).toEqual(cleared);
      // The old address belongs to whoever takes it next.
      const newcomer = sampleUser({ email: user.email });
      await store.create(newcomer);
      expect(await store.findByEmail(user.email!)).toEqual(newcomer);
    });

    it('answers findByEmail with the version just written (strongly consistent), whatever the update changed', async () => {
      const user = sampleUser();
      await store.create(user);
      const changes: Parameters<typeof nextVersion>[1][] = [
        { role: 'seller' },
        { status: 'disabled' },
        { passwordHash: '$scrypt$ln=17,r=8,p=1$c2FsdA$bmV3aGFzaA', passwordNormalization: 'none' },
        { identityId: `us-east-1:${randomUUID()}` },
        { username: `renamed_${uniqueSuffix()}`, emailVerified: true },
        { status: 'active', role: 'shopper' },
      ];
      let current = user;
      for (const [index, change] of changes.entries()) {
        current = nextVersion(current, change, sampleDate(index + 1));
        await store.update(current);
        expect(await store.findByEmail(user.email!)).toEqual(current);
      }
      // A refused (stale) update changes nothing the email lookup answers.
      await expect(store.update(nextVersion(user, { role: 'seller' }, sampleDate(60)))).rejects.toBeInstanceOf(
        VersionConflictError,
      );
      expect(await store.findByEmail(user.email!)).toEqual(current);
    });

    it('keeps null email, null identity id, disabled status and non-ASCII usernames as they are', async () => {
      const user = sampleUser({ email: null, username: `müller_${uniqueSuffix()}`, status: 'disabled' });
      await store.create(user);
      expect(await store.findByUsername(user.username)).toEqual(user);
    });

    it('answers null for what does not exist', async () => {
      expect(await store.findById(randomUUID())).toBeNull();
      expect(await store.findByUsername(`nobody_${uniqueSuffix()}`)).toBeNull();
      expect(await store.findByEmail(`nobody_${uniqueSuffix()}@example.test`)).toBeNull();
      expect(await store.findByIdentityId(`us-east-1:${randomUUID()}`)).toBeNull();
    });

    it('refuses a second user with the same username and leaves the first intact', async () => {
      const first = sampleUser();
      await store.create(first);
      const second = sampleUser({ username: first.username });
      await expect(store.create(second)).rejects.toBeInstanceOf(UsernameTakenError);
      expect(await store.findByUsername(first.username)).toEqual(first);
      expect(await store.findById(second.id)).toBeNull();
      // Nothing of the refused user was left behind: its email is still free.
      await store.create(sampleUser({ email: second.email }));
    });

    it('refuses a second user with the same email and leaves no marker of the refused username', async () => {
      const first = sampleUser();
      await store.create(first);
      const second = sampleUser({ email: first.email });
      await expect(store.create(second)).rejects.toBeInstanceOf(EmailTakenError);
      expect(await store.findByEmail(first.email!)).toEqual(first);
      expect(await store.findByUsername(second.username)).toBeNull();
      await store.create(sampleUser({ username: second.username }));
    });

    it('allows any number of users without an email', async () => {
      const users = [sampleUser({ email: null }), sampleUser({ email: null }), sampleUser({ email: null })];
      for (const user of users) await store.create(user);
      for (const user of users) expect(await store.findById(user.id)).toEqual(user);
    });

    it('applies an update written on the current version and refuses a stale one', async () => {
      const user = sampleUser();
      await store.create(user);
      const identityId = `us-east-1:${randomUUID()}`;
      const updated = nextVersion(
        user,
        { identityId, passwordHash: '$scrypt$ln=17,r=8,p=1$c2FsdA$aGFzaA' },
        sampleDate(60),
      );
      await store.update(updated);
      expect(await store.findById(user.id)).toEqual(updated);
      expect(await store.findByIdentityId(identityId)).toEqual(updated);
      const stale = nextVersion(user, { status: 'disabled' }, sampleDate(120));
      await expect(store.update(stale)).rejects.toBeInstanceOf(VersionConflictError);
      expect(await store.findById(user.id)).toEqual(updated);
    });

    it('refuses an update of a user that does not exist', async () => {
      const ghost = nextVersion(sampleUser(), { status: 'disabled' }, sampleDate(1));
      await expect(store.update(ghost)).rejects.toBeInstanceOf(VersionConflictError);
      expect(await store.findById(ghost.id)).toBeNull();
      expect(await store.findByUsername(ghost.username)).toBeNull();
    });

    it('moves uniqueness with a changed username or email and frees the old values', async () => {
      const user = sampleUser();
      await store.create(user);
      const renamed = nextVersion(user, { username: `renamed_${uniqueSuffix()}`, email: null }, sampleDate(5));
      await store.update(renamed);
      expect(await store.findByUsername(user.username)).toBeNull();
      expect(await store.findByUsername(renamed.username)).toEqual(renamed);
      // The old username and email are free for others now; the new username is not.
      await store.create(sampleUser({ username: user.username, email: user.email }));
      await expect(store.create(sampleUser({ username: renamed.username }))).rejects.toBeInstanceOf(UsernameTakenError);
    });

    it('refuses an update to a username or email another user holds, changing nothing', async () => {
      const holder = sampleUser();
      const user = sampleUser();
      await store.create(holder);
      await store.create(user);
      await expect(
        store.update(nextVersion(user, { username: holder.username }, sampleDate(1))),
      ).rejects.toBeInstanceOf(UsernameTakenError);
      await expect(store.update(nextVersion(user, { email: holder.email }, sampleDate(1)))).rejects.toBeInstanceOf(
        EmailTakenError,
      );
      expect(await store.findById(user.id)).toEqual(user);
      expect(await store.findByUsername(holder.username)).toEqual(holder);
      expect(await store.findByEmail(holder.email!)).toEqual(holder);
      expect(await store.findByEmail(user.email!)).toEqual(user);
    });

    it('deletes a user with everything that made its username and email unique, idempotently', async () => {
      const user = sampleUser({ identityId: `us-east-1:${randomUUID()}` });
      await store.create(user);
      await store.delete(user.id);
      await store.delete(user.id);
      expect(await store.findById(user.id)).toBeNull();
      expect(await store.findByUsername(user.username)).toBeNull();
      expect(await store.findByEmail(user.email!)).toBeNull();
      expect(await store.findByIdentityId(user.identityId!)).toBeNull();
      const again = sampleUser({ username: user.username, email: user.email });
      await store.create(again);
      expect(await store.findByUsername(user.username)).toEqual(again);
      expect(await store.findByEmail(user.email!)).toEqual(again);
    });

    it('links an IdentityId to one user only: create and update refuse it for another, changing nothing', async () => {
      const identityId = `us-east-1:${randomUUID()}`;
      const holder = sampleUser({ identityId });
      await store.create(holder);
      await expect(store.create(sampleUser({ identityId }))).rejects.toBeInstanceOf(IdentityTakenError);
      const other = sampleUser();
      await store.create(other);
      await expect(store.update(nextVersion(other, { identityId }, sampleDate(1)))).rejects.toBeInstanceOf(
        IdentityTakenError,
      );
      expect(await store.findById(other.id)).toEqual(other);
      expect(await store.findByIdentityId(identityId)).toEqual(holder);
    });

    it('moves an IdentityId link with an update, strongly consistent, and frees the old one', async () => {
      const first = `us-east-1:${randomUUID()}`;
      const second = `us-east-1:${randomUUID()}`;
      const user = sampleUser();
      await store.create(user);
      const linked = nextVersion(user, { identityId: first }, sampleDate(1));
      await store.update(linked);
      expect(await store.findByIdentityId(first)).toEqual(linked);
      const moved = nextVersion(linked, { identityId: second }, sampleDate(2));
      await store.update(moved);
      expect(await store.findByIdentityId(first)).toBeNull();
      expect(await store.findByIdentityId(second)).toEqual(moved);
      const newcomer = sampleUser({ identityId: first });
      await store.create(newcomer);
      expect(await store.findByIdentityId(first)).toEqual(newcomer);
    });

    const linkers = Math.min(concurrency, 20);
    it(`lets exactly one of ${linkers} parallel links of one IdentityId win`, async () => {
      const identityId = `us-east-1:${randomUUID()}`;
      const users = Array.from({ length: linkers }, () => sampleUser());
      for (const user of users) await store.create(user);
      const outcome = await tally(users.map((user) => store.update(nextVersion(user, { identityId }, sampleDate(1)))));
      expect(outcome).toEqual({ ok: 1, IdentityTakenError: users.length - 1 });
      const owner = await store.findByIdentityId(identityId);
      expect(users.map((user) => user.id)).toContain(owner?.id);
    });

    it(`lets exactly one of ${concurrency} parallel registrations of one username win, leaving no orphans`, async () => {
      const username = `race_${uniqueSuffix()}`;
      const contenders = Array.from({ length: concurrency }, () => sampleUser({ username }));
      const outcome = await tally(contenders.map((user) => store.create(user)));
      expect(outcome).toEqual({ ok: 1, UsernameTakenError: concurrency - 1 });
      const winner = await store.findByUsername(username);
      expect(contenders.map((user) => user.id)).toContain(winner?.id);
      // Every loser's email is still free: no marker of a refused registration survived.
      const losers = contenders.filter((user) => user.id !== winner?.id);
      for (const loser of losers.slice(0, 10)) await store.create(sampleUser({ email: loser.email }));
      for (const loser of losers.slice(0, 10)) expect(await store.findById(loser.id)).toBeNull();
    });

    it(`lets exactly one of ${concurrency} parallel registrations of one email win, leaving no orphans`, async () => {
      const email = `race_${uniqueSuffix()}@example.test`;
      const contenders = Array.from({ length: concurrency }, () => sampleUser({ email }));
      const outcome = await tally(contenders.map((user) => store.create(user)));
      expect(outcome).toEqual({ ok: 1, EmailTakenError: concurrency - 1 });
      const losers: UserRecord[] = [];
      for (const user of contenders) if ((await store.findById(user.id)) === null) losers.push(user);
      expect(losers).toHaveLength(concurrency - 1);
      // The address answers the winner, the one contender that was stored.
      const winner = contenders.find((user) => !losers.includes(user));
      expect(await store.findByEmail(email)).toEqual(winner);
      for (const loser of losers.slice(0, 10)) expect(await store.findByUsername(loser.username)).toBeNull();
      for (const loser of losers.slice(0, 10)) await store.create(sampleUser({ username: loser.username }));
    });
  });
}
