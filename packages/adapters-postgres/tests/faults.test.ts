import { connect, createServer, type Server, type Socket } from 'node:net';
import { createPostgresStores, fromPgPool, migrate, PostgresFailure } from '@devauth/adapters-postgres';
import { DEFAULT_THROTTLE_POLICY, UpstreamUnavailableError, UsernameTakenError } from '@devauth/core';
import { sampleRefreshToken, sampleUser } from '@devauth/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSchema, newPool, provideServer, type TestSchema } from './support/engines.js';
import type { Pool, PoolConfig } from './support/pg.js';

/** Upper bound for "fails fast": the timeouts configured below are 0.3-1 s. */
const FAST_MS = 5_000;

/** Runs `work`, expects UpstreamUnavailableError, and returns it with the time it took. */
async function unavailable(work: () => Promise<unknown>): Promise<{ error: UpstreamUnavailableError; ms: number }> {
  const started = performance.now();
  const error = await work().then(
    () => expect.fail('expected UpstreamUnavailableError, got success'),
    (thrown: unknown) => thrown,
  );
  const ms = performance.now() - started;
  expect(error).toBeInstanceOf(UpstreamUnavailableError);
  expect(error).toMatchObject({ upstream: 'postgres' });
  expect((error as Error).cause).toBeInstanceOf(PostgresFailure);
  return { error: error as UpstreamUnavailableError, ms };
}

/** A localhost port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('an unreachable engine', () => {
  const pools: Pool[] = [];
  let silent: Server | undefined;
  const sockets: Socket[] = [];
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => (silent ? silent.close(resolve) : resolve(undefined)));
    await Promise.all(pools.map((pool) => pool.end()));
  });
  const storesOn = (config: PoolConfig) => {
    const pool = newPool(config);
    pools.push(pool);
    return createPostgresStores(fromPgPool(pool));
  };

  it('a closed port is unavailable at once (connection refused)', async () => {
    const port = await closedPort();
    for (const host of ['127.0.0.1', 'localhost']) {
      const { users } = storesOn({ host, port, user: 'postgres', connectionTimeoutMillis: 1_000 });
      const { error, ms } = await unavailable(() => users.create(sampleUser()));
      expect(error.retryAfterSeconds).toBe(5);
      // Never connected: the registration certainly did not happen.
      expect(error.notApplied).toBe(true);
      expect((error.cause as PostgresFailure).code).toMatch(/^E[A-Z]+$/);
      expect(ms).toBeLessThan(FAST_MS);
      expect((await unavailable(() => users.findByUsername('anyone'))).error.notApplied).toBe(true);
    }
  });

  it('a server that accepts but never answers is unavailable after connectionTimeoutMillis', async () => {
    // Like a half-dead host or a blackholed route: TCP connects, the PostgreSQL handshake never completes.
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent!.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const { users } = storesOn({ host: '127.0.0.1', port, user: 'postgres', connectionTimeoutMillis: 500 });

    const { error, ms } = await unavailable(() => users.findByUsername('anyone'));

    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(FAST_MS);
    expect((error.cause as PostgresFailure).code).toMatch(/^(CONNECT_TIMEOUT|CONNECTION_TERMINATED)$/);
    // The PostgreSQL handshake never completed: nothing was sent.
    expect(error.notApplied).toBe(true);
  });
});

// One server for the file: a throwaway cluster (the outage test stops and restarts it), or DATABASE_URL.
const server = await provideServer();
afterAll(async () => {
  await server?.close();
});

describe.skipIf(!server)('faults on a PostgreSQL 15 server', () => {
  let schema: TestSchema;
  let pool: Pool;
  const extraPools: Pool[] = [];
  beforeAll(async () => {
    schema = await createSchema(server!.url, 'faults');
    pool = newPool({ ...schema.poolConfig, connectionTimeoutMillis: 1_000 });
    await migrate(fromPgPool(pool));
  });
  afterAll(async () => {
    await Promise.all([pool, ...extraPools].map((each) => each?.end()));
    await schema?.drop();
  });
  const poolWith = (config: PoolConfig) => {
    const extra = newPool({ ...schema.poolConfig, ...config });
    extraPools.push(extra);
    return extra;
  };
  /** Holds an ACCESS EXCLUSIVE lock on `table` from another session until `release()`. */
  async function lockTable(table: string): Promise<{ release(): Promise<void> }> {
    const blocker = await pool.connect();
    await blocker.query('BEGIN');
    await blocker.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
    return {
      release: async () => {
        await blocker.query('ROLLBACK');
        blocker.release();
      },
    };
  }

  /** Polls until a statement starting with `prefix` waits on a lock (so the fault hits it mid-statement). */
  async function waitForLockWaiter(prefix: string): Promise<void> {
    for (;;) {
      const { rows } = await pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND starts_with(query, $1)",
        [prefix],
      );
      if (rows[0]!.n > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it.skipIf(!server?.cluster)(
    'a stopped server is unavailable, writes nothing, and serves again once restarted',
    async () => {
      const { users } = createPostgresStores(fromPgPool(pool));
      const user = sampleUser();
      // Warm connections, which the shutdown then terminates under the pool.
      await Promise.all([users.findById(user.id), users.findById(user.id), users.findById(user.id)]);

      await server!.cluster!.stopServer();
      try {
        const { error, ms } = await unavailable(() => users.create(user));
        expect(ms).toBeLessThan(FAST_MS);
        // The shutdown ended the idle connections; the new one was refused before the INSERT could be sent.
        expect(error.notApplied).toBe(true);
        await unavailable(() => users.findByUsername(user.username));
      } finally {
        await server!.cluster!.startServer();
      }

      expect(await users.findById(user.id)).toBeNull();
      expect(await users.findByUsername(user.username)).toBeNull();
      await users.create(user);
      expect(await users.findByUsername(user.username)).toEqual(user);
    },
  );

  it('a statement beyond statement_timeout (table locked by another transaction) is unavailable and writes nothing', async () => {
    const { users } = createPostgresStores(fromPgClientPool(poolWith({ statement_timeout: 300 })));
    const user = sampleUser();
    const lock = await lockTable('devauth_users');
    try {
      const create = await unavailable(() => users.create(user));
      expect(create.ms).toBeLessThan(FAST_MS);
      expect(create.error.retryAfterSeconds).toBe(5);
      expect((create.error.cause as PostgresFailure).code).toBe('57014');
      // The server cancelled the statement and rolled it back.
      expect(create.error.notApplied).toBe(true);
      const lookup = await unavailable(() => users.findByUsername(user.username));
      expect(lookup.ms).toBeLessThan(FAST_MS);
    } finally {
      await lock.release();
    }
    // The server cancelled the INSERT: nothing was written, the username is free.
    expect(await users.findById(user.id)).toBeNull();
    await users.create(sampleUser({ username: user.username }));
    await expect(users.create(sampleUser({ username: user.username }))).rejects.toBeInstanceOf(UsernameTakenError);
  });

  it('a statement beyond query_timeout (client side) is unavailable too', async () => {
    const { users } = createPostgresStores(fromPgClientPool(poolWith({ query_timeout: 300 })));
    const lock = await lockTable('devauth_users');
    try {
      const { error, ms } = await unavailable(() => users.findByUsername(sampleUser().username));
      expect(ms).toBeLessThan(FAST_MS);
      expect((error.cause as PostgresFailure).code).toBe('QUERY_READ_TIMEOUT');
      expect(error.notApplied).toBe(false);
    } finally {
      await lock.release();
    }
  });

  it('a write beyond query_timeout (client side) is not reported as undone: it commits once the lock is gone', async () => {
    // Explicitly without client_connection_check_interval: the server notices the abandoned connection only when
    // it answers, after committing (the default; a server may be configured otherwise).
    const { users } = createPostgresStores(
      fromPgClientPool(
        poolWith({ query_timeout: 300, options: `${schema.poolConfig.options} -c client_connection_check_interval=0` }),
      ),
    );
    const checker = createPostgresStores(fromPgClientPool(pool)).users;
    const user = sampleUser();
    const lock = await lockTable('devauth_users');
    let notApplied: boolean | undefined;
    try {
      notApplied = (await unavailable(() => users.create(user))).error.notApplied;
    } finally {
      await lock.release();
    }
    expect(notApplied).toBe(false);
    // pg stopped waiting; the server did not stop working: the INSERT commits when the lock is released.
    for (let attempt = 0; attempt < 100 && (await checker.findById(user.id)) === null; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await checker.findById(user.id)).toEqual(user);
  });

  it('a statement beyond lock_timeout is unavailable (retry soon), rolled back and reported as not applied', async () => {
    const { loginAttempts } = createPostgresStores(fromPgClientPool(poolWith({ lock_timeout: 300 })));
    const key = `user:${sampleUser().username}`;
    const lock = await lockTable('devauth_login_attempts');
    try {
      const { error } = await unavailable(() => loginAttempts.reserve(key, new Date(), DEFAULT_THROTTLE_POLICY));
      expect((error.cause as PostgresFailure).code).toBe('55P03');
      expect(error).toMatchObject({ retryAfterSeconds: 1, notApplied: true });
    } finally {
      await lock.release();
    }
    expect(await loginAttempts.get([key])).toEqual([]);
  });

  it('a connection killed mid-statement is unavailable, crashes nothing, and the pool recovers', async () => {
    const statements = poolWith({ max: 2 });
    const { users } = createPostgresStores(fromPgClientPool(statements));
    const user = sampleUser();
    const lock = await lockTable('devauth_users');
    try {
      // Awaited from the start: the INSERT's rejection may arrive before pg_terminate_backend's own answer does, and
      // a rejection nobody awaits yet is reported as unhandled.
      const outcome = unavailable(() => users.create(user));
      // Once the INSERT waits on the lock, end its backend, as a failover or an operator would.
      await waitForLockWaiter('INSERT INTO devauth_users');
      await pool.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND starts_with(query, 'INSERT INTO devauth_users')",
      );
      const { error } = await outcome;
      expect((error.cause as PostgresFailure).code).toMatch(/^(57P01|CONNECTION_TERMINATED)$/);
      // From the client's side the INSERT had been sent: it could have committed before the connection went.
      expect(error.notApplied).toBe(false);
    } finally {
      await lock.release();
    }
    // Nothing was written, and the pool serves again (the dead connection was discarded, not reused).
    expect(await users.findById(user.id)).toBeNull();
    await users.create(user);
    expect(await users.findByUsername(user.username)).toEqual(user);
  });

  it('a connection the network drops mid-statement is unavailable and crashes nothing', async () => {
    // A TCP proxy in front of the server; closing its sockets is a network failure under an active statement
    // (pg then emits 'error' on the checked-out connection: unhandled, that would end the process).
    const target = new URL(server!.url);
    const links: Socket[] = [];
    const proxy = createServer((inbound) => {
      const outbound = connect(Number(target.port), target.hostname);
      for (const socket of [inbound, outbound]) socket.on('error', () => {});
      inbound.pipe(outbound).pipe(inbound);
      links.push(inbound, outbound);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as { port: number };
    const proxied = poolWith({
      connectionString: `postgresql://postgres@127.0.0.1:${port}/${target.pathname.slice(1)}`,
    });
    const { users } = createPostgresStores(fromPgClientPool(proxied));
    const username = sampleUser().username;
    const lock = await lockTable('devauth_users');
    try {
      const pending = users.findByUsername(username);
      await waitForLockWaiter('SELECT id, username');
      for (const socket of links) socket.destroy();

      const { error, ms } = await unavailable(() => pending);
      expect(ms).toBeLessThan(FAST_MS);
      expect((error.cause as PostgresFailure).code).toBe('CONNECTION_TERMINATED');
      expect(error.notApplied).toBe(false);
    } finally {
      await lock.release();
    }
    // The dead connection was discarded: the next lookup opens a new one through the proxy.
    expect(await users.findByUsername(username)).toBeNull();
    for (const socket of links) socket.destroy();
    await new Promise((resolve) => proxy.close(resolve));
  });

  it('a rotation stuck behind a row lock beyond statement_timeout is unavailable and rotates nothing', async () => {
    const { refreshTokens } = createPostgresStores(fromPgClientPool(poolWith({ statement_timeout: 300 })));
    const current = sampleRefreshToken();
    await refreshTokens.issue(current);
    const next = sampleRefreshToken({ familyId: current.familyId });
    const blocker = await pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM devauth_refresh_tokens WHERE token_hash = $1 FOR UPDATE', [current.tokenHash]);
      const { error } = await unavailable(() => refreshTokens.rotate(current.tokenHash, next));
      expect(error).toMatchObject({ notApplied: true, cause: { code: '57014' } });
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
    expect(await refreshTokens.find(current.tokenHash)).toEqual(current);
    expect(await refreshTokens.find(next.tokenHash)).toBeNull();
    expect(await refreshTokens.rotate(current.tokenHash, next)).toBe('rotated');
  });
});

/** The adapter's pool client (named for readability in the tests above). */
const fromPgClientPool = fromPgPool;
