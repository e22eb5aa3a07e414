import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { classifyDynamoDbError, DynamoDbErrorDetails, DynamoDbUserStore } from '@devauth/adapters-dynamodb';
import {
  ConfigurationError,
  EmailTakenError,
  UpstreamUnavailableError,
  UsernameTakenError,
  VersionConflictError,
} from '@devauth/core';
import { sampleDate, sampleRefreshToken, sampleUser } from '@devauth/core/testing';
import { describe, expect, it } from 'vitest';
import { toPortError } from '../src/errors.js';
import {
  invitationItem,
  itemToInvitation,
  itemToToken,
  itemToUser,
  MIN_RETENTION_MS,
  tokenItem,
  ttlAt,
  userItem,
  usernameMarkerItem,
} from '../src/mappers.js';

/** An SDK-shaped service error. */
function serviceError(name: string, status: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} message`), { name, $metadata: { httpStatusCode: status }, ...extra });
}

const canceled = (...codes: string[]) =>
  serviceError('TransactionCanceledException', 400, { CancellationReasons: codes.map((Code) => ({ Code })) });

/** A client whose every send fails with the errors given, in turn (the last one repeats). */
function failingClient(...errors: Error[]): { client: DynamoDBClient; calls: () => number } {
  let calls = 0;
  const client = {
    send: async () => {
      const error = errors[Math.min(calls, errors.length - 1)];
      calls++;
      throw error;
    },
  } as unknown as DynamoDBClient;
  return { client, calls: () => calls };
}

describe('error mapping', () => {
  it.each([
    ['ProvisionedThroughputExceededException', 400],
    ['ThrottlingException', 400],
    ['RequestLimitExceeded', 400],
    ['TransactionConflictException', 400],
    ['InternalServerError', 500],
    ['ServiceUnavailable', 503],
    ['SomethingNew', 502],
  ])('%s (HTTP %i) is a retryable upstream outage', (name, status) => {
    const error = toPortError(serviceError(name, status), 'GetItem');
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect((error as UpstreamUnavailableError).retryAfterSeconds).toBeGreaterThan(0);
    expect(error.cause).toBeInstanceOf(DynamoDbErrorDetails);
    expect((error.cause as DynamoDbErrorDetails).errorName).toBe(name);
  });

  it.each([
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
    new AggregateError([Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })], 'connect failed'),
    Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError' }),
  ])('network failure %#: upstream unavailable', (error) => {
    expect(classifyDynamoDbError(error)).toBe('unavailable');
  });

  it.each([
    serviceError('ValidationException', 400),
    serviceError('ResourceNotFoundException', 400),
    serviceError('AccessDeniedException', 400),
    serviceError('UnrecognizedClientException', 400),
    canceled('None', 'ValidationError'),
    new Error('Region is missing'),
  ])('misconfiguration %#: ConfigurationError', (error) => {
    expect(toPortError(error)).toBeInstanceOf(ConfigurationError);
  });

  it('maps transactions cancelled by contention or capacity to upstream unavailable', () => {
    expect(classifyDynamoDbError(canceled('TransactionConflict', 'None'))).toBe('throttled');
    expect(classifyDynamoDbError(canceled('ThrottlingError'))).toBe('throttled');
    expect(classifyDynamoDbError(canceled('ProvisionedThroughputExceeded'))).toBe('throttled');
  });

  it('keeps no PHC hash of a service message in the details', () => {
    const error = toPortError(serviceError('ValidationException', 400, { message: 'bad value $argon2id$v=19$abc' }));
    expect((error.cause as Error).message).not.toContain('argon2id');
  });
});

describe('transactions', () => {
  const tableName = 'devauth-unit';

  it('maps cancellation reasons by index to the domain error', async () => {
    const user = sampleUser();
    const cases: [Error, new (...args: never[]) => Error][] = [
      [canceled('None', 'ConditionalCheckFailed', 'None'), UsernameTakenError],
      [canceled('None', 'None', 'ConditionalCheckFailed'), EmailTakenError],
      [canceled('None', 'ConditionalCheckFailed', 'ConditionalCheckFailed'), UsernameTakenError],
      [canceled('ConditionalCheckFailed', 'None', 'None'), VersionConflictError],
    ];
    for (const [error, expected] of cases) {
      const store = new DynamoDbUserStore({ client: failingClient(error).client, tableName });
      await expect(store.create(user)).rejects.toBeInstanceOf(expected);
    }
  });

  it('retries a transaction cancelled by contention, then reports the upstream as unavailable', async () => {
    const { client, calls } = failingClient(canceled('TransactionConflict', 'None'));
    const store = new DynamoDbUserStore({ client, tableName, maxTransactionAttempts: 3 });
    await expect(store.create(sampleUser())).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(calls()).toBe(3);
  });

  it('a retry after contention that meets the winner reports the conflict it meets', async () => {
    const { client, calls } = failingClient(
      canceled('None', 'TransactionConflict'),
      canceled('None', 'ConditionalCheckFailed'),
    );
    const store = new DynamoDbUserStore({ client, tableName });
    await expect(store.create(sampleUser())).rejects.toBeInstanceOf(UsernameTakenError);
    expect(calls()).toBe(2);
  });
});

describe('mappers', () => {
  it('round-trips users (nulls, non-ASCII, millisecond dates) through the item and the login copy', () => {
    const users = [
      sampleUser({ identityId: 'us-east-1:abc', createdAt: new Date(1_767_269_000_001) }),
      sampleUser({ email: null, username: 'müller_x', status: 'disabled', passwordNormalization: 'none' }),
    ];
    for (const user of users) {
      expect(itemToUser(userItem(user))).toEqual(user);
      expect(itemToUser(usernameMarkerItem(user))).toEqual(user);
    }
    expect(userItem(users[0]!).GSI1PK?.S).toBe('IDENTITY#us-east-1:abc');
    expect(userItem(users[1]!).GSI1PK).toBeUndefined();
    expect(usernameMarkerItem(users[0]!).GSI1PK).toBeUndefined();
  });

  it('round-trips refresh tokens and reads a revoked family over any status', () => {
    const token = sampleRefreshToken({ status: 'rotated' });
    expect(itemToToken(tokenItem(token))).toEqual(token);
    expect(itemToToken(tokenItem(token, true))).toEqual({ ...token, status: 'revoked' });
  });

  it('round-trips invitations, used or not', () => {
    const unused = { codeHash: 'c', role: 'seller', createdAt: sampleDate(0), expiresAt: sampleDate(9), usedAt: null };
    expect(itemToInvitation(invitationItem(unused))).toEqual(unused);
    const used = { ...unused, usedAt: sampleDate(3) };
    expect(itemToInvitation(invitationItem(used))).toEqual(used);
  });

  it('sets the TTL at the record end, but never less than the minimum retention after the write', () => {
    const now = 1_800_000_000_000;
    expect(ttlAt(now + 86_400_000, now)).toEqual({ N: String((now + 86_400_000) / 1000) });
    expect(ttlAt(now - 1000, now)).toEqual({ N: String((now + MIN_RETENTION_MS) / 1000) });
    expect(ttlAt(now + MIN_RETENTION_MS + 1, now)).toEqual({
      N: String(Math.ceil((now + MIN_RETENTION_MS + 1) / 1000)),
    });
  });

  it('refuses a malformed item with a ConfigurationError that names the attribute, not the value', () => {
    const item = userItem(sampleUser());
    delete item.passwordHash;
    expect(() => itemToUser(item)).toThrow(ConfigurationError);
    expect(() => itemToUser(item)).toThrow(/passwordHash/);
  });
});
