import { DeleteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { type AttemptState, type LoginAttemptStore, UpstreamUnavailableError } from '@devauth/core';
import { isConditionalCheckFailed, RETRY_AFTER_THROTTLED, toPortError, UPSTREAM } from './errors.js';
import { itemToAttemptState, millis, n, throttleItem, ttlAt } from './mappers.js';
import { assertStoreOptions, batchGet, call, type DynamoDbStoreOptions } from './requests.js';
import { DEVAUTH_TABLE, keys } from './table.js';

/** BatchGetItem's limit of keys per request. */
const BATCH_GET_LIMIT = 100;
/** Rounds of "increment, else restart" a key may lose to concurrent writers before the failure is reported. */
const RECORD_ATTEMPTS = 8;

/**
 * Throttle counters (`THROTTLE#<key>`), one item per key with `failures`, `lastFailureAt` (epoch ms) and a TTL at
 * `lastFailureAt + resetAfterIdleSeconds`. Both steps of a failure are single conditional writes, so concurrent
 * failures are counted exactly: an atomic `ADD` while the key is within its idle window, else a conditional put that
 * restarts the count at one only if the item is still absent or idle.
 */
export class DynamoDbLoginAttemptStore implements LoginAttemptStore {
  constructor(private readonly options: DynamoDbStoreOptions) {
    assertStoreOptions(options);
  }

  /** One consistent BatchGetItem (per 100 distinct keys). States come back in the order of `keys`. */
  async get(keysToRead: readonly string[]): Promise<AttemptState[]> {
    const distinct = [...new Set(keysToRead)];
    if (distinct.length === 0) return [];
    const chunks: string[][] = [];
    for (let start = 0; start < distinct.length; start += BATCH_GET_LIMIT) {
      chunks.push(distinct.slice(start, start + BATCH_GET_LIMIT));
    }
    const pages = await Promise.all(
      chunks.map((chunk) =>
        batchGet(
          this.options,
          'BatchGetItem (throttle counters)',
          chunk.map((key) => keys.throttle(key)),
        ),
      ),
    );
    const states = new Map(
      pages
        .flat()
        .map((item) => itemToAttemptState(item))
        .map((state) => [state.key, state]),
    );
    return keysToRead.flatMap((key) => {
      const state = states.get(key);
      return state ? [state] : [];
    });
  }

  /** One conditional write per key in the common case (keys in parallel). */
  async recordFailure(keysToCount: readonly string[], now: Date, resetAfterIdleSeconds: number): Promise<void> {
    await Promise.all([...new Set(keysToCount)].map((key) => this.recordOne(key, now, resetAfterIdleSeconds)));
  }

  async reset(key: string): Promise<void> {
    await call('DeleteItem (throttle counter)', () =>
      this.options.client.send(new DeleteItemCommand({ TableName: this.options.tableName, Key: keys.throttle(key) })),
    );
  }

  private async recordOne(key: string, now: Date, resetAfterIdleSeconds: number): Promise<void> {
    const windowMs = resetAfterIdleSeconds * 1000;
    // A state whose last failure is at or before this instant is idle (the reference store's `>=` window).
    const idleCutoff = millis(new Date(now.getTime() - windowMs));
    const expiresAt = now.getTime() + windowMs;
    const names = { '#last': 'lastFailureAt' };
    for (let attempt = 0; attempt < RECORD_ATTEMPTS; attempt++) {
      try {
        await this.options.client.send(
          new UpdateItemCommand({
            TableName: this.options.tableName,
            Key: keys.throttle(key),
            UpdateExpression: 'ADD #failures :one SET #last = :now, #ttl = :ttl',
            ConditionExpression: '#last > :cutoff',
            ExpressionAttributeNames: { ...names, '#failures': 'failures', '#ttl': DEVAUTH_TABLE.ttlAttribute },
            ExpressionAttributeValues: {
              ':one': n(1),
              ':now': millis(now),
              ':ttl': ttlAt(expiresAt),
              ':cutoff': idleCutoff,
            },
          }),
        );
        return;
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw toPortError(error, 'UpdateItem (throttle counter)');
      }
      // Absent or idle: restart at one, unless a concurrent writer just did (then the next increment applies).
      try {
        await this.options.client.send(
          new PutItemCommand({
            TableName: this.options.tableName,
            Item: throttleItem(key, now, expiresAt),
            ConditionExpression: 'attribute_not_exists(#last) OR #last <= :cutoff',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ':cutoff': idleCutoff },
          }),
        );
        return;
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw toPortError(error, 'PutItem (throttle counter)');
      }
    }
    throw new UpstreamUnavailableError(UPSTREAM, RETRY_AFTER_THROTTLED);
  }
}
