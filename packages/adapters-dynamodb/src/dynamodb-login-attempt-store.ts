import { DeleteItemCommand, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  type AttemptState,
  type LoginAttemptStore,
  type Reservation,
  retryAfterSeconds,
  type ThrottlePolicy,
  UpstreamUnavailableError,
} from '@devauth/core';
import {
  certainlyNotApplied,
  isConditionalCheckFailed,
  RETRY_AFTER_THROTTLED,
  toPortError,
  tracked,
  UPSTREAM,
} from './errors.js';
import { itemToAttemptState, millis, n, throttleItem, ttlAt } from './mappers.js';
import { assertStoreOptions, batchGet, call, type DynamoDbStoreOptions, type Item } from './requests.js';
import { DEVAUTH_TABLE, keys } from './table.js';
import { compareAndSet, optimisticAllows, optimisticReservation } from './throttle-reservation.js';

/** BatchGetItem's limit of keys per request. */
const BATCH_GET_LIMIT = 100;
/** Rounds of "increment, else restart" a key may lose to concurrent writers before the failure is reported. */
const RECORD_ATTEMPTS = 8;
/**
 * Writes one reservation may lose to concurrent writers of the same key before it is reported as contention
 * (UpstreamUnavailableError). A loss always means another writer's write landed in between, and a burst can only
 * land so many: the first write is an atomic increment that contention cannot make fail (it fails only once the
 * allowance is used up, and then the state it returns refuses without any write); the compare-and-set writes are
 * needed only on a key past its allowance or idle, where one write per instant can succeed before the state refuses
 * again. So 50 (or any number of) contenders settle in two or three rounds; the bound only stops a pathological
 * livelock (e.g. resets and releases racing without end).
 */
const RESERVE_ATTEMPTS = 16;

/**
 * Throttle counters (`THROTTLE#<key>`), one item per key with `failures`, `lastFailureAt` (epoch ms) and a TTL at
 * `lastFailureAt + resetAfterIdleSeconds`. Both steps of a failure are single conditional writes, so concurrent
 * failures are counted exactly: an atomic `ADD` while the key is within its idle window, else a conditional put that
 * restarts the count at one only if the item is still absent or idle.
 *
 * `reserve` cannot be one conditional write in general (a condition expression cannot compute the policy's doubling
 * wait), so it is a compare-and-set around the core's `nextReservedState`, started by an optimistic write that covers
 * the common states in one request; see {@link DynamoDbLoginAttemptStore.reserve}.
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

  /**
   * Counts one attempt against `key` if `policy` allows it at `now`, as an atomic compare-and-set:
   *
   * 1. An optimistic UpdateItem for the common states, where the policy certainly allows the attempt: the key is
   *    absent, or below its free allowance (`failures < min(freeFailures, maxConsecutiveFailures)`), not idle and not
   *    dated after `now`. It increments the count and sets `lastFailureAt = now`, exactly what `nextReservedState`
   *    gives there; concurrent increments serialize on the item, so contention alone never makes it fail. One request.
   * 2. Otherwise (a failed condition), the item's current state comes back with the failure
   *    (`ReturnValuesOnConditionCheckFailure: ALL_OLD`, no extra read) and `nextReservedState` decides: refused (the
   *    answer, nothing written), or a PutItem of the next state on condition that the item still holds exactly the
   *    state read (`failures` and `lastFailureAt`, or `attribute_not_exists`). A lost race returns the new state the
   *    same way, and the decision is made again from it.
   *
   * Requests: 1 when the key is absent or within its allowance, 1 when refused, 2 when a key past its allowance has
   * waited long enough or an idle key restarts; one more per lost race. A refused attempt costs a (failed) write, not
   * a read. Gives up after {@link RESERVE_ATTEMPTS} lost races with UpstreamUnavailableError.
   */
  async reserve(key: string, now: Date, policy: ThrottlePolicy): Promise<Reservation> {
    const windowMs = policy.resetAfterIdleSeconds * 1000;
    const expiresAt = now.getTime() + windowMs;
    let mayHaveApplied = false;
    let state: AttemptState | null | undefined;
    for (let attempt = 0; attempt < RESERVE_ATTEMPTS; attempt++) {
      // `undefined`: not known, or one the optimistic write handles (absent, or within the allowance). A new command
      // per attempt: an SDK command instance is not meant to be sent twice.
      const write =
        state === undefined
          ? optimisticReservation(this.options.tableName, key, now, policy, expiresAt)
          : compareAndSet(this.options.tableName, key, state, now, policy, expiresAt);
      if (write === 'refused') {
        return { reserved: false, retryAfterSeconds: retryAfterSeconds(state ?? null, now, policy) };
      }
      try {
        if (write instanceof PutItemCommand) await this.options.client.send(tracked(write));
        else await this.options.client.send(tracked(write));
        return { reserved: true };
      } catch (error) {
        if (!isConditionalCheckFailed(error)) {
          throw toPortError(error, 'reserve (throttle counter)', { earlierMayHaveApplied: mayHaveApplied });
        }
        mayHaveApplied ||= !certainlyNotApplied(error);
        state = await this.stateAfterFailedCondition(key, error);
        if (state === null || optimisticAllows(state, now, policy)) state = undefined;
      }
    }
    throw new UpstreamUnavailableError(UPSTREAM, RETRY_AFTER_THROTTLED, { notApplied: !mayHaveApplied });
  }

  /**
   * One UpdateItem: `ADD failures -1` on condition `failures > 0`, so it never goes below zero, keeps `lastFailureAt`
   * (and the TTL), and leaves an absent key absent.
   */
  async release(key: string): Promise<void> {
    try {
      await this.options.client.send(
        tracked(
          new UpdateItemCommand({
            TableName: this.options.tableName,
            Key: keys.throttle(key),
            UpdateExpression: 'ADD #failures :minusOne',
            ConditionExpression: '#failures > :zero',
            ExpressionAttributeNames: { '#failures': 'failures' },
            ExpressionAttributeValues: { ':minusOne': n(-1), ':zero': n(0) },
          }),
        ),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw toPortError(error, 'UpdateItem (release throttle counter)');
    }
  }

  async reset(key: string): Promise<void> {
    await call('DeleteItem (throttle counter)', () =>
      this.options.client.send(
        tracked(new DeleteItemCommand({ TableName: this.options.tableName, Key: keys.throttle(key) })),
      ),
    );
  }

  /**
   * The state the item held when a condition failed: the item returned with the failure (ALL_OLD). Without one (the
   * key vanished in between, or an engine that ignores ReturnValuesOnConditionCheckFailure) a consistent GetItem.
   */
  private async stateAfterFailedCondition(key: string, error: unknown): Promise<AttemptState | null> {
    let item = (error as { Item?: Item }).Item;
    if (item === undefined) {
      const output = await call('GetItem (throttle counter)', () =>
        this.options.client.send(
          tracked(
            new GetItemCommand({ TableName: this.options.tableName, Key: keys.throttle(key), ConsistentRead: true }),
          ),
        ),
      );
      item = output.Item;
    }
    return item === undefined ? null : { ...itemToAttemptState(item), key };
  }

  private async recordOne(key: string, now: Date, resetAfterIdleSeconds: number): Promise<void> {
    const windowMs = resetAfterIdleSeconds * 1000;
    // A state whose last failure is at or before this instant is idle (the reference store's `>=` window).
    const idleCutoff = millis(new Date(now.getTime() - windowMs));
    const expiresAt = now.getTime() + windowMs;
    const names = { '#last': 'lastFailureAt' };
    let mayHaveApplied = false;
    for (let attempt = 0; attempt < RECORD_ATTEMPTS; attempt++) {
      try {
        await this.options.client.send(
          tracked(
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
          ),
        );
        return;
      } catch (error) {
        if (!isConditionalCheckFailed(error)) {
          throw toPortError(error, 'UpdateItem (throttle counter)', { earlierMayHaveApplied: mayHaveApplied });
        }
        mayHaveApplied ||= !certainlyNotApplied(error);
      }
      // Absent or idle: restart at one, unless a concurrent writer just did (then the next increment applies).
      try {
        await this.options.client.send(
          tracked(
            new PutItemCommand({
              TableName: this.options.tableName,
              Item: throttleItem(key, now, expiresAt),
              ConditionExpression: 'attribute_not_exists(#last) OR #last <= :cutoff',
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: { ':cutoff': idleCutoff },
            }),
          ),
        );
        return;
      } catch (error) {
        if (!isConditionalCheckFailed(error)) {
          throw toPortError(error, 'PutItem (throttle counter)', { earlierMayHaveApplied: mayHaveApplied });
        }
        mayHaveApplied ||= !certainlyNotApplied(error);
      }
    }
    // Every round lost to concurrent writers: each failed condition wrote nothing.
    throw new UpstreamUnavailableError(UPSTREAM, RETRY_AFTER_THROTTLED, { notApplied: !mayHaveApplied });
  }
}
