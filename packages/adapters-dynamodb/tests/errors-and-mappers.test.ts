import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  classifyDynamoDbError,
  DynamoDbErrorDetails,
  DynamoDbLoginAttemptStore,
  DynamoDbUserStore,
} from '@devauth/adapters-dynamodb';
import {
  ConfigurationError,
  DEFAULT_THROTTLE_POLICY,
  EmailTakenError,
  IdentityTakenError,
  UpstreamUnavailableError,
  UsernameTakenError,
  ValidationError,
  VersionConflictError,
} from '@devauth/core';
import { sampleDate, sampleRefreshToken, sampleUser } from '@devauth/core/testing';
import { describe, expect, it } from 'vitest';
import { certainlyNotApplied, toPortError, tracked } from '../src/errors.js';
import {
  accountTokenItem,
  attemptStateItem,
  emailMarkerItem,
  guestLinkItem,
  hasEmail,
  identityMarkerItem,
  invitationItem,
  isLegacyEmailMarker,
  itemToAccountToken,
  itemToAttemptState,
  itemToGuestLink,
  itemToInvitation,
  itemToSession,
  itemToToken,
  itemToUser,
  MIN_RETENTION_MS,
  tokenItem,
  ttlAt,
  userAccountTokenItem,
  userFamilyUpdate,
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

/** Node's error for a failed connect (ECONNREFUSED, ETIMEDOUT on connect) or DNS lookup. */
const socketError = (message: string, code: string, syscall: string) =>
  Object.assign(new Error(message), { code, errno: -1, syscall });
/** How @smithy/node-http-handler reports each of its timeouts, and a reset (it renames ECONNRESET a TimeoutError). */
const connectTimeout = () =>
  Object.assign(
    new Error(
      '@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 500 ms.',
    ),
    { name: 'TimeoutError' },
  );
const requestTimeout = () =>
  Object.assign(
    new Error('@smithy/node-http-handler - [ERROR] a request has exceeded the configured 1000 ms requestTimeout.'),
    { name: 'TimeoutError', code: 'ETIMEDOUT' },
  );
const resetAfterSend = () =>
  Object.assign(new Error('read ECONNRESET'), { name: 'TimeoutError', code: 'ECONNRESET', syscall: 'read' });

describe('notApplied: set only when the request certainly had no effect', () => {
  const notApplied = (error: Error) => (toPortError(error, 'PutItem') as UpstreamUnavailableError).notApplied;

  it.each([
    ['ProvisionedThroughputExceededException', serviceError('ProvisionedThroughputExceededException', 400)],
    ['ThrottlingException', serviceError('ThrottlingException', 400)],
    ['RequestLimitExceeded', serviceError('RequestLimitExceeded', 400)],
    ['HTTP 429', serviceError('SlowDown', 429)],
    ['TransactionConflictException', serviceError('TransactionConflictException', 400)],
    ['TransactionCanceled (ThrottlingError)', canceled('None', 'ThrottlingError')],
    ['TransactionCanceled (TransactionConflict)', canceled('TransactionConflict', 'None')],
    ['connection refused', socketError('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED', 'connect')],
    [
      'connection refused on every address (dual stack)',
      new AggregateError(
        [
          socketError('connect ECONNREFUSED ::1:1', 'ECONNREFUSED', 'connect'),
          socketError('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED', 'connect'),
        ],
        'connect failed',
      ),
    ],
    ['DNS failure', socketError('getaddrinfo ENOTFOUND dynamodb.invalid', 'ENOTFOUND', 'getaddrinfo')],
    ['DNS retry', socketError('getaddrinfo EAI_AGAIN dynamodb.invalid', 'EAI_AGAIN', 'getaddrinfo')],
    ['OS connect timeout', socketError('connect ETIMEDOUT 10.0.0.1:443', 'ETIMEDOUT', 'connect')],
    ['SDK connection timeout', connectTimeout()],
  ])('%s: UpstreamUnavailableError with notApplied', (_, error) => {
    const mapped = toPortError(error, 'PutItem');
    expect(mapped).toBeInstanceOf(UpstreamUnavailableError);
    expect((mapped as UpstreamUnavailableError).notApplied).toBe(true);
  });

  it.each([
    ['a request timeout (waiting for the answer)', requestTimeout()],
    ['a reset after the request was sent', resetAfterSend()],
    ['a socket hang up', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['a broken pipe while sending', socketError('write EPIPE', 'EPIPE', 'write')],
    ['InternalServerError (may or may not have succeeded)', serviceError('InternalServerError', 500)],
    ['ServiceUnavailable', serviceError('ServiceUnavailable', 503)],
    ['TransactionInProgressException', serviceError('TransactionInProgressException', 400)],
    [
      'a dual-stack connect where one address connected and reset',
      new AggregateError([socketError('connect ECONNREFUSED ::1:1', 'ECONNREFUSED', 'connect'), resetAfterSend()]),
    ],
  ])('%s: UpstreamUnavailableError, not notApplied', (_, error) => {
    const mapped = toPortError(error, 'PutItem');
    expect(mapped).toBeInstanceOf(UpstreamUnavailableError);
    expect((mapped as UpstreamUnavailableError).notApplied).toBe(false);
  });

  it('is never set when an earlier call of the operation may have been applied', () => {
    const refused = socketError('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED', 'connect');
    expect(notApplied(refused)).toBe(true);
    const mapped = toPortError(refused, 'PutItem', { earlierMayHaveApplied: true });
    expect((mapped as UpstreamUnavailableError).notApplied).toBe(false);
  });

  /** A real client whose transport fails with the given errors in turn (SDK retries included, no network). */
  function clientFailingWith(...errors: Error[]): { client: DynamoDBClient; sent: () => number } {
    let sent = 0;
    const client = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: errors.length,
      requestHandler: {
        handle: async () => {
          const error = errors[Math.min(sent, errors.length - 1)]!;
          sent++;
          throw error;
        },
      },
    });
    return { client, sent: () => sent };
  }

  const getItem = () =>
    new GetItemCommand({ TableName: 'devauth-unit', Key: { PK: { S: 'USER#x' }, SK: { S: 'USER' } } });

  it('looks at every SDK attempt: a reset after sending, retried into a refused connection, may have applied', async () => {
    const { client, sent } = clientFailingWith(
      resetAfterSend(),
      socketError('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED', 'connect'),
    );
    const error = await client.send(tracked(getItem())).catch((caught: unknown) => caught);
    expect(sent()).toBe(2);
    expect((error as { code?: string }).code).toBe('ECONNREFUSED');
    expect(certainlyNotApplied(error)).toBe(false);
    expect((toPortError(error) as UpstreamUnavailableError).notApplied).toBe(false);
  });

  it('every attempt refused or throttled: notApplied', async () => {
    const { client, sent } = clientFailingWith(
      socketError('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED', 'connect'),
      connectTimeout(),
      socketError('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED', 'connect'),
    );
    const error = await client.send(tracked(getItem())).catch((caught: unknown) => caught);
    expect(sent()).toBe(3);
    expect((toPortError(error) as UpstreamUnavailableError).notApplied).toBe(true);
  });

  it('a transaction retried on contention until exhausted: notApplied, unless an attempt may have applied', async () => {
    const conflicts = failingClient(canceled('TransactionConflict', 'None'));
    const store = new DynamoDbUserStore({
      client: conflicts.client,
      tableName: 'devauth-unit',
      maxTransactionAttempts: 3,
    });
    const error = await store.create(sampleUser()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect((error as UpstreamUnavailableError).notApplied).toBe(true);

    // The SDK's first attempt was reset after sending (it may have committed); its retry met contention, and so did
    // every adapter retry after it: the last failure alone would say "not applied", the history says otherwise.
    const uncertain = clientFailingWith(resetAfterSend(), canceled('TransactionConflict', 'None'));
    const retried = new DynamoDbUserStore({
      client: uncertain.client,
      tableName: 'devauth-unit',
      maxTransactionAttempts: 3,
    });
    const contended = await retried.create(sampleUser()).catch((caught: unknown) => caught);
    expect(contended).toBeInstanceOf(UpstreamUnavailableError);
    expect((contended as UpstreamUnavailableError).notApplied).toBe(false);
    expect(uncertain.sent()).toBe(4);
  });

  it('a reservation that keeps losing races gives up with notApplied (every lost race wrote nothing)', async () => {
    const fresh = (failures: number, last: number) => ({
      ...attemptStateItem({ key: 'user:x', consecutiveFailures: failures, lastFailureAt: new Date(last) }, last),
    });
    let round = 0;
    const client = {
      // Every write meets a state changed by someone else: past the allowance, after its wait, a different one each time.
      send: async () => {
        round++;
        throw Object.assign(new Error('The conditional request failed'), {
          name: 'ConditionalCheckFailedException',
          $metadata: { httpStatusCode: 400 },
          Item: fresh(10 + round, 0),
        });
      },
    } as unknown as DynamoDBClient;
    const store = new DynamoDbLoginAttemptStore({ client, tableName: 'devauth-unit' });
    const policy = { ...DEFAULT_THROTTLE_POLICY, maxDelaySeconds: 1 };
    const error = await store.reserve('user:x', new Date(10_000), policy).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect((error as UpstreamUnavailableError).notApplied).toBe(true);
    expect(round).toBe(16);
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

  it('tells a taken IdentityId apart by the index of its marker', async () => {
    // user, username marker, email marker, identity marker
    const linked = sampleUser({ identityId: 'us-east-1:taken' });
    const cases: [Error, new (...args: never[]) => Error][] = [
      [canceled('None', 'None', 'None', 'ConditionalCheckFailed'), IdentityTakenError],
      [canceled('None', 'None', 'ConditionalCheckFailed', 'ConditionalCheckFailed'), EmailTakenError],
      [canceled('None', 'ConditionalCheckFailed', 'None', 'ConditionalCheckFailed'), UsernameTakenError],
    ];
    for (const [error, expected] of cases) {
      const store = new DynamoDbUserStore({ client: failingClient(error).client, tableName });
      await expect(store.create(linked)).rejects.toBeInstanceOf(expected);
    }
    // Without an email the identity marker is the third item.
    const store = new DynamoDbUserStore({
      client: failingClient(canceled('None', 'None', 'ConditionalCheckFailed')).client,
      tableName,
    });
    await expect(store.create({ ...linked, email: null })).rejects.toBeInstanceOf(IdentityTakenError);
  });

  it('retries a transaction cancelled by contention, then reports the upstream as unavailable', async () => {
    const { client, calls } = failingClient(canceled('TransactionConflict', 'None'));
    const store = new DynamoDbUserStore({ client, tableName, maxTransactionAttempts: 3 });
    await expect(store.create(sampleUser())).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(calls()).toBe(3);
  });

  /** A client that answers each TransactWriteItems with `answer(call, items)`, recording what was sent. */
  function scriptedClient(answer: (call: number, items: readonly unknown[]) => Error | undefined) {
    const sent: unknown[][] = [];
    const client = {
      send: async (command: { input: { TransactItems: unknown[] } }) => {
        sent.push(command.input.TransactItems);
        const error = answer(sent.length, command.input.TransactItems);
        if (error) throw error;
        return {};
      },
    } as unknown as DynamoDBClient;
    return { client, sent };
  }
  const putKeys = (items: readonly unknown[]) =>
    items.map((item) => (item as { Put: { Item: { PK: { S: string } } } }).Put.Item.PK.S);

  it('createMany: reads CancellationReasons per user and sends the transaction again without the refused ones', async () => {
    const users = [sampleUser(), sampleUser(), sampleUser({ email: null }), sampleUser()];
    // user, username, email | user, username, email | user, username | user, username, email
    const reasons = [
      'None',
      'None',
      'None',
      'None',
      'None',
      'ConditionalCheckFailed',
      'None',
      'ConditionalCheckFailed',
    ];
    const { client, sent } = scriptedClient((call) =>
      call === 1 ? canceled(...reasons, 'ConditionalCheckFailed', 'None', 'None') : undefined,
    );
    const store = new DynamoDbUserStore({ client, tableName });
    expect(await store.createMany(users)).toEqual(['created', 'email_taken', 'username_taken', 'username_taken']);
    expect(sent).toHaveLength(2);
    expect(putKeys(sent[0]!)).toHaveLength(11);
    expect(putKeys(sent[1]!)).toEqual([
      `USER#${users[0]!.id}`,
      `USERNAME#${users[0]!.username}`,
      `EMAIL#${users[0]!.email}`,
    ]);
  });

  it('createMany: a failure after another transaction of the call committed is never notApplied', async () => {
    // 40 users with addresses: two transactions (33 + 7), sent in parallel.
    const users = Array.from({ length: 40 }, () => sampleUser());
    const throttled = () => serviceError('ProvisionedThroughputExceededException', 400);
    const partial = scriptedClient((call) => (call === 1 ? undefined : throttled()));
    const error = await new DynamoDbUserStore({ client: partial.client, tableName }).createMany(users).catch((e) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect((error as UpstreamUnavailableError).notApplied).toBe(false);
    expect(partial.sent.map((items) => items.length)).toEqual([99, 21]);

    const none = scriptedClient(() => throttled());
    const refused = await new DynamoDbUserStore({ client: none.client, tableName }).createMany(users).catch((e) => e);
    expect(refused).toBeInstanceOf(UpstreamUnavailableError);
    expect((refused as UpstreamUnavailableError).notApplied).toBe(true);
  });

  it('createMany: refuses more than createManyLimit users and users that are not new, before any request', async () => {
    const { client, sent } = scriptedClient(() => undefined);
    const store = new DynamoDbUserStore({ client, tableName });
    for (const users of [
      Array.from({ length: store.createManyLimit + 1 }, () => sampleUser()),
      [sampleUser(), sampleUser({ identityId: 'us-east-1:x' })],
      [sampleUser({ version: 2 })],
    ]) {
      await expect(store.createMany(users)).rejects.toBeInstanceOf(ValidationError);
    }
    expect(sent).toEqual([]);
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

  it('puts the listing index keys (GSI2) on the user item and the invitation item only, never on the copies', () => {
    const user = sampleUser({ username: 'zoë_1' });
    if (!hasEmail(user)) throw new Error('sampleUser has an email');
    expect(userItem(user)).toMatchObject({ GSI2PK: { S: 'USERS' }, GSI2SK: { S: 'zoë_1' } });
    for (const copy of [usernameMarkerItem(user), emailMarkerItem(user)]) {
      expect(copy.GSI2PK).toBeUndefined();
      expect(copy.GSI2SK).toBeUndefined();
    }
    const invitation = {
      codeHash: 'abc',
      role: 'seller',
      createdAt: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)),
      expiresAt: sampleDate(9),
      usedAt: null,
    };
    expect(invitationItem(invitation)).toMatchObject({
      GSI2PK: { S: 'INVITATIONS' },
      GSI2SK: { S: '2026-01-02T03:04:05.006Z#abc' },
    });
  });

  it('keeps emailVerified as a BOOL on the user item and both copies; an item without it reads as unverified', () => {
    for (const emailVerified of [false, true]) {
      const user = sampleUser({ emailVerified });
      if (!hasEmail(user)) throw new Error('sampleUser has an email');
      for (const item of [userItem(user), usernameMarkerItem(user), emailMarkerItem(user)]) {
        expect(item.emailVerified).toEqual({ BOOL: emailVerified });
        expect(itemToUser(item)).toEqual(user);
      }
    }
    // Written by the previous version: no attribute.
    const verified = userItem(sampleUser({ emailVerified: true }));
    delete verified.emailVerified;
    expect(itemToUser(verified).emailVerified).toBe(false);
    expect(itemToUser({ ...verified, emailVerified: { NULL: true } }).emailVerified).toBe(false);
    expect(() => itemToUser({ ...verified, emailVerified: { S: 'true' } })).toThrow(ConfigurationError);
  });

  it('makes the email marker a full copy of the user under EMAIL#<email>, told apart from a legacy pointer', () => {
    const user = sampleUser({ identityId: 'us-east-1:abc', emailVerified: true });
    if (!hasEmail(user)) throw new Error('sampleUser has an email');
    const marker = emailMarkerItem(user);
    expect(marker).toMatchObject({
      PK: { S: `EMAIL#${user.email}` },
      SK: { S: 'EMAIL' },
      type: { S: 'email' },
      userId: { S: user.id },
    });
    expect(marker.GSI1PK).toBeUndefined();
    expect(itemToUser(marker)).toEqual(user);
    expect(isLegacyEmailMarker(marker)).toBe(false);
    // What the previous version wrote: the owner only.
    expect(isLegacyEmailMarker({ PK: marker.PK!, SK: marker.SK!, type: marker.type!, userId: marker.userId! })).toBe(
      true,
    );
    expect(hasEmail(sampleUser({ email: null }))).toBe(false);
  });

  it('round-trips refresh tokens and reads a revoked family over any status', () => {
    const token = sampleRefreshToken({ status: 'rotated', rotatedAt: sampleDate(60) });
    expect(itemToToken(tokenItem(token))).toEqual(token);
    expect(itemToToken(tokenItem(token, true))).toEqual({ ...token, status: 'revoked' });
    const active = sampleRefreshToken();
    expect(tokenItem(active).rotatedAt).toBeUndefined();
    expect(itemToToken(tokenItem(active))).toEqual(active);
  });

  it("keeps a token's client hint as two optional attributes, absent for null", () => {
    const hinted = sampleRefreshToken({
      clientHint: { userAgent: 'Firefox on Linux', addressPrefix: '203.0.113.0/24' },
    });
    expect(tokenItem(hinted)).toMatchObject({
      clientUserAgent: { S: 'Firefox on Linux' },
      clientAddressPrefix: { S: '203.0.113.0/24' },
    });
    expect(itemToToken(tokenItem(hinted))).toEqual(hinted);
    const partial = sampleRefreshToken({ clientHint: { userAgent: null, addressPrefix: '2001:db8:1::/48' } });
    expect(tokenItem(partial).clientUserAgent).toBeUndefined();
    expect(itemToToken(tokenItem(partial))).toEqual(partial);
    const bare = sampleRefreshToken();
    expect(Object.keys(tokenItem(bare)).filter((name) => name.startsWith('client'))).toEqual([]);
    expect(itemToToken(tokenItem(bare)).clientHint).toBeNull();
    // An all-null hint has nothing to store: it reads back as no hint (the core never issues one).
    const empty = sampleRefreshToken({ clientHint: { userAgent: null, addressPrefix: null } });
    expect(itemToToken(tokenItem(empty)).clientHint).toBeNull();
  });

  it('reads a token written before rotatedAt existed as rotatedAt null', () => {
    const item = tokenItem(sampleRefreshToken({ status: 'rotated', rotatedAt: sampleDate(1) }));
    delete item.rotatedAt;
    expect(itemToToken(item).rotatedAt).toBeNull();
  });

  it('indexes a family under its user with its session, expiring with the family, by an Update that keeps createdAt', () => {
    const hint = { userAgent: 'Safari on iOS', addressPrefix: null };
    const token = sampleRefreshToken({ clientHint: hint });
    expect(userFamilyUpdate(token)).toEqual({
      Key: { PK: { S: `USER#${token.userId}` }, SK: { S: `FAMILY#${token.familyId}` } },
      UpdateExpression:
        'SET #type = :type, #familyId = :familyId, #createdAt = if_not_exists(#createdAt, :issuedAt), ' +
        '#lastUsedAt = :issuedAt, #expiresAt = :expiresAt, #ttl = :ttl, #clientUserAgent = :clientUserAgent ' +
        'REMOVE #clientAddressPrefix',
      ExpressionAttributeNames: {
        '#type': 'type',
        '#familyId': 'familyId',
        '#createdAt': 'createdAt',
        '#lastUsedAt': 'lastUsedAt',
        '#expiresAt': 'expiresAt',
        '#ttl': 'ttl',
        '#clientUserAgent': 'clientUserAgent',
        '#clientAddressPrefix': 'clientAddressPrefix',
      },
      ExpressionAttributeValues: {
        ':type': { S: 'userfamily' },
        ':familyId': { S: token.familyId },
        ':issuedAt': { N: String(token.issuedAt.getTime()) },
        ':expiresAt': { N: String(token.expiresAt.getTime()) },
        ':ttl': ttlAt(token.familyExpiresAt.getTime()),
        ':clientUserAgent': { S: 'Safari on iOS' },
      },
    });
    const revoked = userFamilyUpdate(sampleRefreshToken(), true);
    expect(revoked.UpdateExpression).toMatch(/, #familyRevoked = :true REMOVE #clientUserAgent, #clientAddressPrefix$/);
    expect(revoked.ExpressionAttributeValues[':true']).toEqual({ BOOL: true });
  });

  it('reads a family index item as a session unless revoked, expired or written before sessions were kept', () => {
    const index = {
      ...userFamilyUpdate(sampleRefreshToken()).Key,
      type: { S: 'userfamily' },
      familyId: { S: 'f1' },
      createdAt: { N: String(sampleDate(0).getTime()) },
      lastUsedAt: { N: String(sampleDate(60).getTime()) },
      expiresAt: { N: String(sampleDate(120).getTime()) },
      clientAddressPrefix: { S: '198.51.100.0/24' },
    };
    expect(itemToSession(index, sampleDate(119))).toEqual({
      familyId: 'f1',
      createdAt: sampleDate(0),
      lastUsedAt: sampleDate(60),
      expiresAt: sampleDate(120),
      clientHint: { userAgent: null, addressPrefix: '198.51.100.0/24' },
    });
    expect(itemToSession(index, sampleDate(120))).toBeNull();
    expect(itemToSession({ ...index, familyRevoked: { BOOL: true } }, sampleDate(0))).toBeNull();
    const { createdAt, lastUsedAt, expiresAt, ...legacy } = index;
    expect(itemToSession(legacy, sampleDate(0))).toBeNull();
    expect(() => itemToSession({ ...index, createdAt: { S: 'x' } }, sampleDate(0))).toThrow(/createdAt/);
  });

  it('keeps the identity marker apart from the user item and the GSI', () => {
    expect(identityMarkerItem('u1', 'us-east-1:abc')).toEqual({
      PK: { S: 'IDENTITY#us-east-1:abc' },
      SK: { S: 'IDENTITY' },
      type: { S: 'identity' },
      userId: { S: 'u1' },
      identityId: { S: 'us-east-1:abc' },
    });
    expect(identityMarkerItem('u1', 'us-east-1:abc').GSI1PK).toBeUndefined();
  });

  it('round-trips guest links, used or not, with a TTL at the expiry', () => {
    const unused = {
      secretHash: 'gl_x',
      identityId: 'us-east-1:abc',
      createdAt: sampleDate(0),
      expiresAt: sampleDate(900),
      usedAt: null,
    };
    expect(itemToGuestLink(guestLinkItem(unused))).toEqual(unused);
    expect(guestLinkItem(unused).usedAt).toBeUndefined();
    expect(guestLinkItem(unused).ttl).toEqual(ttlAt(unused.expiresAt.getTime()));
    const used = { ...unused, usedAt: sampleDate(3) };
    expect(itemToGuestLink(guestLinkItem(used))).toEqual(used);
  });

  it('round-trips account tokens, with or without an email, and points the user at the current one', () => {
    const verification = {
      tokenHash: 'emv_digest',
      purpose: 'email-verification' as const,
      userId: 'u1',
      email: 'ada@example.com',
      createdAt: sampleDate(0),
      expiresAt: sampleDate(1800),
    };
    expect(itemToAccountToken(accountTokenItem(verification))).toEqual(verification);
    expect(accountTokenItem(verification).ttl).toEqual(ttlAt(verification.expiresAt.getTime()));
    const reset = { ...verification, tokenHash: 'pwr_digest', purpose: 'password-reset' as const, email: null };
    expect(itemToAccountToken(accountTokenItem(reset))).toEqual(reset);
    expect(accountTokenItem(reset).email).toBeUndefined();
    expect(userAccountTokenItem(reset)).toEqual({
      PK: { S: 'USER#u1' },
      SK: { S: 'ACCOUNTTOKEN#password-reset' },
      type: { S: 'useraccounttoken' },
      tokenHash: { S: 'pwr_digest' },
      ttl: ttlAt(reset.expiresAt.getTime()),
    });
    expect(() => itemToAccountToken({ ...accountTokenItem(reset), purpose: { S: 'magic-link' } })).toThrow(/purpose/);
  });

  it('round-trips throttle states', () => {
    const state = { key: 'addr:1.2.3.4', consecutiveFailures: 7, lastFailureAt: sampleDate(5) };
    expect(itemToAttemptState(attemptStateItem(state, sampleDate(86_405).getTime()))).toEqual(state);
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
