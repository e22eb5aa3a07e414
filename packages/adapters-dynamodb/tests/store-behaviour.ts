import { randomUUID } from 'node:crypto';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import {
  createDynamoDbStores,
  createTable,
  DEVAUTH_TABLE,
  DynamoDbStores,
  DynamoDbUserStore,
  devauthTableDefinition,
} from '@devauth/adapters-dynamodb';
import { countRequests } from '@devauth/adapters-dynamodb/testing';
import {
  ConfigurationError,
  DEFAULT_THROTTLE_POLICY,
  IdentityTakenError,
  mintAccountToken,
  nextVersion,
} from '@devauth/core';
import { sampleDate, sampleRefreshToken, sampleUser } from '@devauth/core/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { itemToUser, userItem, usernameMarkerItem } from '../src/mappers.js';
import { keys } from '../src/table.js';

/**
 * This adapter's own behaviour beyond the contract suites: round trips, items, the table. Runs in the file that owns
 * the engine (one engine per file), on that file's table.
 */
export function describeStoreBehaviour(client: DynamoDBClient, tableName: string, stores: DynamoDbStores): void {
  const requests = countRequests(client);

  describe('round trips (requests on the wire, SDK retries included)', () => {
    beforeEach(() => requests.reset());

    it('registration is one request and login lookup is one request', async () => {
      const user = sampleUser({ identityId: `us-east-1:${randomUUID()}` });
      await stores.users.create(user);
      expect(requests.total).toBe(1);
      expect(Object.fromEntries(requests.byCommand)).toEqual({ TransactWriteItemsCommand: 1 });

      requests.reset();
      expect(await stores.users.findByUsername(user.username)).toEqual(user);
      expect(requests.total).toBe(1);
      expect(Object.fromEntries(requests.byCommand)).toEqual({ GetItemCommand: 1 });

      // The email marker holds a copy as well: one strongly consistent read.
      requests.reset();
      expect(await stores.users.findByEmail(user.email!)).toEqual(user);
      expect(requests.total).toBe(1);
      expect(Object.fromEntries(requests.byCommand)).toEqual({ GetItemCommand: 1 });

      requests.reset();
      expect(await stores.users.findById(user.id)).toEqual(user);
      expect(requests.total).toBe(1);
      // The identity marker, then the user: two strongly consistent reads, no index.
      requests.reset();
      expect(await stores.users.findByIdentityId(user.identityId!)).toEqual(user);
      expect(Object.fromEntries(requests.byCommand)).toEqual({ GetItemCommand: 2 });
    });

    it('an unknown username or email costs one request too', async () => {
      expect(await stores.users.findByUsername(`nobody_${randomUUID()}`)).toBeNull();
      expect(requests.total).toBe(1);
      requests.reset();
      expect(await stores.users.findByEmail(`nobody_${randomUUID()}@example.test`)).toBeNull();
      expect(requests.total).toBe(1);
    });

    it('update is a consistent read plus one transaction', async () => {
      const user = sampleUser();
      await stores.users.create(user);
      requests.reset();
      await stores.users.update(nextVersion(user, { username: `renamed_${randomUUID()}` }, sampleDate(1)));
      expect(Object.fromEntries(requests.byCommand)).toEqual({ GetItemCommand: 1, TransactWriteItemsCommand: 1 });
    });

    it('an update that keeps the address rewrites the email marker copy in the same transaction', async () => {
      const user = sampleUser();
      await stores.users.create(user);
      const verified = nextVersion(user, { emailVerified: true, role: 'seller' }, sampleDate(1));
      requests.reset();
      await stores.users.update(verified);
      expect(Object.fromEntries(requests.byCommand)).toEqual({ GetItemCommand: 1, TransactWriteItemsCommand: 1 });
      const marker = (
        await client.send(
          new GetItemCommand({ TableName: tableName, Key: keys.email(user.email!), ConsistentRead: true }),
        )
      ).Item;
      expect(marker?.emailVerified).toEqual({ BOOL: true });
      expect(itemToUser(marker!)).toEqual(verified);
    });

    it('token lookup and rotation are one request each', async () => {
      const current = sampleRefreshToken();
      await stores.refreshTokens.issue(current);
      expect(Object.fromEntries(requests.byCommand)).toEqual({ TransactWriteItemsCommand: 1 });
      requests.reset();
      expect(await stores.refreshTokens.find(current.tokenHash)).toEqual(current);
      expect(requests.total).toBe(1);
      requests.reset();
      const next = sampleRefreshToken({ familyId: current.familyId, userId: current.userId });
      expect(await stores.refreshTokens.rotate(current.tokenHash, next)).toBe('rotated');
      expect(Object.fromEntries(requests.byCommand)).toEqual({ TransactWriteItemsCommand: 1 });
    });

    it('throttle reads are one BatchGetItem; a failure is one write per key', async () => {
      const user = `user:${randomUUID()}`;
      const address = `addr:${randomUUID()}`;
      await stores.loginAttempts.recordFailure([user, address], sampleDate(0), 3600);
      // First failure of a key: the increment finds nothing, then the put creates it.
      expect(Object.fromEntries(requests.byCommand)).toEqual({ UpdateItemCommand: 2, PutItemCommand: 2 });
      requests.reset();
      await stores.loginAttempts.recordFailure([user, address], sampleDate(1), 3600);
      expect(Object.fromEntries(requests.byCommand)).toEqual({ UpdateItemCommand: 2 });
      requests.reset();
      expect(await stores.loginAttempts.get([user, address, `user:${randomUUID()}`])).toHaveLength(2);
      expect(Object.fromEntries(requests.byCommand)).toEqual({ BatchGetItemCommand: 1 });
    });

    it('a reservation is one conditional write while the allowance lasts, and when refused; two past it', async () => {
      const policy = DEFAULT_THROTTLE_POLICY;
      const key = `addr:${randomUUID()}`;
      for (let i = 0; i < policy.freeFailures; i++) {
        requests.reset();
        expect(await stores.loginAttempts.reserve(key, sampleDate(0), policy)).toEqual({ reserved: true });
        expect(Object.fromEntries(requests.byCommand)).toEqual({ UpdateItemCommand: 1 });
      }
      // Refused: the failed condition returns the state (ALL_OLD), no read, nothing written.
      requests.reset();
      expect(await stores.loginAttempts.reserve(key, sampleDate(0), policy)).toEqual({
        reserved: false,
        retryAfterSeconds: 1,
      });
      expect(Object.fromEntries(requests.byCommand)).toEqual({ UpdateItemCommand: 1 });
      // Past the allowance, after the wait: the optimistic write fails, the compare-and-set applies.
      requests.reset();
      expect(await stores.loginAttempts.reserve(key, sampleDate(1), policy)).toEqual({ reserved: true });
      expect(Object.fromEntries(requests.byCommand)).toEqual({ UpdateItemCommand: 1, PutItemCommand: 1 });
      // Release is one conditional decrement; on an absent key it writes nothing.
      requests.reset();
      await stores.loginAttempts.release(key);
      await stores.loginAttempts.release(`addr:${randomUUID()}`);
      expect(Object.fromEntries(requests.byCommand)).toEqual({ UpdateItemCommand: 2 });
      expect(await stores.loginAttempts.get([key])).toEqual([
        { key, consecutiveFailures: policy.freeFailures, lastFailureAt: sampleDate(1) },
      ]);
    });

    it('an idle key restarts with a compare-and-set, and a reservation keeps the counter TTL at the idle window', async () => {
      const policy = { ...DEFAULT_THROTTLE_POLICY, resetAfterIdleSeconds: 3600 };
      const key = `user:${randomUUID()}`;
      await stores.loginAttempts.recordFailure([key], sampleDate(0), 3600);
      requests.reset();
      expect(await stores.loginAttempts.reserve(key, sampleDate(3600), policy)).toEqual({ reserved: true });
      expect(Object.fromEntries(requests.byCommand)).toEqual({ UpdateItemCommand: 1, PutItemCommand: 1 });
      const item = (
        await client.send(new GetItemCommand({ TableName: tableName, Key: keys.throttle(key), ConsistentRead: true }))
      ).Item;
      expect(item?.failures?.N).toBe('1');
      expect(Number(item?.ttl?.N)).toBeGreaterThanOrEqual(Math.ceil((sampleDate(3600).getTime() + 3_600_000) / 1000));
    });

    it('revokeAllForUser is one Query of the user partition, then each family as revokeFamily', async () => {
      const userId = randomUUID();
      const tokens = [sampleRefreshToken({ userId }), sampleRefreshToken({ userId })];
      for (const token of tokens) await stores.refreshTokens.issue(token);
      requests.reset();
      expect(await stores.refreshTokens.revokeAllForUser(userId)).toBe(2);
      // Per family: UpdateItem (revokedAt), UpdateItem (the user's index item), Query (members), UpdateItem per token,
      // UpdateItem (family TTL).
      expect(Object.fromEntries(requests.byCommand)).toEqual({ QueryCommand: 3, UpdateItemCommand: 8 });
      requests.reset();
      expect(await stores.refreshTokens.revokeAllForUser(randomUUID())).toBe(0);
      expect(Object.fromEntries(requests.byCommand)).toEqual({ QueryCommand: 1 });
    });

    it('listSessions is one consistent Query of the user partition, revoked and expired families filtered out', async () => {
      const userId = randomUUID();
      const live = sampleRefreshToken({ userId });
      const revoked = sampleRefreshToken({ userId });
      const expired = sampleRefreshToken({ userId, issuedAt: sampleDate(0), expiresAt: sampleDate(1) });
      for (const token of [live, revoked, expired]) await stores.refreshTokens.issue(token);
      requests.reset();
      // One family's members name one user: UpdateItem (revokedAt), Query (members), UpdateItem (index item),
      // UpdateItem (token), UpdateItem (family TTL).
      await stores.refreshTokens.revokeFamily(revoked.familyId);
      expect(Object.fromEntries(requests.byCommand)).toEqual({ QueryCommand: 1, UpdateItemCommand: 4 });
      requests.reset();
      expect((await stores.refreshTokens.listSessions(userId, sampleDate(2))).map((s) => s.familyId)).toEqual([
        live.familyId,
      ]);
      expect(Object.fromEntries(requests.byCommand)).toEqual({ QueryCommand: 1 });
      requests.reset();
      expect(await stores.refreshTokens.listSessions(randomUUID(), sampleDate(2))).toEqual([]);
      expect(Object.fromEntries(requests.byCommand)).toEqual({ QueryCommand: 1 });
    });

    it('guest link consume and release are one conditional update each', async () => {
      const record = {
        secretHash: `gl_${randomUUID()}`,
        identityId: `us-east-1:${randomUUID()}`,
        createdAt: sampleDate(0),
        expiresAt: sampleDate(600),
        usedAt: null,
      };
      await stores.guestLinks.create(record);
      expect(Object.fromEntries(requests.byCommand)).toEqual({ PutItemCommand: 1 });
      requests.reset();
      expect(await stores.guestLinks.consume(record.secretHash, record.identityId, sampleDate(1))).toBe(true);
      await stores.guestLinks.release(record.secretHash);
      expect(Object.fromEntries(requests.byCommand)).toEqual({ UpdateItemCommand: 2 });
    });

    it('account tokens: issue is one transaction, consume a read plus one transaction, deleteAllForUser a query plus one batch', async () => {
      const userId = randomUUID();
      const mint = (purpose: 'password-reset' | 'email-verification', offsetSeconds = 0) =>
        mintAccountToken({ purpose, userId, now: sampleDate(offsetSeconds), ttlSeconds: 600 }).record;
      const reset = mint('password-reset');
      await stores.accountTokens.issue(reset);
      expect(Object.fromEntries(requests.byCommand)).toEqual({ TransactWriteItemsCommand: 1 });
      requests.reset();
      expect(await stores.accountTokens.consume(reset.tokenHash, 'password-reset', sampleDate(1))).toEqual(reset);
      expect(Object.fromEntries(requests.byCommand)).toEqual({ GetItemCommand: 1, TransactWriteItemsCommand: 1 });
      // Spent, unknown, wrong purpose or expired: the read alone answers.
      const verification = mint('email-verification');
      await stores.accountTokens.issue(verification);
      requests.reset();
      expect(await stores.accountTokens.consume(reset.tokenHash, 'password-reset', sampleDate(2))).toBeNull();
      expect(await stores.accountTokens.consume(verification.tokenHash, 'password-reset', sampleDate(2))).toBeNull();
      expect(
        await stores.accountTokens.consume(verification.tokenHash, 'email-verification', sampleDate(600)),
      ).toBeNull();
      expect(Object.fromEntries(requests.byCommand)).toEqual({ GetItemCommand: 3 });
      // A replaced token: read, then the transaction fails on the pointer.
      const replaced = mint('password-reset', 3);
      await stores.accountTokens.issue(replaced);
      await stores.accountTokens.issue(mint('password-reset', 4));
      requests.reset();
      expect(await stores.accountTokens.consume(replaced.tokenHash, 'password-reset', sampleDate(5))).toBeNull();
      expect(Object.fromEntries(requests.byCommand)).toEqual({ GetItemCommand: 1, TransactWriteItemsCommand: 1 });
      requests.reset();
      await stores.accountTokens.deleteAllForUser(userId);
      expect(Object.fromEntries(requests.byCommand)).toEqual({ QueryCommand: 1, BatchWriteItemCommand: 1 });
      requests.reset();
      await stores.accountTokens.deleteAllForUser(userId);
      expect(Object.fromEntries(requests.byCommand)).toEqual({ QueryCommand: 1 });
    });

    it('invitation consume is one conditional update', async () => {
      const codeHash = `inv_${randomUUID()}`;
      await stores.invitations.create({
        codeHash,
        role: 'seller',
        createdAt: sampleDate(0),
        expiresAt: sampleDate(60),
        usedAt: null,
      });
      requests.reset();
      expect(await stores.invitations.consume(codeHash, 'seller', sampleDate(1))).toBe(true);
      expect(Object.fromEntries(requests.byCommand)).toEqual({ UpdateItemCommand: 1 });
    });
  });

  describe('items', () => {
    const getItem = async (key: ReturnType<typeof keys.user>) =>
      (await client.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;

    it('deletes every item of a user, beyond one batch or transaction (user, markers and 40 more)', async () => {
      const user = sampleUser();
      await stores.users.create(user);
      // Items a later version (or an operator) may keep in the user's partition: more than any single batch holds.
      const extra = Array.from({ length: 40 }, (_, index) => ({
        PK: { S: keys.userPartition(user.id) },
        SK: { S: `EXTRA#${String(index).padStart(3, '0')}` },
        type: { S: 'extra' },
      }));
      for (let start = 0; start < extra.length; start += 25) {
        await client.send(
          new BatchWriteItemCommand({
            RequestItems: { [tableName]: extra.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } })) },
          }),
        );
      }
      requests.reset();
      await stores.users.delete(user.id);
      // Read, one transaction (user + markers), then the partition sweep: one page, two batches of deletes.
      expect(Object.fromEntries(requests.byCommand)).toEqual({
        GetItemCommand: 1,
        TransactWriteItemsCommand: 1,
        QueryCommand: 1,
        BatchWriteItemCommand: 2,
      });
      const left = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': { S: keys.userPartition(user.id) } },
          ConsistentRead: true,
        }),
      );
      expect(left.Items).toEqual([]);
      expect(await getItem(keys.username(user.username))).toBeUndefined();
      expect(await getItem(keys.email(user.email!))).toBeUndefined();
    });

    it('revokes every token of a family of 60 (past one page of writes)', async () => {
      const tokens = [sampleRefreshToken()];
      await stores.refreshTokens.issue(tokens[0]!);
      for (let index = 1; index < 60; index++) {
        const next = sampleRefreshToken({ familyId: tokens[0]!.familyId, userId: tokens[0]!.userId });
        expect(await stores.refreshTokens.rotate(tokens[index - 1]!.tokenHash, next)).toBe('rotated');
        tokens.push(next);
      }
      await stores.refreshTokens.revokeFamily(tokens[0]!.familyId);
      for (const token of tokens) expect((await stores.refreshTokens.find(token.tokenHash))?.status).toBe('revoked');
      // A token issued into the family later is born revoked; the family item expires with the family.
      const late = sampleRefreshToken({ familyId: tokens[0]!.familyId });
      await stores.refreshTokens.issue(late);
      expect(await stores.refreshTokens.find(late.tokenHash)).toEqual({ ...late, status: 'revoked' });
      const family = await getItem(keys.family(tokens[0]!.familyId));
      expect(Number(family?.ttl?.N)).toBeGreaterThanOrEqual(Math.ceil(tokens[0]!.familyExpiresAt.getTime() / 1000));
    });

    it("keeps each session on its user's index item: hints move with rotation, revocations of every kind hide it", async () => {
      const userId = randomUUID();
      const first = sampleRefreshToken({ userId, clientHint: { userAgent: 'Firefox on Linux', addressPrefix: null } });
      await stores.refreshTokens.issue(first);
      const next = sampleRefreshToken({
        userId,
        familyId: first.familyId,
        clientHint: { userAgent: null, addressPrefix: '203.0.113.0/24' },
      });
      expect(await stores.refreshTokens.rotate(first.tokenHash, next)).toBe('rotated');
      const index = await getItem(keys.userFamily(userId, first.familyId));
      expect(index?.clientUserAgent).toBeUndefined();
      expect(index?.clientAddressPrefix).toEqual({ S: '203.0.113.0/24' });
      expect((await stores.refreshTokens.listSessions(userId, sampleDate(1)))[0]?.clientHint).toEqual(next.clientHint);

      // A successor of another user is refused (its index item would be that user's), and writes nothing.
      const stranger = sampleRefreshToken({ familyId: first.familyId });
      expect(await stores.refreshTokens.rotate(next.tokenHash, stranger)).toBe('not_active');
      expect(await getItem(keys.userFamily(stranger.userId, first.familyId))).toBeUndefined();

      // Reuse of a rotated token: the core revokes the family (revokeFamily), and the session is gone.
      await stores.refreshTokens.revokeFamily(first.familyId);
      expect(await stores.refreshTokens.listSessions(userId, sampleDate(1))).toEqual([]);
      expect((await getItem(keys.userFamily(userId, first.familyId)))?.familyRevoked).toEqual({ BOOL: true });

      // A token issued into the revoked family later is born revoked, its index item too.
      const late = sampleRefreshToken({ userId, familyId: first.familyId });
      await stores.refreshTokens.issue(late);
      expect(await stores.refreshTokens.listSessions(userId, sampleDate(1))).toEqual([]);

      // revokeAllForUser, including an index item written before sessions were kept (no session attributes, a
      // member naming no user): marked through the user it was found under.
      const fresh = sampleRefreshToken({ userId });
      await stores.refreshTokens.issue(fresh);
      const legacy = sampleRefreshToken({ userId });
      await stores.refreshTokens.issue(legacy);
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            ...keys.userFamily(userId, legacy.familyId),
            type: { S: 'userfamily' },
            familyId: { S: legacy.familyId },
          },
        }),
      );
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: { ...keys.familyMember(legacy.familyId, legacy.tokenHash), type: { S: 'member' } },
        }),
      );
      expect((await stores.refreshTokens.listSessions(userId, sampleDate(1))).map((s) => s.familyId)).toEqual([
        fresh.familyId,
      ]);
      expect(await stores.refreshTokens.revokeAllForUser(userId)).toBe(3);
      expect(await stores.refreshTokens.listSessions(userId, sampleDate(1))).toEqual([]);
      for (const familyId of [first.familyId, fresh.familyId, legacy.familyId]) {
        expect((await getItem(keys.userFamily(userId, familyId)))?.familyRevoked).toEqual({ BOOL: true });
      }
      // A family revoked after the user's index items were deleted gets no stub index item back.
      await stores.refreshTokens.deleteAllForUser(userId);
      await stores.refreshTokens.revokeFamily(fresh.familyId);
      expect(await getItem(keys.userFamily(userId, fresh.familyId))).toBeUndefined();
    });

    it("indexes each family in its user's partition (with the family's end as TTL), beside the user item", async () => {
      const user = sampleUser({ identityId: `us-east-1:${randomUUID()}` });
      await stores.users.create(user);
      const first = sampleRefreshToken({ userId: user.id });
      await stores.refreshTokens.issue(first);
      const next = sampleRefreshToken({ userId: user.id, familyId: first.familyId });
      expect(await stores.refreshTokens.rotate(first.tokenHash, next)).toBe('rotated');
      await stores.refreshTokens.issue(sampleRefreshToken({ userId: user.id }));

      const partition = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': { S: keys.userPartition(user.id) } },
          ConsistentRead: true,
        }),
      );
      const sortKeys = (partition.Items ?? []).map((item) => item.SK?.S);
      expect(sortKeys).toHaveLength(3);
      expect(sortKeys).toContain('USER');
      expect(sortKeys).toContain(`FAMILY#${first.familyId}`);
      const index = await getItem(keys.userFamily(user.id, first.familyId));
      expect(index?.type?.S).toBe('userfamily');
      expect(Number(index?.ttl?.N)).toBeGreaterThanOrEqual(Math.ceil(first.familyExpiresAt.getTime() / 1000));
      // The session: started by the first token, moved to its successor by rotate.
      expect(index).toMatchObject({
        familyId: { S: first.familyId },
        createdAt: { N: String(first.issuedAt.getTime()) },
        lastUsedAt: { N: String(next.issuedAt.getTime()) },
        expiresAt: { N: String(next.expiresAt.getTime()) },
      });
      expect(index?.familyRevoked).toBeUndefined();
      // Members name their user (revokeFamily marks that user's index item).
      expect((await getItem(keys.familyMember(first.familyId, next.tokenHash)))?.userId?.S).toBe(user.id);
      // rotate records when the token was retired.
      expect((await getItem(keys.token(first.tokenHash)))?.rotatedAt?.N).toBe(String(next.issuedAt.getTime()));

      // The extra items do not disturb the user's reads, and delete takes them with the user.
      expect(await stores.users.findById(user.id)).toEqual(user);
      expect(await stores.users.findByIdentityId(user.identityId!)).toEqual(user);
      await stores.users.delete(user.id);
      expect(await stores.users.findById(user.id)).toBeNull();
      expect(await getItem(keys.userFamily(user.id, first.familyId))).toBeUndefined();
      expect(await getItem(keys.identityMarker(user.identityId!))).toBeUndefined();
      expect(await stores.users.findByIdentityId(user.identityId!)).toBeNull();
    });

    it('keeps an identity marker per linked user, moved and removed in the same transactions', async () => {
      const identityId = `us-east-1:${randomUUID()}`;
      const user = sampleUser();
      await stores.users.create(user);
      expect(await getItem(keys.identityMarker(identityId))).toBeUndefined();
      const linked = nextVersion(user, { identityId }, sampleDate(1));
      requests.reset();
      await stores.users.update(linked);
      expect(Object.fromEntries(requests.byCommand)).toEqual({ GetItemCommand: 1, TransactWriteItemsCommand: 1 });
      const marker = await getItem(keys.identityMarker(identityId));
      expect(marker).toMatchObject({ type: { S: 'identity' }, userId: { S: user.id }, identityId: { S: identityId } });
      // The user item still carries the GSI1 key, for deployments of the previous version.
      expect((await getItem(keys.user(user.id)))?.GSI1PK?.S).toBe(`IDENTITY#${identityId}`);
      await stores.users.update(nextVersion(linked, { identityId: null }, sampleDate(2)));
      expect(await getItem(keys.identityMarker(identityId))).toBeUndefined();
      expect(await stores.users.findByIdentityId(identityId)).toBeNull();
    });

    describe('users linked before identity markers existed (legacy: GSI1 only)', () => {
      /** Writes a user item and its username marker as the previous version did: no identity marker. */
      async function legacyUser(identityId: string) {
        const user = sampleUser({ identityId, email: null });
        await stores.users.create({ ...user, identityId: null });
        await client.send(new PutItemCommand({ TableName: tableName, Item: userItem(user) }));
        await client.send(new PutItemCommand({ TableName: tableName, Item: usernameMarkerItem(user) }));
        expect(await getItem(keys.identityMarker(identityId))).toBeUndefined();
        return user;
      }

      it('are still found by IdentityId (marker read, then the index, then the user re-read consistently)', async () => {
        const identityId = `us-east-1:${randomUUID()}`;
        const user = await legacyUser(identityId);
        requests.reset();
        expect(await stores.users.findByIdentityId(identityId)).toEqual(user);
        expect(Object.fromEntries(requests.byCommand)).toEqual({ GetItemCommand: 2, QueryCommand: 1 });
        // An update that keeps the link keeps it findable; one that changes it moves it onto a marker.
        const renamed = nextVersion(user, { status: 'disabled' }, sampleDate(1));
        await stores.users.update(renamed);
        expect(await stores.users.findByIdentityId(identityId)).toEqual(renamed);
        const moved = nextVersion(renamed, { identityId: `us-east-1:${randomUUID()}` }, sampleDate(2));
        await stores.users.update(moved);
        expect(await stores.users.findByIdentityId(moved.identityId!)).toEqual(moved);
        expect(await stores.users.findByIdentityId(identityId)).toBeNull();
        await stores.users.delete(user.id);
      });

      it('answer null when two legacy users share one IdentityId, and a new link takes precedence', async () => {
        const identityId = `us-east-1:${randomUUID()}`;
        const first = await legacyUser(identityId);
        const second = await legacyUser(identityId);
        expect(await stores.users.findByIdentityId(identityId)).toBeNull();
        // A new link (with a marker) wins; the legacy holders can still be updated and deleted, and leave it alone.
        const newcomer = sampleUser({ identityId });
        await stores.users.create(newcomer);
        expect(await stores.users.findByIdentityId(identityId)).toEqual(newcomer);
        await expect(stores.users.create(sampleUser({ identityId }))).rejects.toBeInstanceOf(IdentityTakenError);
        await stores.users.update(nextVersion(first, { identityId: null }, sampleDate(1)));
        await stores.users.delete(second.id);
        await stores.users.delete(first.id);
        expect(await stores.users.findById(second.id)).toBeNull();
        expect(await getItem(keys.identityMarker(identityId))).toMatchObject({ userId: { S: newcomer.id } });
        expect(await stores.users.findByIdentityId(identityId)).toEqual(newcomer);
        await stores.users.delete(newcomer.id);
      });
    });

    describe('users written before emailVerified and email marker copies existed (legacy: email pointer only)', () => {
      /** The email marker as the previous version wrote it: its owner, nothing else. */
      const pointer = (email: string, userId: string) => ({
        ...keys.email(email),
        type: { S: 'email' },
        userId: { S: userId },
      });
      const put = (Item: ReturnType<typeof pointer>) => client.send(new PutItemCommand({ TableName: tableName, Item }));
      const remove = (email: string) =>
        client.send(new DeleteItemCommand({ TableName: tableName, Key: keys.email(email) }));

      /** A user as the previous version stored it: no emailVerified anywhere, a pointer for its email marker. */
      async function legacyUser() {
        const user = sampleUser();
        await stores.users.create(user);
        for (const item of [userItem(user), usernameMarkerItem(user)]) {
          delete item.emailVerified;
          await client.send(new PutItemCommand({ TableName: tableName, Item: item }));
        }
        await put(pointer(user.email!, user.id));
        expect((await getItem(keys.user(user.id)))?.emailVerified).toBeUndefined();
        return user;
      }

      it('read as unverified and are found by email (the pointer, then the user re-read consistently)', async () => {
        const user = await legacyUser();
        expect(await stores.users.findById(user.id)).toEqual({ ...user, emailVerified: false });
        expect(await stores.users.findByUsername(user.username)).toEqual(user);
        requests.reset();
        expect(await stores.users.findByEmail(user.email!)).toEqual(user);
        expect(Object.fromEntries(requests.byCommand)).toEqual({ GetItemCommand: 2 });

        // Any update, even one that keeps the address, turns the pointer into a copy: one request from then on.
        const verified = nextVersion(user, { emailVerified: true }, sampleDate(1));
        await stores.users.update(verified);
        expect(itemToUser((await getItem(keys.email(user.email!)))!)).toEqual(verified);
        requests.reset();
        expect(await stores.users.findByEmail(user.email!)).toEqual(verified);
        expect(Object.fromEntries(requests.byCommand)).toEqual({ GetItemCommand: 1 });
        await stores.users.delete(user.id);
        expect(await getItem(keys.email(user.email!))).toBeUndefined();
      });

      it('move with a changed address: the pointer is removed, the new address gets a copy', async () => {
        const user = await legacyUser();
        const moved = nextVersion(user, { email: `moved_${randomUUID()}@example.test` }, sampleDate(1));
        await stores.users.update(moved);
        expect(await getItem(keys.email(user.email!))).toBeUndefined();
        expect(await stores.users.findByEmail(user.email!)).toBeNull();
        expect(itemToUser((await getItem(keys.email(moved.email!)))!)).toEqual(moved);
        expect(await stores.users.findByEmail(moved.email!)).toEqual(moved);
        await stores.users.delete(user.id);
      });

      it('answer null when the user a pointer names no longer has that address, or is gone', async () => {
        const user = sampleUser();
        await stores.users.create(user);
        const stray = `stray_${randomUUID()}@example.test`;
        const ghost = `ghost_${randomUUID()}@example.test`;
        await put(pointer(stray, user.id));
        await put(pointer(ghost, randomUUID()));
        try {
          requests.reset();
          expect(await stores.users.findByEmail(stray)).toBeNull();
          expect(await stores.users.findByEmail(ghost)).toBeNull();
          expect(Object.fromEntries(requests.byCommand)).toEqual({ GetItemCommand: 4 });
          expect(await stores.users.findByEmail(user.email!)).toEqual(user);
        } finally {
          // The table-wide orphan check at the end of the file must not meet these hand-made markers.
          await remove(stray);
          await remove(ghost);
          await stores.users.delete(user.id);
        }
      });
    });

    it('stores dates as epoch milliseconds and the TTL in epoch seconds', async () => {
      const now = new Date();
      const key = `user:${randomUUID()}`;
      await stores.loginAttempts.recordFailure([key], now, 86_400);
      const item = await getItem(keys.throttle(key));
      expect(item?.lastFailureAt?.N).toBe(String(now.getTime()));
      expect(item?.ttl?.N).toBe(String(Math.ceil((now.getTime() + 86_400_000) / 1000)));
    });

    it('stores a guest link until its expiry (TTL) and marks it used', async () => {
      const record = {
        secretHash: `gl_${randomUUID()}`,
        identityId: `us-east-1:${randomUUID()}`,
        createdAt: new Date(),
        expiresAt: new Date(Date.now() + 2 * 3_600_000),
        usedAt: null,
      };
      await stores.guestLinks.create(record);
      const item = await getItem(keys.guestLink(record.secretHash));
      expect(item).toMatchObject({ PK: { S: `GUESTLINK#${record.secretHash}` }, SK: { S: 'GUESTLINK' } });
      expect(item?.ttl?.N).toBe(String(Math.ceil(record.expiresAt.getTime() / 1000)));
      expect(item?.usedAt).toBeUndefined();
      const now = new Date();
      expect(await stores.guestLinks.consume(record.secretHash, record.identityId, now)).toBe(true);
      expect((await getItem(keys.guestLink(record.secretHash)))?.usedAt?.N).toBe(String(now.getTime()));
    });

    it("keeps an account token by digest and the user's current one beside the user item, both until its expiry (TTL)", async () => {
      const user = sampleUser();
      await stores.users.create(user);
      const now = new Date();
      const mint = (purpose: 'password-reset' | 'email-verification') =>
        mintAccountToken({
          purpose,
          userId: user.id,
          email: purpose === 'email-verification' ? user.email : null,
          now,
          ttlSeconds: 2 * 3600,
        }).record;
      const first = mint('email-verification');
      const second = mint('email-verification');
      const reset = mint('password-reset');
      await stores.accountTokens.issue(first);
      await stores.accountTokens.issue(second);
      await stores.accountTokens.issue(reset);

      const item = await getItem(keys.accountToken(second.tokenHash));
      expect(item).toMatchObject({
        PK: { S: `ACCOUNTTOKEN#${second.tokenHash}` },
        SK: { S: 'ACCOUNTTOKEN' },
        type: { S: 'accounttoken' },
        purpose: { S: 'email-verification' },
        userId: { S: user.id },
        email: { S: user.email! },
        expiresAt: { N: String(second.expiresAt.getTime()) },
      });
      expect(item?.ttl?.N).toBe(String(Math.ceil(second.expiresAt.getTime() / 1000)));
      expect((await getItem(keys.accountToken(reset.tokenHash)))?.email).toBeUndefined();
      const pointer = await getItem(keys.userAccountToken(user.id, 'email-verification'));
      expect(pointer).toMatchObject({
        PK: { S: `USER#${user.id}` },
        SK: { S: 'ACCOUNTTOKEN#email-verification' },
        type: { S: 'useraccounttoken' },
        tokenHash: { S: second.tokenHash },
      });
      expect(pointer?.ttl?.N).toBe(String(Math.ceil(second.expiresAt.getTime() / 1000)));
      // The replaced token's item stays (inert: the pointer names another digest) until its TTL.
      expect(await getItem(keys.accountToken(first.tokenHash))).toBeDefined();
      expect(await stores.accountTokens.consume(first.tokenHash, 'email-verification', new Date())).toBeNull();

      // Consuming removes the token item and the pointer; the user's reads are undisturbed by either.
      expect(await stores.accountTokens.consume(second.tokenHash, 'email-verification', new Date())).toEqual(second);
      expect(await getItem(keys.accountToken(second.tokenHash))).toBeUndefined();
      expect(await getItem(keys.userAccountToken(user.id, 'email-verification'))).toBeUndefined();
      expect(await stores.users.findById(user.id)).toEqual(user);

      // Deleting the user sweeps its partition, the remaining pointer included: its token no longer counts.
      await stores.users.delete(user.id);
      expect(await getItem(keys.userAccountToken(user.id, 'password-reset'))).toBeUndefined();
      expect(await stores.accountTokens.consume(reset.tokenHash, 'password-reset', new Date())).toBeNull();
    });

    it('refuses to issue a token whose digest is stored for another user, changing nothing', async () => {
      const record = mintAccountToken({
        purpose: 'password-reset',
        userId: randomUUID(),
        now: sampleDate(0),
        ttlSeconds: 60,
      }).record;
      await stores.accountTokens.issue(record);
      await stores.accountTokens.issue(record); // the same record again: accepted
      const intruder = { ...record, userId: randomUUID() };
      await expect(stores.accountTokens.issue(intruder)).rejects.toBeInstanceOf(ConfigurationError);
      expect(await getItem(keys.userAccountToken(intruder.userId, 'password-reset'))).toBeUndefined();
      expect(await stores.accountTokens.consume(record.tokenHash, 'password-reset', sampleDate(1))).toEqual(record);
    });

    it('release clears usedAt and leaves unknown codes absent', async () => {
      const codeHash = `inv_${randomUUID()}`;
      await stores.invitations.create({
        codeHash,
        role: 'seller',
        createdAt: sampleDate(0),
        expiresAt: sampleDate(60),
        usedAt: null,
      });
      expect(await stores.invitations.consume(codeHash, 'seller', sampleDate(1))).toBe(true);
      expect((await getItem(keys.invitation(codeHash)))?.usedAt?.N).toBe(String(sampleDate(1).getTime()));
      await stores.invitations.release(codeHash);
      expect((await getItem(keys.invitation(codeHash)))?.usedAt).toBeUndefined();
      await stores.invitations.release(`inv_${randomUUID()}`);
      expect(await getItem(keys.invitation(`inv_${randomUUID()}`))).toBeUndefined();
    });
  });

  describe('table', () => {
    it('is created as defined, with TTL enabled, and createTable is idempotent', async () => {
      await createTable(client, tableName);
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      const definition = devauthTableDefinition(tableName);
      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(Table?.KeySchema).toEqual(definition.KeySchema);
      expect(
        Table?.GlobalSecondaryIndexes?.map((index) => [index.IndexName, index.KeySchema, index.Projection]).sort(),
      ).toEqual([
        [
          DEVAUTH_TABLE.identityIndex.name,
          definition.GlobalSecondaryIndexes?.[0]?.KeySchema,
          { ProjectionType: 'ALL' },
        ],
        [DEVAUTH_TABLE.listIndex.name, definition.GlobalSecondaryIndexes?.[1]?.KeySchema, { ProjectionType: 'ALL' }],
      ]);
      const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
      expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'ttl', TimeToLiveStatus: 'ENABLED' });
    });

    it('refuses a bad table name or a missing client before any request', () => {
      expect(() => createDynamoDbStores({ client, tableName: 'ab' })).toThrow(ConfigurationError);
      expect(() => new DynamoDbUserStore({ client, tableName: 'has space' })).toThrow(ConfigurationError);
      expect(() => new DynamoDbStores({ client: undefined as never, tableName })).toThrow(ConfigurationError);
    });

    it('reports a missing table or a table with another key schema as ConfigurationError', async () => {
      const missing = createDynamoDbStores({ client, tableName: `missing-${randomUUID()}` });
      await expect(missing.users.findByUsername('someone')).rejects.toBeInstanceOf(ConfigurationError);
      await expect(missing.users.create(sampleUser())).rejects.toBeInstanceOf(ConfigurationError);

      const otherName = `other-schema-${randomUUID()}`;
      await client.send(
        new CreateTableCommand({
          TableName: otherName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        }),
      );
      const other = createDynamoDbStores({ client, tableName: otherName });
      await expect(other.users.findById(randomUUID())).rejects.toBeInstanceOf(ConfigurationError);
      await expect(other.users.create(sampleUser())).rejects.toBeInstanceOf(ConfigurationError);
      await expect(other.refreshTokens.rotate('x', sampleRefreshToken())).rejects.toBeInstanceOf(ConfigurationError);
      await expect(other.loginAttempts.get(['user:x'])).rejects.toBeInstanceOf(ConfigurationError);
      await expect(other.invitations.consume('x', 'seller', new Date())).rejects.toBeInstanceOf(ConfigurationError);
      await expect(other.accountTokens.consume('x', 'password-reset', new Date())).rejects.toBeInstanceOf(
        ConfigurationError,
      );
    });
  });
}
