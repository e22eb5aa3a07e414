import { leavesConnectionUsable, markRaisedBeforeSending } from './errors.js';

/**
 * The little the stores need from a PostgreSQL driver: parameterized statements, and for migrations a transaction
 * on one connection. `fromPgPool`, `fromPgClient` and `fromPGlite` adapt the two supported drivers. The driver
 * types below are structural on purpose: `pg` and `@electric-sql/pglite` are optional peer dependencies, so nothing
 * here imports either, not even for types.
 */

export type SqlRow = Record<string, unknown>;

export interface SqlResult<Row> {
  readonly rows: Row[];
}

export interface SqlExecutor {
  /** One statement with `$1..$n` placeholders: one round trip on a warm connection. */
  query<Row = SqlRow>(text: string, values?: readonly unknown[]): Promise<SqlResult<Row>>;
}

export interface SqlTransaction extends SqlExecutor {
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
}

export interface SqlClient extends SqlExecutor {
  /** Runs `work` in one transaction on one connection: commits when it resolves, rolls back when it throws. */
  transaction<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T>;
}

/** What devauth uses of a `pg.Client` or `pg.PoolClient`. */
export interface PgClientLike {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** What devauth uses of a `pg.PoolClient`. */
export interface PgPoolClientLike extends PgClientLike {
  release(destroy?: Error | boolean): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
}

/** What devauth uses of a `pg.Pool` (or any pool with the same `connect` and client shapes). */
export interface PgPoolLike {
  connect(): Promise<PgPoolClientLike>;
}

/** What devauth uses of a PGlite transaction. */
export interface PGliteTransactionLike {
  query<T>(query: string, params?: unknown[]): Promise<{ rows: T[] }>;
  exec(query: string): Promise<unknown>;
}

/** What devauth uses of a `PGlite` instance. */
export interface PGliteLike {
  query<T>(query: string, params?: unknown[]): Promise<{ rows: T[] }>;
  transaction<T>(callback: (tx: PGliteTransactionLike) => Promise<T>): Promise<T>;
}

/** How a unit of work on one pg connection ended, and whether the connection is still fit for the next one. */
type Settled<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: unknown; readonly broken: boolean };

async function statement<Row>(connection: PgClientLike, text: string, values?: readonly unknown[]) {
  const result = await connection.query(text, values ? [...values] : undefined);
  return { rows: result.rows as Row[] };
}

function pgTransaction(connection: PgClientLike): SqlTransaction {
  return {
    query: (text, values) => statement(connection, text, values),
    // Without values, pg uses the simple query protocol, which accepts several statements.
    exec: async (script) => {
      await connection.query(script);
    },
  };
}

/** BEGIN, work, COMMIT on one connection; ROLLBACK when anything throws (a failed ROLLBACK means a broken session). */
async function inTransaction<T>(
  connection: PgClientLike,
  work: (tx: SqlTransaction) => Promise<T>,
): Promise<Settled<T>> {
  try {
    await connection.query('BEGIN');
    const value = await work(pgTransaction(connection));
    await connection.query('COMMIT');
    return { ok: true, value };
  } catch (error) {
    const broken = await connection.query('ROLLBACK').then(
      () => false,
      () => true,
    );
    return { ok: false, error, broken };
  }
}

/**
 * Runs `use` on a connection checked out of `pool` and returns it, or destroys it when `use` left it broken.
 * While a connection is checked out, pg emits its 'error' (the server went away mid-statement) on the connection,
 * and pg-pool listens only while it is idle: without this listener Node would exit on the unhandled event. The
 * failing statement rejects with the same error, so the listener only has to note that the connection is lost.
 */
async function checkedOut<T>(pool: PgPoolLike, use: (connection: PgPoolClientLike) => Promise<Settled<T>>): Promise<T> {
  // A failed checkout (refused, timed out, the server starting or shutting down) sent nothing: the error mapping
  // reports it as `notApplied`, whatever the error looks like.
  const connection = await pool.connect().catch((error: unknown) => {
    throw markRaisedBeforeSending(error);
  });
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost = error;
  };
  connection.on('error', onError);
  let settled: Settled<T>;
  try {
    settled = await use(connection);
  } catch (error) {
    settled = { ok: false, error, broken: true };
  }
  const broken = lost ?? (!settled.ok && settled.broken ? new Error('connection left unusable') : undefined);
  connection.release(broken);
  connection.removeListener('error', onError);
  if (!settled.ok) throw settled.error;
  return settled.value;
}

/**
 * A `pg.Pool`. Each statement checks a connection out and back in (what `pool.query` does, at no extra round trip);
 * a transaction keeps one connection throughout, so a migration and its advisory lock share a session.
 *
 * Not `pool.query`: it destroys the connection on any error, a unique violation included, so every "username taken"
 * would cost a reconnect (TCP, TLS, authentication) and probing usernames would churn the pool. Here a connection
 * is destroyed only when the error left it broken or busy.
 *
 * pg emits `'error'` on the pool when an idle connection dies (server restart): attach a listener
 * (`pool.on('error', ...)`), as pg requires, or Node exits on the unhandled event.
 */
export function fromPgPool(pool: PgPoolLike): SqlClient {
  return {
    query: <Row>(text: string, values?: readonly unknown[]) =>
      checkedOut(pool, async (connection): Promise<Settled<SqlResult<Row>>> => {
        try {
          return { ok: true, value: await statement<Row>(connection, text, values) };
        } catch (error) {
          return { ok: false, error, broken: !leavesConnectionUsable(error) };
        }
      }),
    transaction: (work) => checkedOut(pool, (connection) => inTransaction(connection, work)),
  };
}

/**
 * One connected `pg.Client` (or any object with its `query(text, values)` shape). A transaction needs the connection
 * to itself, so every call through this client waits its turn: statements issued while a transaction runs cannot
 * slip into it. Prefer a Pool where there is concurrency. As with any pg.Client, attach an 'error' listener to it.
 */
export function fromPgClient(client: PgClientLike): SqlClient {
  let tail: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
  return {
    query: (text, values) => exclusive(() => statement(client, text, values)),
    transaction: (work) =>
      exclusive(async () => {
        const settled = await inTransaction(client, work);
        if (!settled.ok) throw settled.error;
        return settled.value;
      }),
  };
}

/**
 * A PGlite instance (embedded PostgreSQL in WebAssembly). PGlite runs one statement at a time and holds the whole
 * database for a transaction, so concurrent callers are serialized by PGlite itself.
 */
export function fromPGlite(db: PGliteLike): SqlClient {
  return {
    query: async <Row>(text: string, values?: readonly unknown[]) => {
      const result = await db.query<Row>(text, values ? [...values] : undefined);
      return { rows: result.rows };
    },
    transaction: (work) =>
      db.transaction((tx) =>
        work({
          query: async <Row>(text: string, values?: readonly unknown[]) => {
            const result = await tx.query<Row>(text, values ? [...values] : undefined);
            return { rows: result.rows };
          },
          // PGlite's exec runs several statements (its query runs exactly one).
          exec: async (script) => {
            await tx.exec(script);
          },
        }),
      ),
  };
}
