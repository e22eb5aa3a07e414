import { PutItemCommand, type PutItemCommandInput, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { type AttemptState, nextReservedState, type ThrottlePolicy } from '@devauth/core';
import { attemptStateItem, ITEM_TYPE, millis, n, s, ttlAt } from './mappers.js';
import { DEVAUTH_TABLE, keys } from './table.js';

/**
 * The two writes a throttle reservation is made of (see DynamoDbLoginAttemptStore.reserve, which sends them and
 * retries on a lost race): the optimistic increment for the states the policy certainly allows, and the
 * compare-and-set of `nextReservedState` on condition that the item still holds the state read.
 */

/** The failures below which the policy allows an attempt whatever the wait (`waitAfter` is 0 there). */
function freeAllowance(policy: ThrottlePolicy): number {
  return Math.min(policy.freeFailures, policy.maxConsecutiveFailures);
}

/** Whether `state` is one the optimistic write applies to (the same test as its condition). */
export function optimisticAllows(state: AttemptState, now: Date, policy: ThrottlePolicy): boolean {
  const last = state.lastFailureAt.getTime();
  return (
    state.consecutiveFailures < freeAllowance(policy) &&
    last > now.getTime() - policy.resetAfterIdleSeconds * 1000 &&
    last <= now.getTime()
  );
}

/** The increment for the common states (see `reserve`): absent, or below the allowance, not idle, not ahead. */
export function optimisticReservation(
  tableName: string,
  key: string,
  now: Date,
  policy: ThrottlePolicy,
  expiresAt: number,
): UpdateItemCommand {
  return new UpdateItemCommand({
    TableName: tableName,
    Key: keys.throttle(key),
    UpdateExpression:
      'SET #failures = if_not_exists(#failures, :zero) + :one, #last = :now, #ttl = :ttl, #type = :type, #key = :key',
    ConditionExpression: 'attribute_not_exists(#pk) OR (#failures < :allowance AND #last > :cutoff AND #last <= :now)',
    ExpressionAttributeNames: {
      '#pk': DEVAUTH_TABLE.partitionKey,
      '#failures': 'failures',
      '#last': 'lastFailureAt',
      '#ttl': DEVAUTH_TABLE.ttlAttribute,
      '#type': 'type',
      '#key': 'throttleKey',
    },
    ExpressionAttributeValues: {
      ':zero': n(0),
      ':one': n(1),
      ':now': millis(now),
      ':ttl': ttlAt(expiresAt),
      ':type': s(ITEM_TYPE.throttle),
      ':key': s(key),
      ':allowance': n(freeAllowance(policy)),
      ':cutoff': millis(new Date(now.getTime() - policy.resetAfterIdleSeconds * 1000)),
    },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  });
}

/** The write of `nextReservedState(state)` on condition the item still holds `state`, or 'refused'. */
export function compareAndSet(
  tableName: string,
  key: string,
  state: AttemptState | null,
  now: Date,
  policy: ThrottlePolicy,
  expiresAt: number,
): PutItemCommand | 'refused' {
  const next = nextReservedState(state, key, now, policy);
  if (next === null) return 'refused';
  const expected: Pick<
    PutItemCommandInput,
    'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
  > =
    state === null
      ? {
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': DEVAUTH_TABLE.partitionKey },
        }
      : {
          ConditionExpression: '#failures = :failures AND #last = :last',
          ExpressionAttributeNames: { '#failures': 'failures', '#last': 'lastFailureAt' },
          ExpressionAttributeValues: {
            ':failures': n(state.consecutiveFailures),
            ':last': millis(state.lastFailureAt),
          },
        };
  return new PutItemCommand({
    TableName: tableName,
    Item: attemptStateItem(next, expiresAt),
    ...expected,
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  });
}
