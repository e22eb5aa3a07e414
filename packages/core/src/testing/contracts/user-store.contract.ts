import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EmailTakenError,
  IdentityTakenError,
  UsernameTakenError,
  ValidationError,
  VersionConflictError,
} from '../../domain/errors.js';
import { nextVersion, type UserRecord } from '../../domain/user.js';
import { USER_PAGE_LIMIT, type UserListQuery, type UserStore } from '../../ports/user-store.port.js';
import { sampleDate, sampleUser, tally, uniqueSuffix } from '../fixtures.js';
import type { StoreHarness } from './store-harness.js';

/**
 * The UserStore contract. Every adapter runs it: `describeUserStoreContract('DynamoDB', harness)`.
 * `concurrency` sets how many parallel writers the race tests use (100 by default, as production bursts do).
 *
 * The listing tests share the store with every other test (and with earlier runs on a persistent engine), so each
 * lists under a username prefix, an address or a role of its own. A page may be short, even empty, while its cursor
 * is not null (a store that filters after reading): the tests always follow cursors to the end and compare what they
 * collected, never the size of one page.
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

    /** Every user matching `filter`, following cursors until null; checks each page's bound on the way. */
    async function listAll(
      filter: Omit<UserListQuery, 'after' | 'limit'>,
      limit: number,
      between?: (page: number) => Promise<void>,
    ): Promise<UserRecord[]> {
      const users: UserRecord[] = [];
      let after: string | undefined;
      for (let page = 1; ; page++) {
        const result = await store.list({ ...filter, limit, ...(after === undefined ? {} : { after }) });
        expect(result.users.length).toBeLessThanOrEqual(limit);
        users.push(...result.users);
        if (result.nextCursor === null) return users;
        expect(typeof result.nextCursor).toBe('string');
        expect(page).toBeLessThan(10_000);
        after = result.nextCursor;
        await between?.(page);
      }
    }
    const names = (users: readonly UserRecord[]) => users.map((user) => user.username);
    /** Usernames `<prefix><rest>` in ASCII letters and digits only, so every collation orders them alike. */
    const listPrefix = () => `l${uniqueSuffix()}`;
    const ascending = (values: readonly string[]) => [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

    it('pages through the users of a prefix with any limit: each exactly once, in username order, field for field', async () => {
      const prefix = listPrefix();
      const users = ['m', 'a', 'b0', 'z9', 'b1', 'c', '0', 'mm'].map((rest, index) =>
        sampleUser({
          username: `${prefix}${rest}`,
          role: index % 2 === 0 ? 'shopper' : 'seller',
          status: index % 3 === 0 ? 'disabled' : 'active',
          email: index === 2 ? null : `${prefix}${rest}@example.test`,
          emailVerified: index % 2 === 1,
          identityId: index === 3 ? `us-east-1:${randomUUID()}` : null,
        }),
      );
      for (const user of users) await store.create(user);
      // Neighbours that must not match: a shorter prefix and the prefix inside another name.
      await store.create(sampleUser({ username: prefix.slice(0, -1) }));
      await store.create(sampleUser({ username: `x${prefix}` }));
      const expected = ascending(names(users));
      for (const limit of [1, 2, 3, users.length, USER_PAGE_LIMIT]) {
        const listed = await listAll({ usernamePrefix: prefix }, limit);
        expect(names(listed)).toEqual(expected);
        for (const user of listed) expect(user).toEqual(users.find((candidate) => candidate.id === user.id));
      }
      // A prefix that is a whole username matches it too.
      expect(names(await listAll({ usernamePrefix: `${prefix}mm` }, 10))).toEqual([`${prefix}mm`]);
      expect(await listAll({ usernamePrefix: `${prefix}q` }, 10)).toEqual([]);
    });

    it('matches a username prefix literally: "_", "." and "-" are no wildcards', async () => {
      const base = listPrefix();
      const prefix = `${base}_a.b-`;
      const matching = [sampleUser({ username: `${prefix}1` }), sampleUser({ username: `${prefix}2x` })];
      const lookalikes = [`${base}xa.b-1`, `${base}_axb-1`, `${base}_a.bx1`, `${base}_a.b`, `${base}__a.b-1`];
      for (const user of matching) await store.create(user);
      for (const username of lookalikes) await store.create(sampleUser({ username }));
      expect(names(await listAll({ usernamePrefix: prefix }, 2))).toEqual(ascending(names(matching)));
    });

    it('filters by email, role and status, alone and combined (AND), following cursors to the end', async () => {
      const prefix = listPrefix();
      const role = `r${uniqueSuffix()}`;
      const [buyer, seller, banned, idle, silent, other] = [
        sampleUser({ username: `${prefix}a`, role: 'shopper' }),
        sampleUser({ username: `${prefix}b`, role }),
        sampleUser({ username: `${prefix}c`, role, status: 'disabled' }),
        sampleUser({ username: `${prefix}d`, role: 'shopper', status: 'disabled' }),
        sampleUser({ username: `${prefix}e`, role, email: null }),
        // Has the role but not the prefix.
        sampleUser({ role }),
      ] as const;
      for (const user of [buyer, seller, banned, idle, silent, other]) await store.create(user);
      const cases: [Omit<UserListQuery, 'after' | 'limit'>, readonly UserRecord[]][] = [
        [{ usernamePrefix: prefix }, [buyer, seller, banned, idle, silent]],
        [{ usernamePrefix: prefix, role }, [seller, banned, silent]],
        [{ usernamePrefix: prefix, status: 'disabled' }, [banned, idle]],
        [{ usernamePrefix: prefix, status: 'active' }, [buyer, seller, silent]],
        [{ usernamePrefix: prefix, role, status: 'active' }, [seller, silent]],
        [{ usernamePrefix: prefix, role: 'shopper', status: 'disabled' }, [idle]],
        [{ usernamePrefix: prefix, role: `r${uniqueSuffix()}` }, []],
        [{ role }, [seller, banned, silent, other].sort((a, b) => (a.username < b.username ? -1 : 1))],
        [{ role, status: 'disabled' }, [banned]],
        [{ email: banned.email! }, [banned]],
        [{ email: banned.email!, status: 'disabled', role }, [banned]],
        [{ email: banned.email!, status: 'active' }, []],
        [{ email: banned.email!, role: 'shopper' }, []],
        [{ email: buyer.email!, usernamePrefix: prefix }, [buyer]],
        [{ email: buyer.email!, usernamePrefix: `${prefix}b` }, []],
        [{ email: `nobody_${uniqueSuffix()}@example.test` }, []],
      ];
      for (const [filter, expected] of cases) {
        for (const limit of [1, 3, USER_PAGE_LIMIT]) {
          expect({ filter, limit, users: names(await listAll(filter, limit)) }).toEqual({
            filter,
            limit,
            users: names(expected),
          });
        }
      }
    });

    it('answers a status filter alone with users of that status only, ours among them', async () => {
      const prefix = listPrefix();
      const disabled = [sampleUser({ username: `${prefix}a`, status: 'disabled' })];
      disabled.push(sampleUser({ username: `${prefix}b`, status: 'disabled' }));
      await store.create(sampleUser({ username: `${prefix}c` }));
      for (const user of disabled) await store.create(user);
      const listed = await listAll({ status: 'disabled' }, USER_PAGE_LIMIT);
      expect(listed.every((user) => user.status === 'disabled')).toBe(true);
      expect(names(listed)).toEqual(ascending([...new Set(names(listed))]));
      expect(names(listed)).toEqual(expect.arrayContaining(names(disabled)));
      expect(names(listed)).not.toContain(`${prefix}c`);
    });

    it('keeps its place across writes: users added or removed between pages never make another repeat or go missing', async () => {
      const prefix = listPrefix();
      const rests = ['a01', 'a02', 'a03', 'a04', 'a05', 'a06', 'a07', 'a08', 'a09', 'a10'];
      const users = new Map(rests.map((rest) => [rest, sampleUser({ username: `${prefix}${rest}` })]));
      for (const user of users.values()) await store.create(user);
      const listed = await listAll({ usernamePrefix: prefix }, 3, async (page) => {
        if (page === 1) {
          // The page ended at a03: delete it and one before it, add users before and after the position.
          await store.delete(users.get('a03')!.id);
          await store.delete(users.get('a02')!.id);
          await store.create(sampleUser({ username: `${prefix}a00` }));
          await store.create(sampleUser({ username: `${prefix}a055` }));
          await store.delete(users.get('a08')!.id);
        }
        if (page === 2) {
          await store.create(sampleUser({ username: `${prefix}a011` }));
          await store.delete(users.get('a01')!.id);
        }
      });
      const seen = names(listed);
      // Strictly ascending: nothing repeated, nothing from before the position came back.
      expect(seen).toEqual(ascending([...new Set(seen)]));
      const present = ['a01', 'a02', 'a03', 'a04', 'a05', 'a06', 'a07', 'a09', 'a10'].map((rest) => `${prefix}${rest}`);
      expect(seen).toEqual(expect.arrayContaining(present));
      expect(seen).not.toContain(`${prefix}a00`);
      expect(seen).not.toContain(`${prefix}a011`);
    });

    it('refuses a cursor it did not make with a ValidationError on `cursor`', async () => {
      for (const after of ['not a cursor', '%%%', 'm1.', '{"after":"x"}']) {
        const attempt = store.list({ after, limit: 10 });
        await expect(attempt).rejects.toBeInstanceOf(ValidationError);
        await expect(attempt).rejects.toMatchObject({ issues: [expect.objectContaining({ path: ['cursor'] })] });
      }
    });

    it('creates a batch of new users, each findable by id, username and email, field for field', async () => {
      expect(Number.isInteger(store.createManyLimit) && store.createManyLimit >= 1).toBe(true);
      const prefix = listPrefix();
      const users = [
        sampleUser({ username: `${prefix}a` }),
        sampleUser({ username: `${prefix}b`, email: null, role: 'seller' }),
        sampleUser({ username: `${prefix}c`, email: null, status: 'disabled', passwordNormalization: 'none' }),
        sampleUser({ username: `${prefix}d`, emailVerified: true }),
      ];
      expect(await store.createMany(users)).toEqual(['created', 'created', 'created', 'created']);
      for (const user of users) {
        expect(await store.findById(user.id)).toEqual(user);
        expect(await store.findByUsername(user.username)).toEqual(user);
        if (user.email !== null) expect(await store.findByEmail(user.email)).toEqual(user);
      }
      expect(names(await listAll({ usernamePrefix: prefix }, 2))).toEqual(names(users));
      expect(await store.createMany([])).toEqual([]);
      // Created users are ordinary users: updated, refused as duplicates, deleted.
      const updated = nextVersion(users[0]!, { role: 'seller' }, sampleDate(1));
      await store.update(updated);
      expect(await store.findById(updated.id)).toEqual(updated);
      await expect(store.create(sampleUser({ username: users[1]!.username }))).rejects.toBeInstanceOf(
        UsernameTakenError,
      );
      await store.delete(users[3]!.id);
      expect(await store.findByEmail(users[3]!.email!)).toBeNull();
    });

    const batch = Math.min(concurrency, 100);
    it(`takes a full batch (createManyLimit, up to ${batch})`, async () => {
      const prefix = listPrefix();
      const size = Math.min(store.createManyLimit, batch);
      const users = Array.from({ length: size }, (_, index) =>
        sampleUser({ username: `${prefix}${String(index).padStart(3, '0')}` }),
      );
      const outcomes = await store.createMany(users);
      expect(outcomes).toEqual(users.map(() => 'created'));
      expect(names(await listAll({ usernamePrefix: prefix }, USER_PAGE_LIMIT))).toEqual(names(users));
    });

    it('refuses a batch over createManyLimit, or with a user that is not new, writing nothing', async () => {
      const prefix = listPrefix();
      const over = Array.from({ length: store.createManyLimit + 1 }, (_, index) =>
        sampleUser({ username: `${prefix}o${String(index).padStart(4, '0')}` }),
      );
      await expect(store.createMany(over)).rejects.toMatchObject({
        issues: [expect.objectContaining({ path: ['users'], code: 'too_many' })],
      });
      const notNew = [sampleUser({ username: `${prefix}n1` }), sampleUser({ username: `${prefix}n2`, version: 2 })];
      const attempt = store.createMany(notNew);
      await expect(attempt).rejects.toBeInstanceOf(ValidationError);
      await expect(attempt).rejects.toMatchObject({
        issues: [expect.objectContaining({ path: ['users', '1'], code: 'not_new' })],
      });
      expect(await listAll({ usernamePrefix: prefix }, USER_PAGE_LIMIT)).toEqual([]);
    });

    it('reports conflicts with stored users per user, creating the others and nothing of the refused', async () => {
      const holder = sampleUser();
      await store.create(holder);
      const [first, sameName, second, sameEmail] = [
        sampleUser(),
        sampleUser({ username: holder.username }),
        sampleUser({ email: null }),
        sampleUser({ email: holder.email }),
      ] as const;
      expect(await store.createMany([first, sameName, second, sameEmail])).toEqual([
        'created',
        'username_taken',
        'created',
        'email_taken',
      ]);
      expect(await store.findById(first.id)).toEqual(first);
      expect(await store.findById(second.id)).toEqual(second);
      expect(await store.findByUsername(holder.username)).toEqual(holder);
      expect(await store.findByEmail(holder.email!)).toEqual(holder);
      // Never a partial user: no record, and the refused user's other unique value is still free.
      for (const refused of [sameName, sameEmail]) expect(await store.findById(refused.id)).toBeNull();
      expect(await store.findByEmail(sameName.email!)).toBeNull();
      expect(await store.findByUsername(sameEmail.username)).toBeNull();
      await store.create(sampleUser({ email: sameName.email }));
      await store.create(sampleUser({ username: sameEmail.username }));
    });

    it('reports a duplicate within the batch as taken: the first of two is created, the second refused', async () => {
      const first = sampleUser();
      const third = sampleUser();
      const sameName = sampleUser({ username: first.username });
      const sameEmail = sampleUser({ email: third.email });
      const free = sampleUser();
      expect(await store.createMany([first, sameName, third, sameEmail, free])).toEqual([
        'created',
        'username_taken',
        'created',
        'email_taken',
        'created',
      ]);
      expect(await store.findByUsername(first.username)).toEqual(first);
      expect(await store.findByEmail(third.email!)).toEqual(third);
      expect(await store.findById(free.id)).toEqual(free);
      for (const refused of [sameName, sameEmail]) expect(await store.findById(refused.id)).toBeNull();
      expect(await store.findByEmail(sameName.email!)).toBeNull();
      expect(await store.findByUsername(sameEmail.username)).toBeNull();
      await store.create(sampleUser({ email: sameName.email }));
      await store.create(sampleUser({ username: sameEmail.username }));
    });
  });
}
