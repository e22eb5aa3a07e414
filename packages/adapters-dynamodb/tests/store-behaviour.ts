import { randomUUID } from 'node:crypto';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  GetItemCommand,
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
import { ConfigurationError, nextVersion } from '@devauth/core';
import { sampleDate, sampleRefreshToken, sampleUser } from '@devauth/core/testing';
import { beforeEach, describe, expect, it } from 'vitest';
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

      requests.reset();
      expect(await stores.users.findById(user.id)).toEqual(user);
      expect(await stores.users.findByIdentityId(user.identityId!)).toEqual(user);
      expect(Object.fromEntries(requests.byCommand)).toEqual({ GetItemCommand: 1, QueryCommand: 1 });
    });

    it('an unknown username costs one request too', async () => {
      expect(await stores.users.findByUsername(`nobody_${randomUUID()}`)).toBeNull();
      expect(requests.total).toBe(1);
    });

    it('update is a consistent read plus one transaction', async () => {
      const user = sampleUser();
      await stores.users.create(user);
      requests.reset();
      await stores.users.update(nextVersion(user, { username: `renamed_${randomUUID()}` }, sampleDate(1)));
      expect(Object.fromEntries(requests.byCommand)).toEqual({ GetItemCommand: 1, TransactWriteItemsCommand: 1 });
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

    it('stores dates as epoch milliseconds and the TTL in epoch seconds', async () => {
      const now = new Date();
      const key = `user:${randomUUID()}`;
      await stores.loginAttempts.recordFailure([key], now, 86_400);
      const item = await getItem(keys.throttle(key));
      expect(item?.lastFailureAt?.N).toBe(String(now.getTime()));
      expect(item?.ttl?.N).toBe(String(Math.ceil((now.getTime() + 86_400_000) / 1000)));
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
      expect(Table?.GlobalSecondaryIndexes?.map((index) => [index.IndexName, index.KeySchema])).toEqual([
        [DEVAUTH_TABLE.identityIndex.name, definition.GlobalSecondaryIndexes?.[0]?.KeySchema],
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
    });
  });
}
