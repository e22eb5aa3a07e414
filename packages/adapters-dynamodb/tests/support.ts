import { randomUUID } from 'node:crypto';
import { DynamoDBClient, type DynamoDBClientConfig, ScanCommand } from '@aws-sdk/client-dynamodb';
import { createTable } from '@devauth/adapters-dynamodb';
import {
  type DynamoDbLocal,
  localClientConfig,
  type StartDynamoDbLocalOptions,
  startDynamoDbLocal,
} from '@devauth/adapters-dynamodb/testing';
import type { Item } from '../src/requests.js';

export type TestEngine =
  | {
      readonly available: true;
      readonly endpoint: string;
      /** The engine this file started (undefined for DYNAMODB_ENDPOINT, which the tests must not stop). */
      readonly local: DynamoDbLocal | undefined;
      stop(): Promise<void>;
    }
  | { readonly available: false; readonly reason: string; stop(): Promise<void> };

/**
 * The engine a test file runs against: `DYNAMODB_ENDPOINT` if set, else a DynamoDB Local started for this file.
 * Without an engine the file is skipped with the reason, except under CI, where it fails: a missing engine must never
 * pass silently.
 */
export async function startTestEngine(options: StartDynamoDbLocalOptions = {}): Promise<TestEngine> {
  const external = process.env.DYNAMODB_ENDPOINT;
  if (external) return { available: true, endpoint: external, local: undefined, stop: async () => {} };
  try {
    const local = await startDynamoDbLocal(options);
    return { available: true, endpoint: local.endpoint, local, stop: () => local.stop() };
  } catch (error) {
    if (process.env.CI) throw error;
    const reason = `DynamoDB Local unavailable (${(error as Error).message.split('\n')[0]}); install Java 17+ or set DYNAMODB_ENDPOINT. Set CI=true to make this a failure.`;
    console.warn(`SKIPPING DynamoDB tests: ${reason}`);
    return { available: false, reason, stop: async () => {} };
  }
}

export function newClient(endpoint: string, overrides: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({ ...localClientConfig(endpoint), ...overrides });
}

/** A fresh table (unique name, so files and external engines never share state). */
export async function newTable(client: DynamoDBClient): Promise<string> {
  const tableName = `devauth-test-${randomUUID()}`;
  await createTable(client, tableName);
  return tableName;
}

export async function scanAll(client: DynamoDBClient, tableName: string): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return items;
}
