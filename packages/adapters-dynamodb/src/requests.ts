import {
  type AttributeValue,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  type DynamoDBClient,
  QueryCommand,
  type QueryCommandInput,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { ConfigurationError, UpstreamUnavailableError } from '@devauth/core';
import {
  cancellationReasons,
  certainlyNotApplied,
  RETRY_AFTER_THROTTLED,
  toPortError,
  tracked,
  UPSTREAM,
} from './errors.js';

export type Item = Record<string, AttributeValue>;
export type Key = { PK: AttributeValue; SK: AttributeValue };

/** What every store needs: the user's client (never created here) and the table name. */
export interface DynamoDbStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /**
   * Attempts of a transaction cancelled only by contention (`TransactionConflict`) before giving up with
   * UpstreamUnavailableError (default 10). Conflicts arise when concurrent requests write the same item, e.g. a burst
   * of registrations of one username; a retry then meets the winner's committed state.
   */
  readonly maxTransactionAttempts?: number;
}

/** DynamoDB's rule for table names; checked up front so a typo is a ConfigurationError at startup, not per request. */
const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

/** Validates the options every store takes (no request is sent). */
export function assertStoreOptions(options: DynamoDbStoreOptions): void {
  if (typeof options?.client?.send !== 'function') {
    throw new ConfigurationError('DynamoDB stores need a DynamoDBClient (options.client).');
  }
  if (typeof options.tableName !== 'string' || !TABLE_NAME.test(options.tableName)) {
    throw new ConfigurationError('DynamoDB tableName must be 3-255 characters of a-z, A-Z, 0-9, "_", "-" and ".".');
  }
  const attempts = options.maxTransactionAttempts;
  if (attempts !== undefined && (!Number.isInteger(attempts) || attempts < 1)) {
    throw new ConfigurationError('maxTransactionAttempts must be a positive integer.');
  }
}

/** Runs one SDK call and turns any failure into a port error. */
export async function call<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toPortError(error, operation);
  }
}

/**
 * Every page of a strongly consistent Query, one request per page (`LastEvaluatedKey` paging): the stores read a
 * partition this way whenever its items must all be seen (a user's families, tokens or items; a family's members).
 */
export async function* queryPages(
  options: DynamoDbStoreOptions,
  operation: string,
  input: Omit<QueryCommandInput, 'TableName' | 'ConsistentRead' | 'ExclusiveStartKey'>,
): AsyncGenerator<Item[]> {
  let startKey: Item | undefined;
  do {
    const page = await call(operation, () =>
      options.client.send(
        tracked(
          new QueryCommand({
            ...input,
            TableName: options.tableName,
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      ),
    );
    yield page.Items ?? [];
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Full-jitter exponential backoff: spreads retrying contenders so they do not collide again in lockstep. */
function backoffMs(attempt: number): number {
  return Math.random() * Math.min(250, 8 * 2 ** attempt);
}

const DEFAULT_TRANSACTION_ATTEMPTS = 10;

/**
 * One TransactWriteItems. Resolves `null` when it committed, or the cancellation reason codes by item index when a
 * condition failed (`ConditionalCheckFailed` somewhere). Cancellations caused only by contention are retried with
 * backoff: each retry is a new request with a new idempotency token, as the previous attempt did not commit.
 */
export async function transactWrite(
  options: DynamoDbStoreOptions,
  operation: string,
  items: TransactWriteItem[],
): Promise<readonly string[] | null> {
  const attempts = options.maxTransactionAttempts ?? DEFAULT_TRANSACTION_ATTEMPTS;
  let lastError: unknown;
  // Whether an earlier attempt (of this loop) may have committed: then no later failure can say "not applied".
  let earlierMayHaveApplied = false;
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) await sleep(backoffMs(attempt));
    try {
      await options.client.send(tracked(new TransactWriteItemsCommand({ TransactItems: items })));
      return null;
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons?.includes('ConditionalCheckFailed')) return reasons;
      const contended =
        reasons?.includes('TransactionConflict') === true ||
        (error as Error)?.name === 'TransactionInProgressException';
      if (!contended) throw toPortError(error, operation, { earlierMayHaveApplied });
      earlierMayHaveApplied ||= !certainlyNotApplied(error);
      lastError = error;
    }
  }
  // Still contended after every attempt: the contention errors map to UpstreamUnavailableError (retry later).
  throw toPortError(lastError, operation, { earlierMayHaveApplied });
}

const MAX_BATCH_ROUNDS = 8;

/**
 * Consistent BatchGetItem of up to 100 keys of one table (one request unless DynamoDB returns UnprocessedKeys, which
 * it does under throttling; those are retried with backoff).
 */
export async function batchGet(options: DynamoDbStoreOptions, operation: string, keys: Key[]): Promise<Item[]> {
  const found: Item[] = [];
  let pending: Item[] = keys;
  for (let round = 0; pending.length > 0; round++) {
    // A read changes nothing, and DynamoDB processed none of the keys it still returns.
    if (round >= MAX_BATCH_ROUNDS) {
      throw new UpstreamUnavailableError(UPSTREAM, RETRY_AFTER_THROTTLED, { notApplied: true });
    }
    if (round > 0) await sleep(backoffMs(round));
    const output = await call(operation, () =>
      options.client.send(
        tracked(
          new BatchGetItemCommand({
            RequestItems: { [options.tableName]: { Keys: pending, ConsistentRead: true } },
          }),
        ),
      ),
    );
    found.push(...(output.Responses?.[options.tableName] ?? []));
    pending = output.UnprocessedKeys?.[options.tableName]?.Keys ?? [];
  }
  return found;
}

/** Deletes the keys in BatchWriteItem pages of 25, retrying UnprocessedItems with backoff. */
export async function batchDelete(options: DynamoDbStoreOptions, operation: string, keys: Key[]): Promise<void> {
  for (let start = 0; start < keys.length; start += 25) {
    let pending: { DeleteRequest: { Key: Item } }[] = keys
      .slice(start, start + 25)
      .map((key) => ({ DeleteRequest: { Key: key } }));
    for (let round = 0; pending.length > 0; round++) {
      // Earlier items (and pages) were deleted: not "not applied".
      if (round >= MAX_BATCH_ROUNDS) throw new UpstreamUnavailableError(UPSTREAM, RETRY_AFTER_THROTTLED);
      if (round > 0) await sleep(backoffMs(round));
      const output = await call(operation, () =>
        options.client.send(tracked(new BatchWriteItemCommand({ RequestItems: { [options.tableName]: pending } }))),
      );
      pending = (output.UnprocessedItems?.[options.tableName] ?? []).flatMap((request) =>
        request.DeleteRequest?.Key ? [{ DeleteRequest: { Key: request.DeleteRequest.Key } }] : [],
      );
    }
  }
}
