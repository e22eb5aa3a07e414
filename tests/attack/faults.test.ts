/**
 * Faults of the peers devauth depends on, through the real handlers over real adapters: PostgreSQL 15 stopped or
 * stalled, DynamoDB Local reset or stalled, the identity-pool emulator throttling or failing, Cognito unreachable.
 *
 * For each: the handler answers 503 with an integer Retry-After and the documented body; the attempts against the
 * failing peer (counted at a TCP proxy in front of it, or by the emulator) equal the configured budget; the answer
 * comes within a bound derived from the configured timeouts; afterwards the store, read directly, holds no partial
 * state; and the same request succeeds once the fault is gone.
 */
import './support/log-capture.js';
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { createCognitoIdentityBroker } from '@devauth/adapters-cognito';
import { createDynamoDbStores, devauthTableDefinition } from '@devauth/adapters-dynamodb';
import { type DynamoDbLocal, localClientConfig, startDynamoDbLocal } from '@devauth/adapters-dynamodb/testing';
import { createPostgresStores, fromPGlite, fromPgPool, migrate, type SqlClient } from '@devauth/adapters-postgres';
import { type PostgresCluster, startPostgresCluster } from '@devauth/adapters-postgres/testing';
import { digestSecretToken, type UserStore } from '@devauth/core';
import { FakeIdentityBroker } from '@devauth/core/testing';
import type { ApiGatewayProxyResult } from '@devauth/lambda-handlers';
import { type IdentityPoolEmulator, startIdentityPoolEmulator } from '@devauth/local';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTACK_FULL } from './support/attack-config.js';
import {
  type AttackApp,
  createAttackApp,
  newPassword,
  POOL_ID,
  parse,
  rememberSession,
  v1Event,
  v2Event,
} from './support/auth-app.js';
import { closedPort, type FaultProxy, startFaultProxy } from './support/fault-proxy.js';
import { freshAddress } from './support/gateway-events.js';
import { rememberedSecretCount, rememberSecrets } from './support/log-capture.js';

/** Repetitions of each fault (the full suite repeats them to catch state that leaks from one failure to the next). */
const ROUNDS = ATTACK_FULL ? 3 : 1;

const UNAVAILABLE_BODY = {
  error: { code: 'UPSTREAM_UNAVAILABLE', message: 'The service is temporarily unavailable; retry later.' },
};

/** Runs a handler call, timing it. */
async function timed(
  call: () => Promise<ApiGatewayProxyResult>,
): Promise<{ result: ApiGatewayProxyResult; ms: number }> {
  const started = performance.now();
  const result = await call();
  return { result, ms: performance.now() - started };
}

/** 503, an integer Retry-After (the expected one), the documented body, within the bound. */
function expectUnavailable(
  outcome: { result: ApiGatewayProxyResult; ms: number },
  retryAfter: number,
  boundMs: number,
) {
  expect(outcome.result.statusCode, outcome.result.body).toBe(503);
  expect(outcome.result.headers['retry-after']).toMatch(/^\d+$/);
  expect(Number(outcome.result.headers['retry-after'])).toBe(retryAfter);
  expect(parse(outcome.result)).toEqual(UNAVAILABLE_BODY);
  expect(outcome.ms).toBeLessThan(boundMs);
}

/** What every fault section needs to drive the three flows and look at the store afterwards. */
interface Flows {
  readonly app: AttackApp;
  readonly users: UserStore;
}

async function registerUser(flows: Flows, username: string, extra: Record<string, unknown> = {}) {
  const password = newPassword(username);
  // A fresh address each time: the suite registers far more users than one address may (registrationRateLimit).
  const result = await flows.app.handlers.register(
    v2Event({ path: '/auth/register', body: { username, password, ...extra }, sourceIp: freshAddress() }),
  );
  if (result.statusCode === 201) rememberSecrets((await flows.users.findByUsername(username))?.passwordHash);
  return { result, password };
}

async function loginUser(flows: Flows, username: string, password: string, make = v2Event) {
  const result = await flows.app.handlers.login(make({ body: { username, password } }));
  if (result.statusCode === 200) rememberSession(parse(result));
  return result;
}

async function refreshToken(flows: Flows, token: string, make = v2Event) {
  const result = await flows.app.handlers.refresh(make({ path: '/auth/refresh', body: { refreshToken: token } }));
  if (result.statusCode === 200) rememberSession(parse(result));
  return result;
}

/** A registered user with a live session, made while the peer is healthy. */
async function existingUser(flows: Flows, username: string) {
  const { result, password } = await registerUser(flows, username);
  expect(result.statusCode).toBe(201);
  const login = await loginUser(flows, username, password);
  expect(login.statusCode).toBe(200);
  return { username, password, refreshToken: parse(login).refreshToken as string };
}

let counter = 0;
const uniqueName = (prefix: string) => `${prefix}${++counter}x${Math.random().toString(36).slice(2, 6)}`;

// ---------------------------------------------------------------------------------------------------------------------
// PostgreSQL 15 (a throwaway cluster), reached through the fault proxy.

/** The adapter retries nothing: one statement, one attempt. The budget of a flow is its number of statements. */
const PG_TIMEOUTS = { connectionTimeoutMillis: 400, query_timeout: 500 } as const;
const PG_BOUND_MS = 3_000;
/** The adapter's hint for an unreachable or timed-out server (errors.ts, UPSTREAM postgres). */
const PG_RETRY_AFTER = 5;

async function provideCluster(): Promise<PostgresCluster | undefined> {
  try {
    return await startPostgresCluster();
  } catch (error) {
    if (process.env.CI) throw error;
    console.warn(`SKIPPING the PostgreSQL fault tests (set CI=1 to fail instead): ${String(error)}`);
    return undefined;
  }
}

async function provideDynamo(): Promise<DynamoDbLocal | undefined> {
  try {
    return await startDynamoDbLocal();
  } catch (error) {
    if (process.env.CI) throw error;
    console.warn(`SKIPPING the DynamoDB fault tests (set CI=1 to fail instead): ${String(error)}`);
    return undefined;
  }
}

// The engines start together: each takes seconds, and nothing orders them. If one fails (under CI), the others are
// stopped before the failure is reported, so no engine outlives the file.
const engines = await Promise.allSettled([provideCluster(), provideDynamo()]);
if (engines.some((engine) => engine.status === 'rejected')) {
  const [pgResult, dynamoResult] = engines;
  if (pgResult.status === 'fulfilled') await pgResult.value?.stop();
  if (dynamoResult.status === 'fulfilled') await dynamoResult.value?.stop();
  throw (engines.find((engine) => engine.status === 'rejected') as PromiseRejectedResult).reason;
}
const [cluster, dynamo] = engines.map((engine) => (engine as PromiseFulfilledResult<unknown>).value) as [
  PostgresCluster | undefined,
  DynamoDbLocal | undefined,
];
// The cluster serves the PostgreSQL faults and the stores of the Cognito faults: stopped when the file is done.
afterAll(async () => {
  await cluster?.stop();
  await dynamo?.stop();
});

describe.skipIf(!cluster)('PostgreSQL 15 faults', () => {
  let proxy: FaultProxy;
  let pool: pg.Pool;
  let direct: pg.Pool;
  let flows: Flows;
  beforeAll(async () => {
    proxy = await startFaultProxy({ targetHost: '127.0.0.1', targetPort: cluster!.port, protocol: 'postgres' });
    pool = new pg.Pool({
      connectionString: `postgresql://postgres@${proxy.host}/postgres`,
      max: 4,
      idleTimeoutMillis: 60_000,
      ...PG_TIMEOUTS,
    });
    direct = new pg.Pool({ connectionString: cluster!.url, max: 2 });
    // pg requires listeners: idle connections report an error when the server goes away under them.
    pool.on('error', () => {});
    direct.on('error', () => {});
    await migrate(fromPgPool(direct));
    const stores = createPostgresStores(fromPgPool(pool));
    flows = { app: createAttackApp(stores, new FakeIdentityBroker({ identityPoolId: POOL_ID })), users: stores.users };
  });
  afterAll(async () => {
    await pool?.end();
    await direct?.end();
    await proxy?.close();
  });

  /** Checks the store directly (not through the proxy): the failed calls left nothing behind. */
  async function expectNoPartialState(
    failedUsername: string,
    existing: { username: string; refreshToken: string },
    tokensBefore: number,
  ) {
    const users = await direct.query('SELECT 1 FROM devauth_users WHERE username = $1', [failedUsername]);
    expect(users.rows).toHaveLength(0);
    const user = await direct.query<{ id: string }>('SELECT id FROM devauth_users WHERE username = $1', [
      existing.username,
    ]);
    const tokens = await direct.query<{ status: string }>(
      'SELECT status FROM devauth_refresh_tokens WHERE user_id = $1',
      [user.rows[0]!.id],
    );
    // No session was started by the failed login, and the failed refresh neither rotated nor revoked anything.
    expect(tokens.rows).toHaveLength(tokensBefore);
    const token = await direct.query<{ status: string; revoked: boolean }>(
      `SELECT status, EXISTS (SELECT 1 FROM devauth_revoked_token_families f WHERE f.family_id = t.family_id) AS revoked
         FROM devauth_refresh_tokens t WHERE token_hash = $1`,
      [digestSecretToken(existing.refreshToken)],
    );
    expect(token.rows[0]).toEqual({ status: 'active', revoked: false });
    // A failed login of a correct password is not a failed attempt: no throttle counter was written.
    const attempts = await direct.query('SELECT 1 FROM devauth_login_attempts WHERE key LIKE $1', [
      `%${existing.username}%`,
    ]);
    expect(attempts.rows).toHaveLength(0);
  }

  async function countTokens(username: string): Promise<number> {
    const { rows } = await direct.query(
      'SELECT 1 FROM devauth_refresh_tokens t JOIN devauth_users u ON u.id = t.user_id WHERE u.username = $1',
      [username],
    );
    return rows.length;
  }

  /** Opens `n` pooled connections so the next statements travel over live connections (and are counted). */
  async function warm(n: number) {
    await Promise.all(Array.from({ length: n }, () => pool.query('SELECT pg_sleep(0.05)')));
  }

  async function recovers(existing: { username: string; password: string; refreshToken: string }, newcomer: string) {
    expect((await registerUser(flows, newcomer)).result.statusCode).toBe(201);
    expect((await loginUser(flows, existing.username, existing.password)).statusCode).toBe(200);
    const refreshed = await refreshToken(flows, existing.refreshToken);
    expect(refreshed.statusCode).toBe(200);
  }

  it('store slow (the proxy stalls every byte): 503 after query_timeout, one attempt per statement, nothing written', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const existing = await existingUser(flows, uniqueName('pgslow'));
      const tokensBefore = await countTokens(existing.username);
      const newcomer = uniqueName('pgslownew');
      const password = newPassword(newcomer);
      const flowsToFail: Array<[string, () => Promise<ApiGatewayProxyResult>, number]> = [
        [
          'register',
          () =>
            flows.app.handlers.register(v2Event({ path: '/auth/register', body: { username: newcomer, password } })),
          1,
        ],
        // The attempt is reserved on the username and address keys while the user is read, in parallel: three
        // statements, one round trip.
        ['login', () => loginUser(flows, existing.username, existing.password, v1Event), 3],
        ['refresh', () => refreshToken(flows, existing.refreshToken), 1],
      ];
      for (const [name, call, statements] of flowsToFail) {
        await warm(statements);
        proxy.resetCounters();
        proxy.mode = 'stall';
        const outcome = await timed(call);
        await proxy.settled();
        proxy.mode = 'pass';
        expectUnavailable(outcome, PG_RETRY_AFTER, PG_BOUND_MS);
        expect(outcome.ms, name).toBeGreaterThanOrEqual(PG_TIMEOUTS.query_timeout - 50);
        expect(proxy.attempts, `${name}: statements sent`).toBe(statements);
        expect(proxy.connections, `${name}: no reconnect behind the caller's back`).toBe(0);
      }
      await expectNoPartialState(newcomer, existing, tokensBefore);
      await recovers(existing, newcomer);
    }
  });

  it('store slow but within the timeouts (60 ms per chunk): every flow succeeds', async () => {
    const existing = await existingUser(flows, uniqueName('pglag'));
    proxy.delayMs = 60;
    try {
      await recovers(existing, uniqueName('pglagnew'));
    } finally {
      proxy.delayMs = 0;
    }
  });

  it('store down (server stopped): 503 at once, one connection attempt per statement, nothing written', async () => {
    const existing = await existingUser(flows, uniqueName('pgdown'));
    const tokensBefore = await countTokens(existing.username);
    const newcomer = uniqueName('pgdownnew');
    const password = newPassword(newcomer);
    await cluster!.stopServer();
    try {
      // Idle pooled connections die with the server; let the pool notice before counting.
      await proxy.settled();
      for (let round = 0; round < ROUNDS; round++) {
        const flowsToFail: Array<[string, () => Promise<ApiGatewayProxyResult>, number]> = [
          [
            'register',
            () =>
              flows.app.handlers.register(v1Event({ path: '/auth/register', body: { username: newcomer, password } })),
            1,
          ],
          ['login', () => loginUser(flows, existing.username, existing.password), 3],
          ['refresh', () => refreshToken(flows, existing.refreshToken, v1Event), 1],
        ];
        for (const [name, call, statements] of flowsToFail) {
          proxy.resetCounters();
          const outcome = await timed(call);
          await proxy.settled();
          expectUnavailable(outcome, PG_RETRY_AFTER, PG_BOUND_MS);
          // The server refuses the connection: the statement never goes out, each one costs one connection attempt.
          expect(proxy.connections, `${name}: connection attempts`).toBe(statements);
          expect(proxy.attempts, name).toBe(0);
        }
      }
    } finally {
      await cluster!.startServer();
    }
    await expectNoPartialState(newcomer, existing, tokensBefore);
    await recovers(existing, newcomer);
  });

  it('a register whose user write is reset mid-flow keeps its invitation spent (it may have committed)', async () => {
    const code = (await flows.app.devauth.createInvitation.execute({ role: 'seller' })).code;
    rememberSecrets(code);
    const username = uniqueName('pginvite');
    const password = newPassword(username);
    const register = () =>
      flows.app.handlers.register(
        v2Event({ path: '/auth/register', body: { username, password, role: 'seller', invitationCode: code } }),
      );
    await warm(1);
    proxy.resetCounters();
    // Statement 1 reserves a registration of the address, statement 2 consumes the invitation, statement 3 (the
    // INSERT of the user) has its connection reset after it went out: the server may have committed it, so the
    // invitation is not given back (releasing it could let one code register two accounts).
    proxy.resetAttempt(3);
    const outcome = await timed(register);
    await proxy.settled();
    expectUnavailable(outcome, PG_RETRY_AFTER, PG_BOUND_MS);
    expect(proxy.attempts).toBe(3);
    expect((await direct.query('SELECT 1 FROM devauth_users WHERE username = $1', [username])).rows).toHaveLength(0);
    const invitation = await direct.query<{ used_at: Date | null }>(
      'SELECT used_at FROM devauth_invitations WHERE code_hash = $1',
      [digestSecretToken(code)],
    );
    expect(invitation.rows[0]?.used_at).toBeInstanceOf(Date);
    // The same request is refused now: the code stays spent.
    const retried = await register();
    expect(retried.statusCode).toBe(403);
    expect(parse(retried)).toMatchObject({ error: { code: 'ROLE_NOT_ALLOWED' } });
    expect((await direct.query('SELECT 1 FROM devauth_users WHERE username = $1', [username])).rows).toHaveLength(0);
  });

  it('a register refused by the store before anything was written (username taken) gives its invitation back', async () => {
    const code = (await flows.app.devauth.createInvitation.execute({ role: 'seller' })).code;
    rememberSecrets(code);
    const taken = (await existingUser(flows, uniqueName('pgtaken'))).username;
    const password = newPassword(taken);
    const register = (username: string) =>
      flows.app.handlers.register(
        v2Event({ path: '/auth/register', body: { username, password, role: 'seller', invitationCode: code } }),
      );
    expect((await register(taken)).statusCode).toBe(409);
    const retried = await register(uniqueName('pgfree'));
    expect(retried.statusCode).toBe(201);
    expect(parse(retried)).toMatchObject({ user: { role: 'seller' } });
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// DynamoDB Local, reached through the fault proxy, with the SDK client configured small.

const DYNAMO_ATTEMPTS = 2;
const DYNAMO_CLIENT = {
  maxAttempts: DYNAMO_ATTEMPTS,
  requestHandler: { connectionTimeout: 300, requestTimeout: 400, throwOnRequestTimeout: true },
} as const;
const DYNAMO_BOUND_MS = 4_000;
/** The adapter's hint for an unreachable or timed-out engine (errors.ts RETRY_AFTER_UNAVAILABLE). */
const DYNAMO_RETRY_AFTER = 2;

describe.skipIf(!dynamo)('DynamoDB Local faults', () => {
  let proxy: FaultProxy;
  let healthy: DynamoDBClient;
  let tableName: string;
  const clients: DynamoDBClient[] = [];
  beforeAll(async () => {
    proxy = await startFaultProxy({ targetHost: '127.0.0.1', targetPort: dynamo!.port, protocol: 'http' });
    healthy = new DynamoDBClient(localClientConfig(dynamo!.endpoint));
    tableName = `devauth-attack-${Math.random().toString(36).slice(2, 10)}`;
    await healthy.send(new CreateTableCommand(devauthTableDefinition(tableName)));
    // A cold engine (JIT) can take longer than the small request timeout below: warm every kind of call first.
    const warmUp = flowsVia(dynamo!.endpoint, {});
    await existingUser(warmUp, uniqueName('ddbwarm'));
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    healthy?.destroy();
    await proxy?.close();
  });

  /** Fresh client per test: the SDK's retry quota is per client, and must not run dry across tests. */
  function flowsVia(endpoint: string, config: Partial<typeof DYNAMO_CLIENT> = DYNAMO_CLIENT): Flows {
    const client = new DynamoDBClient({ ...localClientConfig(endpoint), ...config });
    clients.push(client);
    const stores = createDynamoDbStores({ client, tableName });
    return { app: createAttackApp(stores, new FakeIdentityBroker({ identityPoolId: POOL_ID })), users: stores.users };
  }

  /** Partition keys of the items whose PK starts with `prefix` (and whose SK is `sortKey`, when given). */
  async function items(prefix: string, sortKey?: string): Promise<string[]> {
    const keys: string[] = [];
    let start: Record<string, never> | undefined;
    do {
      const page = await healthy.send(
        new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }),
      );
      for (const item of page.Items ?? []) {
        if (item.PK?.S?.startsWith(prefix) && (sortKey === undefined || item.SK?.S === sortKey)) keys.push(item.PK.S);
      }
      start = page.LastEvaluatedKey as Record<string, never> | undefined;
    } while (start);
    return keys;
  }

  async function expectNoPartialState(
    failedUsername: string,
    existing: { username: string; refreshToken: string },
    tokensBefore: string[],
  ) {
    // No user item, no username marker: the name is free.
    expect(await items(`USERNAME#${failedUsername}`)).toEqual([]);
    const user = (await flowsVia(dynamo!.endpoint).users.findByUsername(existing.username))!;
    // One user item (its partition also indexes the user's session families), one username marker per user.
    expect(await items(`USER#${user.id}`, 'USER')).toHaveLength(1);
    expect((await items('USER#', 'USER')).length).toBe((await items('USERNAME#')).length);
    // No session started, nothing rotated or revoked.
    expect(await items('TOKEN#')).toEqual(tokensBefore);
    const token = await createDynamoDbStores({ client: healthy, tableName }).refreshTokens.find(
      digestSecretToken(existing.refreshToken),
    );
    expect(token?.status).toBe('active');
    expect(await items(`THROTTLE#user:${existing.username}`)).toEqual([]);
  }

  async function run(mode: 'stall' | 'reset', label: string) {
    const flows = flowsVia(`http://${proxy.host}`);
    for (let round = 0; round < ROUNDS; round++) {
      const existing = await existingUser(flows, uniqueName(label));
      const tokensBefore = await items('TOKEN#');
      const newcomer = uniqueName(`${label}new`);
      const password = newPassword(newcomer);
      const flowsToFail: Array<[string, () => Promise<ApiGatewayProxyResult>, number]> = [
        // One TransactWriteItems of the user and its markers.
        [
          'register',
          () =>
            flows.app.handlers.register(v2Event({ path: '/auth/register', body: { username: newcomer, password } })),
          1,
        ],
        // The reservations of the username and address keys (each starts with a read of its counter) and the
        // username lookup, in parallel.
        ['login', () => loginUser(flows, existing.username, existing.password, v1Event), 3],
        ['refresh', () => refreshToken(flows, existing.refreshToken), 1],
      ];
      for (const [name, call, calls] of flowsToFail) {
        proxy.resetCounters();
        proxy.mode = mode;
        const outcome = await timed(call);
        await proxy.settled();
        proxy.mode = 'pass';
        expectUnavailable(outcome, DYNAMO_RETRY_AFTER, DYNAMO_BOUND_MS);
        expect(proxy.attempts, `${name}: requests`).toBe(calls * DYNAMO_ATTEMPTS);
      }
      await expectNoPartialState(newcomer, existing, tokensBefore);
      expect((await registerUser(flows, newcomer)).result.statusCode).toBe(201);
      expect((await loginUser(flows, existing.username, existing.password)).statusCode).toBe(200);
      expect((await refreshToken(flows, existing.refreshToken)).statusCode).toBe(200);
    }
  }

  it('store slow (stalled): 503 after the request timeout, maxAttempts requests per call, nothing written', async () => {
    await run('stall', 'ddbslow');
  });

  it('store down (every connection reset): 503 at once, maxAttempts requests per call, nothing written', async () => {
    await run('reset', 'ddbdown');
  });

  it('store down (client pointed at a closed port): 503 within the bound, nothing written', async () => {
    const flows = flowsVia(`http://127.0.0.1:${await closedPort()}`);
    const username = uniqueName('ddbclosed');
    const password = newPassword(username);
    const outcome = await timed(() =>
      flows.app.handlers.register(v2Event({ path: '/auth/register', body: { username, password } })),
    );
    expectUnavailable(outcome, DYNAMO_RETRY_AFTER, DYNAMO_BOUND_MS);
    expect(await items(`USERNAME#${username}`)).toEqual([]);
    const login = await timed(() => loginUser(flows, username, password));
    expectUnavailable(login, DYNAMO_RETRY_AFTER, DYNAMO_BOUND_MS);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Cognito: the identity-pool emulator's fault injection, and a broker that cannot reach it at all.

const TOKEN_OP = 'GetOpenIdTokenForDeveloperIdentity';
const COGNITO_ATTEMPTS = 3;
const COGNITO_HANDLER = { connectionTimeout: 300, requestTimeout: 400, throwOnRequestTimeout: true } as const;
const COGNITO_BOUND_MS = 6_000;
const PROVIDER = 'login.faults.test';

describe('Cognito faults (identity-pool emulator, PostgreSQL stores)', () => {
  let emulator: IdentityPoolEmulator;
  let poolId: string;
  /** The stores' database, read directly for the partial-state checks. */
  let db: SqlClient;
  let closeDb: () => Promise<void>;
  let stores: ReturnType<typeof createPostgresStores>;
  let proxy: FaultProxy;
  const brokers: Array<{ close(): void }> = [];
  beforeAll(async () => {
    emulator = await startIdentityPoolEmulator();
    poolId = emulator.createPool({ developerProviderName: PROVIDER }).identityPoolId;
    // The cluster of this file when there is one (already warm); PGlite otherwise (embedded, seconds to start).
    if (cluster) {
      const sqlPool = new pg.Pool({ connectionString: cluster.url, max: 2 });
      sqlPool.on('error', () => {});
      db = fromPgPool(sqlPool);
      closeDb = () => sqlPool.end();
    } else {
      const embedded = await PGlite.create();
      db = fromPGlite(embedded);
      closeDb = () => embedded.close();
    }
    const client = db;
    await migrate(client);
    stores = createPostgresStores(client);
    proxy = await startFaultProxy({ targetHost: '127.0.0.1', targetPort: emulator.port, protocol: 'http' });
  });
  afterAll(async () => {
    for (const broker of brokers) broker.close();
    await proxy?.close();
    await emulator?.stop();
    await closeDb?.();
  });

  /** Handlers over the PostgreSQL stores and a fresh Cognito broker (own SDK client, own retry quota). */
  function flowsVia(endpoint: string, retryAfterSeconds?: { throttled?: number; unavailable?: number }): Flows {
    const broker = createCognitoIdentityBroker({
      ...(retryAfterSeconds ? { retryAfterSeconds } : {}),
      identityPoolId: poolId,
      developerProviderName: PROVIDER,
      maxAttempts: COGNITO_ATTEMPTS,
      clientConfig: {
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'backend', secretAccessKey: 'backend-secret-key' },
        requestHandler: COGNITO_HANDLER,
      },
    });
    brokers.push(broker);
    return { app: createAttackApp(stores, broker, { identityPoolId: poolId }), users: stores.users };
  }

  async function sessionRows(userId: string) {
    const { rows } = await db.query<{ token_hash: string; status: string }>(
      'SELECT token_hash, status FROM devauth_refresh_tokens WHERE user_id = $1 ORDER BY token_hash',
      [userId],
    );
    return rows;
  }

  /** A registered user that never logged in (so a failed first login must not link an identity either). */
  async function newUser(flows: Flows, label: string) {
    const username = uniqueName(label);
    const { result, password } = await registerUser(flows, username);
    expect(result.statusCode).toBe(201);
    return { username, password, id: (await flows.users.findByUsername(username))!.id };
  }

  /** Login and refresh fail with the fault; the store and the emulator show no trace; then both succeed. */
  async function faultedFlows(
    flows: Flows,
    label: string,
    fault: { inject(): void; clear(): void },
    expected: { retryAfter: number; attempts: () => number },
  ) {
    for (let round = 0; round < ROUNDS; round++) {
      const user = await newUser(flows, label);
      fault.inject();
      const login = await timed(() => loginUser(flows, user.username, user.password));
      expectUnavailable(login, expected.retryAfter, COGNITO_BOUND_MS);
      expect(expected.attempts(), 'login: attempts').toBe(COGNITO_ATTEMPTS);
      expect(await sessionRows(user.id)).toEqual([]);
      const stored = (await flows.users.findByUsername(user.username))!;
      expect(stored.identityId).toBeNull();
      expect(emulator.pools.identityOfDeveloperUser(poolId, user.id)).toBeUndefined();
      expect(
        (await db.query('SELECT 1 FROM devauth_login_attempts WHERE key LIKE $1', [`%${user.username}%`])).rows,
      ).toEqual([]);
      // Registration never calls Cognito: it keeps working through the outage, and adds no attempt.
      expect((await registerUser(flows, uniqueName(`${label}reg`))).result.statusCode).toBe(201);
      expect(expected.attempts(), 'register: no attempt').toBe(COGNITO_ATTEMPTS);

      // Recovered: the same login works; then a refresh meets the same fault and burns nothing.
      fault.clear();
      const recovered = await loginUser(flows, user.username, user.password);
      expect(recovered.statusCode).toBe(200);
      const token = parse(recovered).refreshToken as string;
      const before = await sessionRows(user.id);
      fault.inject();
      const refresh = await timed(() => refreshToken(flows, token, v1Event));
      expectUnavailable(refresh, expected.retryAfter, COGNITO_BOUND_MS);
      expect(expected.attempts(), 'refresh: attempts').toBe(COGNITO_ATTEMPTS);
      expect(await sessionRows(user.id)).toEqual(before);
      expect(before).toEqual([{ token_hash: digestSecretToken(token), status: 'active' }]);
      fault.clear();
      expect((await refreshToken(flows, token)).statusCode).toBe(200);
    }
  }

  it('Cognito throttling (TooManyRequestsException): 503 Retry-After 1 after maxAttempts calls, no session, no identity', async () => {
    const flows = flowsVia(emulator.endpoint);
    await faultedFlows(
      flows,
      'throttled',
      {
        inject: () => {
          emulator.requests.clear();
          emulator.faults.failNext(TOKEN_OP, 'TooManyRequestsException', COGNITO_ATTEMPTS);
        },
        clear: () => emulator.faults.clear(),
      },
      { retryAfter: 1, attempts: () => emulator.requests.count(TOKEN_OP) },
    );
  });

  it("Cognito throttling with the service's own Retry-After: the SDK waits it out between attempts, the client gets it", async () => {
    // The broker's own hint for throttling is 4 s here, so the 1 s that reaches the client can only be the service's.
    const flows = flowsVia(emulator.endpoint, { throttled: 4 });
    const user = await newUser(flows, 'hinted');
    const hint = 1;
    emulator.requests.clear();
    emulator.faults.failNext(TOKEN_OP, 'LimitExceededException', COGNITO_ATTEMPTS, { retryAfterSeconds: hint });
    const login = await timed(() => loginUser(flows, user.username, user.password));
    // Bounded: (attempts - 1) waits of the hint, plus the calls themselves.
    expectUnavailable(login, hint, (COGNITO_ATTEMPTS - 1) * hint * 1000 + 2_500);
    expect(login.ms).toBeGreaterThanOrEqual((COGNITO_ATTEMPTS - 1) * hint * 1000 - 300);
    expect(emulator.requests.count(TOKEN_OP)).toBe(COGNITO_ATTEMPTS);
    expect(emulator.faults.remaining()).toBe(0);
    expect(await sessionRows(user.id)).toEqual([]);
    expect((await loginUser(flows, user.username, user.password)).statusCode).toBe(200);
  });

  it('Cognito 500 (InternalErrorException): 503 Retry-After 5 after maxAttempts calls, no session, no identity', async () => {
    const flows = flowsVia(emulator.endpoint);
    await faultedFlows(
      flows,
      'internal',
      {
        inject: () => {
          emulator.requests.clear();
          emulator.faults.failNext(TOKEN_OP, 'InternalErrorException', COGNITO_ATTEMPTS);
        },
        clear: () => emulator.faults.clear(),
      },
      { retryAfter: 5, attempts: () => emulator.requests.count(TOKEN_OP) },
    );
  });

  it('network error (every connection to Cognito reset): 503 Retry-After 5 after maxAttempts requests', async () => {
    const flows = flowsVia(`http://${proxy.host}`);
    await faultedFlows(
      flows,
      'reset',
      {
        inject: () => {
          proxy.resetCounters();
          proxy.mode = 'reset';
        },
        clear: () => {
          proxy.mode = 'pass';
        },
      },
      { retryAfter: 5, attempts: () => proxy.attempts },
    );
  });

  it('Cognito hung (the proxy stalls): 503 after the request timeout, maxAttempts requests', async () => {
    const flows = flowsVia(`http://${proxy.host}`);
    const user = await newUser(flows, 'hung');
    proxy.resetCounters();
    proxy.mode = 'stall';
    const login = await timed(() => loginUser(flows, user.username, user.password));
    await proxy.settled();
    proxy.mode = 'pass';
    expectUnavailable(login, 5, COGNITO_BOUND_MS);
    expect(login.ms).toBeGreaterThanOrEqual(COGNITO_ATTEMPTS * COGNITO_HANDLER.requestTimeout - 100);
    expect(proxy.attempts).toBe(COGNITO_ATTEMPTS);
    expect(await sessionRows(user.id)).toEqual([]);
    expect((await loginUser(flows, user.username, user.password)).statusCode).toBe(200);
  });

  it('network error (broker pointed at a closed port): 503 within the bound, no session', async () => {
    const flows = flowsVia(`http://127.0.0.1:${await closedPort()}`);
    const user = await newUser(flows, 'closed');
    const login = await timed(() => loginUser(flows, user.username, user.password));
    expectUnavailable(login, 5, COGNITO_BOUND_MS);
    expect(await sessionRows(user.id)).toEqual([]);
    const guest = await timed(() => flows.app.handlers.guest(v2Event({ path: '/auth/guest' })));
    expectUnavailable(guest, 5, COGNITO_BOUND_MS);
  });
});

// Runs last (tests run in file order): the leak search of log-capture.ts, in its afterAll, is only as good as the
// secrets it knows. Every password, hash, token, invitation code and credential above was remembered.
it('remembered the secrets it used, for the leak search over every captured line', () => {
  expect(rememberedSecretCount()).toBeGreaterThan(20);
});
