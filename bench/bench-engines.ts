/**
 * The three real engines the store benchmarks run on, side by side in one process: DynamoDB Local (Java), a throwaway
 * PostgreSQL 15 cluster and PGlite (embedded). Each comes with its stores, a round-trip counter and the engine's own
 * bulk write (`rawBatchWrite`), the baseline the import benchmark holds `createMany` to.
 */
import {
  type AttributeValue,
  BatchWriteItemCommand,
  DynamoDBClient,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { createDynamoDbStores, createTable } from '@devauth/adapters-dynamodb';
import { countRequests, localClientConfig, startDynamoDbLocal, userItemsOf } from '@devauth/adapters-dynamodb/testing';
import { createPostgresStores, fromPGlite, fromPgPool, migrate, type SqlClient } from '@devauth/adapters-postgres';
import { countQueries, startPostgresCluster } from '@devauth/adapters-postgres/testing';
import type { DevauthDependencies, UserRecord } from '@devauth/core';

export type Stores = Pick<
  DevauthDependencies,
  'users' | 'refreshTokens' | 'loginAttempts' | 'invitations' | 'guestLinks' | 'accountTokens'
>;

export interface Engine {
  readonly name: string;
  readonly stores: Stores;
  /** Round trips sent since the last reset. */
  roundTrips(): number;
  resetRoundTrips(): void;
  /**
   * The same users written by the engine's own bulk write of new rows, with no outcome per user and no retry: what the
   * engine takes, for the import's ratio. Items or rows exactly as the store writes them. PostgreSQL: one multi-row
   * INSERT. DynamoDB: TransactWriteItems of full 100-action transactions with the store's `attribute_not_exists`
   * conditions, as many in flight as `createMany` keeps: a write that may not overwrite an existing username is
   * conditional, and DynamoDB performs two underlying writes per transactional item
   * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html, "Capacity management for
   * transactions"), so an unconditional BatchWriteItem is no bound an import could honestly reach.
   */
  rawBatchWrite(users: readonly UserRecord[]): Promise<void>;
  /** DynamoDB only: the same items by unconditional BatchWriteItem (overwrites anything), reported for reference. */
  unconditionalBatchWrite?(users: readonly UserRecord[]): Promise<void>;
  stop(): Promise<void>;
}

/** BatchWriteItem takes at most 25 puts (DynamoDB API reference, BatchWriteItem). */
const BATCH_WRITE_ITEMS = 25;
/** Actions in one TransactWriteItems (DynamoDB API reference, TransactWriteItems). */
const TRANSACTION_ACTIONS = 100;
/** Transactions in flight at once: as many as `createMany` keeps (adapters-dynamodb src/user-import.ts). */
const TRANSACTIONS_IN_FLIGHT = 2;
/** BatchWriteItem requests in flight: 8 x 25 = 200 items, as many items as two full transactions. */
const BATCH_WRITES_IN_FLIGHT = 8;

/** Runs `send` over the chunks, `inFlight` at a time. */
async function inParallel<T>(chunks: readonly T[], inFlight: number, send: (chunk: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) await send(chunks[next++]!);
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

/** The users' items in chunks of at most `size`, a user's items never split across two chunks. */
function chunkUsers(users: readonly UserRecord[], size: number): Record<string, AttributeValue>[][] {
  const chunks: Record<string, AttributeValue>[][] = [];
  let current: Record<string, AttributeValue>[] = [];
  for (const user of users) {
    const items = userItemsOf(user);
    if (current.length + items.length > size) {
      chunks.push(current);
      current = [];
    }
    current.push(...items);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

async function dynamoDbLocal(): Promise<Engine> {
  const local = await startDynamoDbLocal();
  const client = new DynamoDBClient(localClientConfig(local.endpoint));
  const tableName = 'devauth-bench';
  await createTable(client, tableName);
  const counter = countRequests(client);
  return {
    name: 'DynamoDB Local',
    stores: createDynamoDbStores({ client, tableName }),
    roundTrips: () => counter.total,
    resetRoundTrips: () => counter.reset(),
    rawBatchWrite: (users) =>
      inParallel(chunkUsers(users, TRANSACTION_ACTIONS), TRANSACTIONS_IN_FLIGHT, async (items) => {
        await client.send(
          new TransactWriteItemsCommand({
            TransactItems: items.map((Item) => ({
              Put: { TableName: tableName, Item, ConditionExpression: 'attribute_not_exists(PK)' },
            })),
          }),
        );
      }),
    unconditionalBatchWrite: (users) =>
      inParallel(chunkUsers(users, BATCH_WRITE_ITEMS), BATCH_WRITES_IN_FLIGHT, async (items) => {
        let pending = items;
        // Unprocessed items (throttling) are sent again, as a bulk loader must.
        while (pending.length > 0) {
          const output = await client.send(
            new BatchWriteItemCommand({
              RequestItems: { [tableName]: pending.map((Item) => ({ PutRequest: { Item } })) },
            }),
          );
          pending = (output.UnprocessedItems?.[tableName] ?? []).map((request) => request.PutRequest!.Item!);
        }
      }),
    stop: async () => {
      client.destroy();
      await local.stop();
    },
  };
}

/** The users as one multi-row INSERT, the columns `users.create` writes (no ON CONFLICT, nothing returned). */
async function insertUsers(client: SqlClient, users: readonly UserRecord[]): Promise<void> {
  const columns = 12;
  const values: unknown[] = [];
  const tuples = users.map((user, row) => {
    values.push(
      user.id,
      user.username,
      user.email,
      user.role,
      user.passwordHash,
      user.passwordNormalization,
      user.identityId,
      user.status,
      user.createdAt.toISOString(),
      user.updatedAt.toISOString(),
      user.version,
      user.emailVerified,
    );
    return `(${Array.from({ length: columns }, (_, column) => `$${row * columns + column + 1}`).join(', ')})`;
  });
  await client.query(
    'INSERT INTO devauth_users (id, username, email, role, password_hash, password_normalization, identity_id, ' +
      `status, created_at, updated_at, version, email_verified) VALUES ${tuples.join(', ')}`,
    values,
  );
}

async function postgres(): Promise<Engine> {
  const cluster = await startPostgresCluster();
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: cluster.url, max: 8 });
  const counted = countQueries(fromPgPool(pool));
  await migrate(counted.client);
  return {
    name: 'PostgreSQL 15',
    stores: createPostgresStores(counted.client),
    roundTrips: () => counted.count(),
    resetRoundTrips: () => counted.reset(),
    rawBatchWrite: (users) => insertUsers(counted.client, users),
    stop: async () => {
      await pool.end();
      await cluster.stop();
    },
  };
}

async function pglite(): Promise<Engine> {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = new PGlite();
  const counted = countQueries(fromPGlite(db));
  await migrate(counted.client);
  return {
    name: 'PGlite',
    stores: createPostgresStores(counted.client),
    roundTrips: () => counted.count(),
    resetRoundTrips: () => counted.reset(),
    rawBatchWrite: (users) => insertUsers(counted.client, users),
    stop: () => db.close(),
  };
}

/** Every engine, in the order the benchmarks run them. */
export const ENGINES: ReadonlyArray<() => Promise<Engine>> = [dynamoDbLocal, postgres, pglite];
