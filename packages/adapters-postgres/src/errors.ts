import {
  ConfigurationError,
  type DevauthError,
  isDevauthError,
  NETWORK_ERROR_CODES,
  UpstreamUnavailableError,
} from '@devauth/core';

/** The `upstream` named in UpstreamUnavailableError. */
export const UPSTREAM = 'postgres';

/**
 * The sanitized cause attached to the errors this adapter throws: the operation and the SQLSTATE (or socket error
 * code), nothing else. Driver errors carry the statement, its parameters (PGlite) and details such as
 * `Key (email)=(...)`, which may hold personal data or hashes: they never leave the adapter.
 */
export class PostgresFailure extends Error {
  constructor(
    readonly operation: string,
    readonly code: string | undefined,
  ) {
    super(code ? `${operation} failed (${code})` : `${operation} failed`);
    this.name = 'PostgresFailure';
  }
}

/**
 * pg and PGlite failures that have no code, recognized by the drivers' own fixed messages, with the label reported
 * in their place (pg-pool's connectionTimeoutMillis, a dropped connection, pg's query_timeout, a closed PGlite).
 */
const UNAVAILABLE_MESSAGES: readonly (readonly [RegExp, string])[] = [
  [/timeout exceeded when trying to connect/i, 'CONNECT_TIMEOUT'],
  // pg's own connectionTimeoutMillis (a pg.Client that did not finish connecting in time): nothing was sent.
  [/^Connection terminated due to connection timeout/i, 'CONNECT_TIMEOUT'],
  [/^Connection terminated/i, 'CONNECTION_TERMINATED'],
  [/^Query read timeout/i, 'QUERY_READ_TIMEOUT'],
  [/is not queryable/i, 'CONNECTION_BROKEN'],
  [/^PGlite is closed/i, 'PGLITE_CLOSED'],
];

/** SQLSTATEs worth a retry: the server is starting, stopping, overloaded, or a transaction lost a race. */
function isTransientSqlState(code: string): boolean {
  return (
    code.startsWith('08') || // connection exception
    code.startsWith('53') || // insufficient resources (too many connections, out of memory or disk)
    code.startsWith('58') || // system error (I/O) outside PostgreSQL
    ['57P01', '57P02', '57P03', '57P05'].includes(code) || // shutdown, crash, starting up, idle session timeout
    code === '57014' || // statement_timeout (or a cancel)
    code === '25P03' || // idle_in_transaction_session_timeout
    isContention(code)
  );
}

/** Lost races and lock timeouts: a quick retry is likely to succeed. */
function isContention(code: string): boolean {
  return code === '40001' || code === '40P01' || code === '55P03';
}

/** SQLSTATEs that mean the schema is not what this adapter expects. */
function isSchemaMismatch(code: string): boolean {
  return code === '42P01' || code === '42703' || code === '42883' || code === '3F000';
}

/** SQLSTATEs that mean the connection settings or grants are wrong. */
function isAccessProblem(code: string): boolean {
  return code.startsWith('28') || code === '3D000' || code === '42501';
}

/**
 * Labels (above) of failures that happen before a statement is sent: the connection was never made, or the driver
 * refused the statement itself (pg's "not queryable" client, a closed PGlite). Not CONNECTION_TERMINATED (the
 * connection may have died after the statement reached the server) nor QUERY_READ_TIMEOUT (pg's client-side
 * query_timeout gives up waiting; the statement keeps running and may commit).
 */
const NOT_SENT_LABELS: ReadonlySet<string> = new Set(['CONNECT_TIMEOUT', 'CONNECTION_BROKEN', 'PGLITE_CLOSED']);

/**
 * Socket errors that mean the connection was never made: refused, no such host (DNS), no route, or a unix socket
 * that does not exist. Codes that also occur on an established connection (ETIMEDOUT, EHOSTUNREACH, ...) count only
 * when the failing system call was `connect`. ECONNRESET and EPIPE never count: the statement may have gone out.
 */
const NEVER_CONNECTED_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
const CONNECT_ONLY_WHEN_SYSCALL_CONNECT: ReadonlySet<string> = new Set([
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'ENOENT',
]);

/**
 * SQLSTATEs the server sends only while a connection starts (startup, shutdown in progress, too many clients): no
 * statement ran on that connection.
 */
const CONNECTION_STARTUP_SQL_STATES: ReadonlySet<string> = new Set(['57P03', '53300', '08001', '08004']);

/**
 * SQLSTATEs of a statement the server aborted, its transaction rolled back: statement_timeout or a cancel, lock_timeout,
 * serialization failure, deadlock. Recognized by code as well as by severity, because the severity pg reports is the
 * localized one (`lc_messages`: "FEHLER" for "ERROR").
 */
const ROLLED_BACK_SQL_STATES: ReadonlySet<string> = new Set(['57014', '55P03', '40001', '40P01']);

/**
 * Errors raised before the statement they failed was sent (the pool could not hand out a connection), recorded by
 * the SqlClient adapters in sql-client.ts. A WeakSet, so the driver's error object is left as it is.
 */
const raisedBeforeSending = new WeakSet<object>();

/** Records that `error` was raised before any statement was sent (a failed `pool.connect()`), and returns it. */
export function markRaisedBeforeSending<T>(error: T): T {
  if (typeof error === 'object' && error !== null) raisedBeforeSending.add(error);
  return error;
}

function field(error: unknown, name: string): unknown {
  return typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[name] : undefined;
}

/** The SQLSTATE of a server error (pg and PGlite both use pg-protocol's DatabaseError), else undefined. */
export function sqlStateOf(error: unknown): string | undefined {
  const code = field(error, 'code');
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code) || NETWORK_ERROR_CODES.has(code)) return undefined;
  // Five capitals could also be an errno (EPERM): a server error has a severity, a SQLSTATE class never starts with E.
  return field(error, 'severity') !== undefined || !code.startsWith('E') ? code : undefined;
}

/**
 * Whether a connection that raised `error` can serve the next statement: true for errors the server reported about
 * a statement (a unique violation, a statement timeout), false for anything that broke or abandoned the session
 * (socket errors, FATAL shutdowns, pg's client-side query_timeout, which leaves the statement running).
 */
export function leavesConnectionUsable(error: unknown): boolean {
  const sqlState = sqlStateOf(error);
  if (sqlState === undefined) return false;
  const severity = field(error, 'severity');
  return severity !== 'FATAL' && severity !== 'PANIC' && !sqlState.startsWith('08') && !sqlState.startsWith('57P0');
}

/** The constraint a server error names (unique violations), else undefined. */
export function constraintOf(error: unknown): string | undefined {
  const constraint = field(error, 'constraint');
  return typeof constraint === 'string' ? constraint : undefined;
}

/**
 * Whether the failed statement certainly had no effect (`UpstreamUnavailableError.notApplied`):
 * - it was never sent: the connection could not be made (refused, DNS, connect timeout, a server starting up or
 *   out of connection slots), or the driver refused it before sending (broken pg client, closed PGlite);
 * - the server answered it with an ERROR (not FATAL): the statement failed and, every store statement being its own
 *   transaction, was rolled back. This covers statement_timeout and cancellation (57014), lock_timeout (55P03),
 *   serialization failures and deadlocks (40001, 40P01), out of memory or disk (53xxx).
 * Never for a connection lost, reset or terminated (57P01 FATAL, ECONNRESET, "Connection terminated") after the
 * statement was sent, nor for pg's client-side query_timeout: the statement may have committed.
 */
function certainlyNotApplied(error: unknown, sqlState: string | undefined): boolean {
  if (typeof error === 'object' && error !== null && raisedBeforeSending.has(error)) return true;
  if (sqlState !== undefined) {
    return (
      ROLLED_BACK_SQL_STATES.has(sqlState) ||
      CONNECTION_STARTUP_SQL_STATES.has(sqlState) ||
      field(error, 'severity') === 'ERROR'
    );
  }
  if (neverConnected(error)) return true;
  const label = unavailableMessage(error);
  return label !== undefined && NOT_SENT_LABELS.has(label);
}

/** A socket error of a connection that was never made (in Node's AggregateError: every address failed so). */
function neverConnected(error: unknown, depth = 0): boolean {
  const code = field(error, 'code');
  if (typeof code === 'string') {
    if (NEVER_CONNECTED_CODES.has(code)) return true;
    if (CONNECT_ONLY_WHEN_SYSCALL_CONNECT.has(code) && field(error, 'syscall') === 'connect') return true;
  }
  if (depth >= 5) return false;
  const inner = field(error, 'errors');
  if (Array.isArray(inner) && inner.length > 0) return inner.every((each) => neverConnected(each, depth + 1));
  const cause = field(error, 'cause');
  return cause !== undefined && cause !== error && neverConnected(cause, depth + 1);
}

/** The socket error code, looking inside Node's AggregateError (both address families refused). */
function networkCodeOf(error: unknown): string | undefined {
  const code = field(error, 'code');
  if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return code;
  // A missing unix socket file is a server that is not running, not a missing file.
  if (code === 'ENOENT' && field(error, 'syscall') === 'connect') return code;
  const inner = field(error, 'errors');
  if (Array.isArray(inner)) for (const each of inner) if (networkCodeOf(each)) return networkCodeOf(each);
  const cause = field(error, 'cause');
  return cause !== undefined && cause !== error ? networkCodeOf(cause) : undefined;
}

function unavailableMessage(error: unknown): string | undefined {
  const message = field(error, 'message');
  if (typeof message !== 'string') return undefined;
  return UNAVAILABLE_MESSAGES.find(([pattern]) => pattern.test(message))?.[1];
}

/** A safe label for an error that is neither a server error nor a network one: its class name only. */
function safeName(error: unknown): string {
  const name = field(error, 'name');
  return typeof name === 'string' && /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(name) ? name : 'unknown error';
}

/**
 * Maps any failure of `operation` to a core error. Unavailability (connection loss, timeouts, restarts, overload,
 * lost serialization races) becomes UpstreamUnavailableError('postgres', retryAfterSeconds), with `notApplied` when
 * the statement certainly had no effect (see `certainlyNotApplied`); everything else a
 * ConfigurationError naming only the SQLSTATE. `onUniqueViolation` turns a 23505 on a known constraint into a
 * domain error. Messages never include a value, a statement or a driver message.
 */
export function toStoreError(
  error: unknown,
  operation: string,
  onUniqueViolation?: (constraint: string | undefined) => DevauthError | undefined,
): DevauthError {
  if (isDevauthError(error)) return error;
  const sqlState = sqlStateOf(error);
  if (sqlState === '23505') {
    const mapped = onUniqueViolation?.(constraintOf(error));
    if (mapped) return mapped;
  }
  if (sqlState !== undefined) {
    const cause = new PostgresFailure(operation, sqlState);
    if (isTransientSqlState(sqlState)) {
      return new UpstreamUnavailableError(UPSTREAM, isContention(sqlState) ? 1 : 5, {
        cause,
        notApplied: certainlyNotApplied(error, sqlState),
      });
    }
    if (isSchemaMismatch(sqlState)) {
      return new ConfigurationError(
        `PostgreSQL refused ${operation} (SQLSTATE ${sqlState}): the devauth tables are missing or outdated; run migrate().`,
        { cause },
      );
    }
    if (isAccessProblem(sqlState)) {
      return new ConfigurationError(
        `PostgreSQL refused ${operation} (SQLSTATE ${sqlState}): check the database name, role and grants.`,
        { cause },
      );
    }
    const constraint = sqlState.startsWith('23') ? constraintOf(error) : undefined;
    // A constraint name is schema, not data: it says which rule failed without saying with what value.
    const on = constraint && /^[a-z_][a-z0-9_]{0,62}$/.test(constraint) ? ` on ${constraint}` : '';
    return new ConfigurationError(`PostgreSQL failed ${operation} (SQLSTATE ${sqlState}${on}).`, { cause });
  }
  const unavailable = networkCodeOf(error) ?? unavailableMessage(error);
  if (unavailable !== undefined) {
    return new UpstreamUnavailableError(UPSTREAM, 5, {
      cause: new PostgresFailure(operation, unavailable),
      notApplied: certainlyNotApplied(error, undefined),
    });
  }
  const name = safeName(error);
  return new ConfigurationError(`PostgreSQL client failed ${operation} (${name}).`, {
    cause: new PostgresFailure(operation, name),
  });
}
