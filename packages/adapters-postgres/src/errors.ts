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
 * lost serialization races) becomes UpstreamUnavailableError('postgres', retryAfterSeconds); everything else a
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
      return new UpstreamUnavailableError(UPSTREAM, isContention(sqlState) ? 1 : 5, { cause });
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
    return new UpstreamUnavailableError(UPSTREAM, 5, { cause: new PostgresFailure(operation, unavailable) });
  }
  const name = safeName(error);
  return new ConfigurationError(`PostgreSQL client failed ${operation} (${name}).`, {
    cause: new PostgresFailure(operation, name),
  });
}
