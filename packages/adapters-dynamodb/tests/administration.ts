import { GetItemCommand, PutItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { backfillListIndex, createDynamoDbStores, type DynamoDbStores } from '@devauth/adapters-dynamodb';
import { countRequests } from '@devauth/adapters-dynamodb/testing';
import {
  type InvitationRecord,
  nextVersion,
  type UserListQuery,
  type UserRecord,
  ValidationError,
} from '@devauth/core';
import { sampleDate, sampleUser, uniqueSuffix } from '@devauth/core/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compareBytes } from '../src/list-cursor.js';
import { emailMarkerItem, invitationItem, userItem, usernameMarkerItem } from '../src/mappers.js';
import type { Item } from '../src/requests.js';
import { keys } from '../src/table.js';
import { newClient, newTable } from './support.js';

/**
 * Issue 15's store methods on DynamoDB: `users.list` (GSI2), `users.createMany` (parallel transactions with the
 * CancellationReasons retry), `invitations.list`/`revoke`, and `backfillListIndex`. Each group gets a table of its
 * own on the file's engine, so that "every user" and "every invitation" are known sets, and a client of its own, so
 * the request counter sees only these requests.
 */
export function describeAdministration(endpoint: string): void {
  const client = newClient(endpoint);
  const requests = countRequests(client);
  let tableName: string;
  let stores: DynamoDbStores;
  const freshTable = async () => {
    tableName = await newTable(client);
    stores = createDynamoDbStores({ client, tableName });
  };

  /** Every page of a listing, with the requests each cost. */
  async function listAll(query: Omit<UserListQuery, 'after'>): Promise<{ users: UserRecord[]; pages: number }> {
    const users: UserRecord[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      requests.reset();
      const page = await stores.users.list({ ...query, after });
      expect(Object.fromEntries(requests.byCommand)).toEqual({ QueryCommand: 1 });
      expect(page.users.length).toBeLessThanOrEqual(query.limit);
      users.push(...page.users);
      after = page.nextCursor ?? undefined;
      pages++;
    } while (after !== undefined);
    return { users, pages };
  }

  const usernames = (users: readonly UserRecord[]) => users.map((user) => user.username);
  const byteOrder = (names: string[]) => [...names].sort(compareBytes);

  describe('users.list (GSI2: USERS / canonical username)', () => {
    const prefix = `adm_${uniqueSuffix()}_`;
    let all: UserRecord[];
    beforeAll(async () => {
      await freshTable();
      // Non-ASCII names: DynamoDB orders by UTF-8 bytes, which the store's answers must follow.
      const names = ['carol', 'alice', 'bob', 'dave', 'érica', 'zoë', 'eve', 'frank', 'ålice', 'gina'];
      all = names.map((name, index) =>
        sampleUser({
          username: `${prefix}${name}`,
          role: index % 3 === 0 ? 'seller' : 'shopper',
          status: index % 4 === 0 ? 'disabled' : 'active',
        }),
      );
      // Half through create, half through createMany: both write the index keys.
      for (const user of all.slice(0, 5)) await stores.users.create(user);
      expect(await stores.users.createMany(all.slice(5))).toEqual(Array(5).fill('created'));
      // Someone outside the prefix.
      await stores.users.create(sampleUser({ username: `other_${uniqueSuffix()}` }));
    });

    it('pages through every user in byte order with one Query per page; a full last page ends the listing', async () => {
      const { users, pages } = await listAll({ usernamePrefix: prefix, limit: 5 });
      expect(usernames(users)).toEqual(byteOrder(usernames(all)));
      // 10 users in pages of 5: two pages, the second full and final (no empty third page).
      expect(pages).toBe(2);
      expect(users).toEqual(byteOrder(usernames(all)).map((name) => all.find((user) => user.username === name)));

      const everyone = await listAll({ limit: 3 });
      expect(everyone.users).toHaveLength(11);
      expect(usernames(everyone.users)).toEqual(byteOrder(usernames(everyone.users)));
      expect(everyone.pages).toBe(4);
    });

    it('lists each user once: the username and email marker copies carry no GSI2 keys', async () => {
      const user = all[0]!;
      const get = async (key: Item) =>
        (await client.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;
      expect((await get(keys.user(user.id)))?.GSI2PK).toEqual({ S: 'USERS' });
      expect((await get(keys.user(user.id)))?.GSI2SK).toEqual({ S: user.username });
      expect((await get(keys.username(user.username)))?.GSI2PK).toBeUndefined();
      expect((await get(keys.email(user.email!)))?.GSI2PK).toBeUndefined();
    });

    it('filters on role and status after reading: short pages are allowed, following the cursor finds them all', async () => {
      const filters: Pick<UserListQuery, 'role' | 'status'>[] = [
        { role: 'seller' },
        { status: 'disabled' },
        { role: 'shopper', status: 'active' },
        { role: 'admin' },
      ];
      for (const filter of filters) {
        const expected = all.filter(
          (user) =>
            (filter.role === undefined || user.role === filter.role) &&
            (filter.status === undefined || user.status === filter.status),
        );
        const { users } = await listAll({ usernamePrefix: prefix, limit: 2, ...filter });
        expect(usernames(users)).toEqual(byteOrder(usernames(expected)));
      }
    });

    it('answers an email filter with one GetItem of the email marker, the other filters applied to it', async () => {
      const user = all[1]!;
      requests.reset();
      expect(await stores.users.list({ email: user.email!, limit: 10 })).toEqual({ users: [user], nextCursor: null });
      expect(Object.fromEntries(requests.byCommand)).toEqual({ GetItemCommand: 1 });
      const miss = [
        { email: user.email!, role: 'admin', limit: 10 },
        { email: user.email!, usernamePrefix: 'nobody_', limit: 10 },
        {
          email: user.email!,
          status: user.status === 'active' ? ('disabled' as const) : ('active' as const),
          limit: 1,
        },
        { email: `nobody_${uniqueSuffix()}@example.test`, limit: 1 },
      ];
      for (const query of miss) expect(await stores.users.list(query)).toEqual({ users: [], nextCursor: null });
      // A cursor is honoured: the user is listed only if its username comes after the position.
      const [firstName, secondName] = byteOrder(usernames(all));
      const [first, second] = [firstName, secondName].map((name) => all.find((one) => one.username === name)!);
      const page = await stores.users.list({ usernamePrefix: prefix, limit: 1 });
      expect(page.users).toEqual([first]);
      for (const [who, listed] of [
        [first!, []],
        [second!, [second]],
      ] as const) {
        expect(await stores.users.list({ email: who.email!, after: page.nextCursor!, limit: 5 })).toEqual({
          users: listed,
          nextCursor: null,
        });
      }
    });

    it('refuses a cursor it did not make with ValidationError on path cursor, before any request', async () => {
      const invitationsPage = await stores.invitations.list({ limit: 1 });
      const userPage = await stores.users.list({ usernamePrefix: prefix, limit: 1 });
      const foreign = [
        'nonsense',
        '',
        '!!!',
        Buffer.from('["dynamodb-users-1","x"]').toString('base64url'),
        Buffer.from('{"u":"x"}').toString('base64url'),
        `${userPage.nextCursor}A`,
        ...(invitationsPage.nextCursor === null ? [] : [invitationsPage.nextCursor]),
        Buffer.from(JSON.stringify(['dynamodb-invitations-1', '2026-01-01T00:00:00.000Z', 'x'])).toString('base64url'),
      ];
      for (const after of foreign) {
        requests.reset();
        const error = await stores.users.list({ after, limit: 5 }).catch((caught: unknown) => caught);
        expect(error, after).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).issues[0]?.path).toEqual(['cursor']);
        expect(requests.total).toBe(0);
      }
      // A cursor of one prefix is not a position in another prefix's listing.
      await expect(
        stores.users.list({ usernamePrefix: 'zzz', after: userPage.nextCursor!, limit: 5 }),
      ).rejects.toBeInstanceOf(ValidationError);
      // The user a cursor names may be gone: the listing goes on after its position.
      const victim = (await stores.users.list({ usernamePrefix: prefix, limit: 3 })).users[2]!;
      const before = await stores.users.list({ usernamePrefix: prefix, limit: 3 });
      await stores.users.delete(victim.id);
      const rest = await stores.users.list({ usernamePrefix: prefix, after: before.nextCursor!, limit: 100 });
      expect(usernames(rest.users)).toEqual(byteOrder(usernames(all)).slice(3));
      await stores.users.create(victim);
    });

    it('follows a rename (the user item carries the new sort key) and drops a deleted user', async () => {
      const user = sampleUser({ username: `${prefix}mover` });
      await stores.users.create(user);
      const renamed = nextVersion(user, { username: `${prefix}zz_moved` }, sampleDate(1));
      await stores.users.update(renamed);
      const { users } = await listAll({ usernamePrefix: prefix, limit: 100 });
      expect(users).toContainEqual(renamed);
      expect(usernames(users)).toEqual(byteOrder([...usernames(all), renamed.username]));
      await stores.users.delete(user.id);
      expect(usernames((await listAll({ usernamePrefix: prefix, limit: 100 })).users)).toEqual(
        byteOrder(usernames(all)),
      );
    });
  });

  describe('users.createMany (TransactWriteItems of ~33 users, 2 in parallel)', () => {
    beforeAll(freshTable);
    beforeEach(() => requests.reset());

    it('creates 200 users with addresses in 7 transactions (3 actions each, 33 per transaction)', async () => {
      expect(stores.users.createManyLimit).toBe(200);
      const users = Array.from({ length: 200 }, () => sampleUser());
      expect(await stores.users.createMany(users)).toEqual(Array(200).fill('created'));
      expect(Object.fromEntries(requests.byCommand)).toEqual({ TransactWriteItemsCommand: 7 });
      for (const user of [users[0]!, users[57]!, users[199]!]) {
        expect(await stores.users.findByUsername(user.username)).toEqual(user);
        expect(await stores.users.findByEmail(user.email!)).toEqual(user);
        expect(await stores.users.findById(user.id)).toEqual(user);
      }
    });

    it('creates 200 users without addresses in 4 transactions (50 per transaction)', async () => {
      const users = Array.from({ length: 200 }, () => sampleUser({ email: null }));
      expect(await stores.users.createMany(users)).toEqual(Array(200).fill('created'));
      expect(Object.fromEntries(requests.byCommand)).toEqual({ TransactWriteItemsCommand: 4 });
    });

    it('answers nothing for no users, and refuses too many or linked users before any request', async () => {
      expect(await stores.users.createMany([])).toEqual([]);
      await expect(stores.users.createMany(Array.from({ length: 201 }, () => sampleUser()))).rejects.toBeInstanceOf(
        ValidationError,
      );
      await expect(stores.users.createMany([sampleUser({ identityId: 'us-east-1:x' })])).rejects.toBeInstanceOf(
        ValidationError,
      );
      expect(requests.total).toBe(0);
    });

    it('reports conflicts with stored users per user, in input order, and creates the others', async () => {
      const stored = sampleUser();
      await stores.users.create(stored);
      requests.reset();
      const batch = [
        sampleUser(),
        sampleUser({ username: stored.username }),
        sampleUser(),
        sampleUser({ email: stored.email }),
        sampleUser({ username: stored.username, email: stored.email }),
        // The same user again (an import run twice): its id and username are taken.
        stored,
        sampleUser(),
      ];
      expect(await stores.users.createMany(batch)).toEqual([
        'created',
        'username_taken',
        'created',
        'email_taken',
        'username_taken',
        'username_taken',
        'created',
      ]);
      // One cancelled transaction naming every failed condition, then the retry without the conflicting users.
      expect(Object.fromEntries(requests.byCommand)).toEqual({ TransactWriteItemsCommand: 2 });
      for (const [index, user] of batch.entries()) {
        const found = await stores.users.findById(user.id);
        if ([0, 2, 6].includes(index)) expect(found).toEqual(user);
        else if (index !== 5) expect(found).toBeNull();
      }
      expect(await stores.users.findByUsername(stored.username)).toEqual(stored);
      expect(await stores.users.findByEmail(stored.email!)).toEqual(stored);
    });

    it('handles duplicates within the call as if the users were created one after another', async () => {
      const stored = sampleUser();
      await stores.users.create(stored);
      const first = sampleUser();
      const name = sampleUser();
      // b's username is taken by the store, so b is refused and the address it shares with c stays free for c.
      const b = sampleUser({ username: stored.username, email: `shared_${uniqueSuffix()}@example.test` });
      const c = sampleUser({ email: b.email });
      const batch = [
        first,
        sampleUser({ username: first.username }),
        sampleUser({ email: first.email }),
        b,
        c,
        sampleUser({ username: name.username }),
        name,
        sampleUser({ id: first.id }),
      ];
      requests.reset();
      expect(await stores.users.createMany(batch)).toEqual([
        'created',
        'username_taken',
        'email_taken',
        'username_taken',
        'created',
        'created',
        'username_taken',
        'username_taken',
      ]);
      // Round 1 (first, b, the first of `name`'s username; b's refusal cancels it once), round 2 (the address
      // duplicate, whose username the store must judge, and c; the duplicate cancels it once). The username and id
      // duplicates are answered without a request: their username or id is known stored by then.
      expect(Object.fromEntries(requests.byCommand)).toEqual({ TransactWriteItemsCommand: 4 });
      expect(await stores.users.findByEmail(c.email!)).toEqual(c);
      expect(await stores.users.findByUsername(name.username)).toEqual(batch[5]);
      expect(await stores.users.findById(first.id)).toEqual(first);
    });

    it('is all or nothing per user under concurrent imports of the same users', async () => {
      const users = Array.from({ length: 40 }, () => sampleUser());
      const results = await Promise.all([stores.users.createMany(users), stores.users.createMany(users)]);
      for (let index = 0; index < users.length; index++) {
        const outcomes = results.map((result) => result[index]);
        expect(
          outcomes.filter((outcome) => outcome === 'created'),
          String(index),
        ).toHaveLength(1);
        expect(await stores.users.findByUsername(users[index]!.username)).toEqual(users[index]);
      }
    });
  });

  describe('invitations.list (GSI2: INVITATIONS / createdAt#codeHash, newest first) and revoke', () => {
    let invitations: InvitationRecord[];
    beforeAll(async () => {
      await freshTable();
      const tied = sampleDate(50);
      invitations = [0, 10, 20, 30, 40, 60].map((offset) => ({
        codeHash: `inv_${uniqueSuffix()}`,
        role: 'seller',
        createdAt: sampleDate(offset),
        expiresAt: sampleDate(offset + 86_400 * 365 * 10),
        usedAt: null,
      }));
      // Two created at one instant: ordered by digest (descending, like the time).
      invitations.push(
        { ...invitations[0]!, codeHash: 'inv_tie_a', createdAt: tied },
        { ...invitations[0]!, codeHash: 'inv_tie_b', createdAt: tied },
      );
      for (const invitation of invitations) await stores.invitations.create(invitation);
      expect(await stores.invitations.consume(invitations[2]!.codeHash, 'seller', sampleDate(25))).toBe(true);
      invitations[2] = { ...invitations[2]!, usedAt: sampleDate(25) };
    });

    it('pages newest first, used ones included, one Query per page', async () => {
      const expected = [...invitations].sort(
        (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || compareBytes(b.codeHash, a.codeHash),
      );
      expect(expected.slice(1, 3).map((invitation) => invitation.codeHash)).toEqual(['inv_tie_b', 'inv_tie_a']);
      const listed: InvitationRecord[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        requests.reset();
        const page = await stores.invitations.list({ after, limit: 3 });
        expect(Object.fromEntries(requests.byCommand)).toEqual({ QueryCommand: 1 });
        listed.push(...page.invitations);
        after = page.nextCursor ?? undefined;
        pages++;
      } while (after !== undefined);
      expect(listed).toEqual(expected);
      expect(pages).toBe(3);
      const whole = await stores.invitations.list({ limit: 8 });
      expect(whole).toEqual({ invitations: expected, nextCursor: null });
    });

    it('refuses a foreign cursor (a user listing cursor, garbage) with ValidationError on path cursor', async () => {
      const userCursor = Buffer.from(JSON.stringify(['dynamodb-users-1', 'x', 'y'])).toString('base64url');
      const badDate = Buffer.from(JSON.stringify(['dynamodb-invitations-1', 'yesterday', 'x'])).toString('base64url');
      for (const after of [userCursor, badDate, 'garbage!']) {
        const error = await stores.invitations.list({ after, limit: 2 }).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).issues[0]?.path).toEqual(['cursor']);
      }
    });

    it('revoke is one DeleteItem: true once, then false; the code can no longer be consumed or listed', async () => {
      const target = invitations[3]!;
      requests.reset();
      expect(await stores.invitations.revoke(target.codeHash)).toBe(true);
      expect(Object.fromEntries(requests.byCommand)).toEqual({ DeleteItemCommand: 1 });
      expect(await stores.invitations.revoke(target.codeHash)).toBe(false);
      expect(await stores.invitations.revoke(`inv_${uniqueSuffix()}`)).toBe(false);
      expect(await stores.invitations.consume(target.codeHash, 'seller', sampleDate(100))).toBe(false);
      const { invitations: listed } = await stores.invitations.list({ limit: 100 });
      expect(listed.map((invitation) => invitation.codeHash)).not.toContain(target.codeHash);
      expect(listed).toHaveLength(invitations.length - 1);
    });
  });

  describe('backfillListIndex (items written before GSI2 existed)', () => {
    beforeAll(freshTable);

    /** The items the previous version wrote: the same, without the GSI2 keys. */
    const legacy = (item: Item): Item => {
      const { GSI2PK: _pk, GSI2SK: _sk, ...rest } = item;
      return rest;
    };

    it('gives legacy user and invitation items their keys, touches nothing else, and is idempotent', async () => {
      const prefix = `legacy_${uniqueSuffix()}_`;
      const old = [sampleUser({ username: `${prefix}b` }), sampleUser({ username: `${prefix}a`, email: null })];
      for (const user of old) {
        const items = [legacy(userItem(user)), usernameMarkerItem(user)];
        if (user.email !== null) items.push(emailMarkerItem({ ...user, email: user.email }));
        await client.send(
          new TransactWriteItemsCommand({
            TransactItems: items.map((Item) => ({ Put: { TableName: tableName, Item } })),
          }),
        );
      }
      const current = sampleUser({ username: `${prefix}c` });
      await stores.users.create(current);
      const oldInvitation: InvitationRecord = {
        codeHash: `inv_${uniqueSuffix()}`,
        role: 'seller',
        createdAt: sampleDate(0),
        expiresAt: sampleDate(86_400 * 365 * 10),
        usedAt: null,
      };
      await client.send(new PutItemCommand({ TableName: tableName, Item: legacy(invitationItem(oldInvitation)) }));

      expect(usernames((await stores.users.list({ usernamePrefix: prefix, limit: 10 })).users)).toEqual([
        current.username,
      ]);
      expect((await stores.invitations.list({ limit: 10 })).invitations).toEqual([]);

      const pages: number[] = [];
      const result = await backfillListIndex(client, tableName, { concurrency: 2, onPage: (p) => pages.push(p.users) });
      expect(result).toMatchObject({ users: 2, invitations: 1, skipped: 0 });
      expect(result.scanned).toBeGreaterThan(5);
      expect(pages.length).toBeGreaterThan(0);

      const listed = (await stores.users.list({ usernamePrefix: prefix, limit: 10 })).users;
      expect(listed).toEqual([old[1], old[0], current]);
      expect((await stores.invitations.list({ limit: 10 })).invitations).toEqual([oldInvitation]);
      // The markers stay without index keys (a user is listed once), and the user item is otherwise unchanged.
      const get = async (key: Item) =>
        (await client.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;
      expect((await get(keys.username(old[0]!.username)))?.GSI2PK).toBeUndefined();
      expect(await get(keys.user(old[0]!.id))).toEqual(userItem(old[0]!));

      expect(await backfillListIndex(client, tableName)).toMatchObject({ users: 0, invitations: 0, skipped: 0 });
    });
  });
}
