import {
  ConfigurationError,
  type DevauthError,
  isDevauthError,
  isNetworkFailure,
  UpstreamUnavailableError,
} from '@devauth/core';

export const UPSTREAM = 'dynamodb';

/** Retry hints (seconds) handed to callers with UpstreamUnavailableError. */
export const RETRY_AFTER_THROTTLED = 1;
export const RETRY_AFTER_UNAVAILABLE = 2;

/**
 * What crosses the port in place of an SDK error, as the `cause` of the domain error: the exception name, HTTP status,
 * request id, attempt count and the service message (PHC hash strings removed). The raw SDK error is not kept: its
 * hidden `$response` could carry item data.
 */
export class DynamoDbErrorDetails extends Error {
  constructor(
    readonly operation: string,
    readonly errorName: string,
    message: string,
    readonly httpStatusCode: number | undefined,
    readonly requestId: string | undefined,
    readonly attempts: number | undefined,
    readonly cancellationReasons: readonly string[] | undefined,
  ) {
    super(message);
    this.name = 'DynamoDbErrorDetails';
  }
}

/** Capacity and contention: the request was fine, the table was busy. */
const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
  'TransactionConflictException',
  'TransactionInProgressException',
  'LimitExceededException',
]);
/** Cancellation reason codes that a later retry may clear. */
const TRANSIENT_REASONS = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded']);
const OUTAGES = new Set(['InternalServerError', 'ServiceUnavailable', 'ServiceUnavailableException']);

interface SdkErrorShape {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly cause?: unknown;
  readonly errors?: unknown;
  readonly CancellationReasons?: readonly { readonly Code?: string }[];
  readonly $metadata?: { readonly httpStatusCode?: number; readonly requestId?: string; readonly attempts?: number };
}

const shape = (error: unknown): SdkErrorShape => (error !== null && typeof error === 'object' ? error : {});

export function errorName(error: unknown): string {
  const name = shape(error).name;
  return typeof name === 'string' && name !== '' ? name : 'UnknownError';
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return errorName(error) === 'ConditionalCheckFailedException';
}

/** The cancellation reason codes of a TransactionCanceledException, by item index ('None' where nothing failed). */
export function cancellationReasons(error: unknown): readonly string[] | undefined {
  if (errorName(error) !== 'TransactionCanceledException') return undefined;
  return (shape(error).CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
}

export type ErrorClass = 'throttled' | 'unavailable' | 'configuration';

/**
 * The decision table. Throttling, contention, 5xx and network failures/timeouts are worth retrying later; everything
 * else DynamoDB refuses (ValidationException from a table with another key schema, ResourceNotFoundException for a
 * missing table, AccessDenied, bad credentials) and anything unrecognised is a deployment problem no retry fixes.
 */
export function classify(error: unknown): ErrorClass {
  const name = errorName(error);
  const status = shape(error).$metadata?.httpStatusCode;
  const reasons = cancellationReasons(error);
  if (reasons !== undefined) {
    // Callers handle ConditionalCheckFailed themselves; what reaches here is contention, capacity or validation.
    return reasons.some((code) => TRANSIENT_REASONS.has(code)) && !reasons.includes('ValidationError')
      ? 'throttled'
      : 'configuration';
  }
  if (THROTTLING.has(name) || status === 429) return 'throttled';
  if (OUTAGES.has(name) || (status !== undefined && status >= 500)) return 'unavailable';
  if (status === undefined && isNetworkFailure(error)) return 'unavailable';
  return 'configuration';
}

// --- did the request have an effect? ---------------------------------------------------------------------------

/**
 * Answers by which DynamoDB refused a request before doing anything: throttling (capacity or request-rate limits) and
 * transaction contention. A cancelled transaction (`TransactionCanceledException`, whatever its reasons) and a failed
 * condition applied nothing either.
 */
const REFUSED_UNAPPLIED = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
  'TransactionConflictException',
  'TransactionCanceledException',
  'ConditionalCheckFailedException',
]);
/** Socket errors that only happen before a request can go out: nothing listening, no such host. */
const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EADDRNOTAVAIL']);
/** System calls that fail before the first request byte is written: name resolution and the TCP connect. */
const NEVER_SENT_SYSCALLS = new Set(['connect', 'getaddrinfo']);
/**
 * The SDK's connection timeout (`requestHandler.connectionTimeout`): the socket never connected. Its request timeout
 * (`requestTimeout`) and socket timeout have other messages and mean the request may have been received.
 */
const CONNECT_TIMEOUT = /did not establish a connection|without establishing a connection/i;

interface NetworkErrorShape {
  readonly code?: unknown;
  readonly syscall?: unknown;
  readonly name?: unknown;
  readonly message?: unknown;
  readonly errors?: unknown;
  readonly cause?: unknown;
}

/** True when the error shows the request never left this process (no connection, no name resolution). */
function neverSent(error: unknown, depth = 0): boolean {
  if (error === null || typeof error !== 'object' || depth > 5) return false;
  const { code, syscall, name, message, errors, cause } = error as NetworkErrorShape;
  if (typeof code === 'string' && NEVER_SENT_CODES.has(code)) return true;
  if (typeof syscall === 'string' && NEVER_SENT_SYSCALLS.has(syscall)) return true;
  if (name === 'TimeoutError' && typeof message === 'string' && CONNECT_TIMEOUT.test(message)) return true;
  // Node's dual-stack connect (autoSelectFamily) reports one error per address tried: never sent if none was.
  if (Array.isArray(errors) && errors.length > 0) return errors.every((inner) => neverSent(inner, depth + 1));
  return cause !== undefined && neverSent(cause, depth + 1);
}

/** One attempt's failure that certainly left the table as it was. */
function attemptHadNoEffect(error: unknown): boolean {
  if (REFUSED_UNAPPLIED.has(errorName(error))) return true;
  if (shape(error).$metadata?.httpStatusCode === 429) return true;
  return neverSent(error);
}

/** Every failed SDK attempt of a call, by the error the call finally threw (see {@link tracked}). */
const attemptLogs = new WeakMap<object, readonly unknown[]>();

/**
 * Adds a middleware to one command that remembers the failure of each attempt the SDK makes (it sits below the
 * SDK's retry middleware, like the request counter of the testing entry point), so that the error mapping can tell
 * whether *any* attempt may have reached the table: a request that was sent and then reset, retried by the SDK into
 * a refused connection, may still have been applied. Changes nothing else about the command.
 */
export function tracked<Command extends object>(command: Command): Command {
  const failures: unknown[] = [];
  const recorder =
    (next: (args: unknown) => Promise<unknown>) =>
    async (args: unknown): Promise<unknown> => {
      try {
        return await next(args);
      } catch (error) {
        failures.push(error);
        if (error !== null && typeof error === 'object') attemptLogs.set(error, failures);
        throw error;
      }
    };
  (command as unknown as TrackableCommand).middlewareStack.add(recorder, {
    step: 'finalizeRequest',
    priority: 'low',
    name: 'devauthAttemptRecorder',
    override: true,
  });
  return command;
}

interface TrackableCommand {
  readonly middlewareStack: { add(middleware: unknown, options: Record<string, unknown>): void };
}

/**
 * True only when no attempt of the call that threw `error` can have changed the table: each one was refused by a
 * throttling or contention answer, cancelled, failed its condition, or never went out (connection refused, DNS
 * failure, connection timeout). A timeout waiting for the answer or a reset after sending may have committed.
 * Without a record of the attempts (a client that bypasses the command's middleware), `error` alone decides.
 */
export function certainlyNotApplied(error: unknown): boolean {
  const log = error !== null && typeof error === 'object' ? attemptLogs.get(error) : undefined;
  return (log === undefined || log.length === 0 ? [error] : log).every(attemptHadNoEffect);
}

export interface PortErrorContext {
  /**
   * An earlier call of the same operation (an adapter-level retry) may have been applied: the error then never says
   * `notApplied`, whatever the last call's failure.
   */
  readonly earlierMayHaveApplied?: boolean;
}

const PHC_LIKE = /\$[a-z0-9-]+\$[^\s"']+/gi;
const MAX_MESSAGE = 500;

function details(operation: string, error: unknown): DynamoDbErrorDetails {
  const { message, $metadata } = shape(error);
  const text = typeof message === 'string' ? message.replace(PHC_LIKE, '[hash]').slice(0, MAX_MESSAGE) : '';
  return new DynamoDbErrorDetails(
    operation,
    errorName(error),
    text,
    $metadata?.httpStatusCode,
    $metadata?.requestId,
    $metadata?.attempts,
    cancellationReasons(error),
  );
}

/**
 * The port error for any failure of a DynamoDB call (domain errors pass through unchanged). An
 * UpstreamUnavailableError says `notApplied: true` only when {@link certainlyNotApplied} holds for the call (and no
 * earlier call of the operation may have been applied).
 */
export function toPortError(error: unknown, operation = 'DynamoDB', context: PortErrorContext = {}): DevauthError {
  if (isDevauthError(error)) return error;
  const cause = details(operation, error);
  const notApplied = context.earlierMayHaveApplied !== true && certainlyNotApplied(error);
  switch (classify(error)) {
    case 'throttled':
      return new UpstreamUnavailableError(UPSTREAM, RETRY_AFTER_THROTTLED, { cause, notApplied });
    case 'unavailable':
      return new UpstreamUnavailableError(UPSTREAM, RETRY_AFTER_UNAVAILABLE, { cause, notApplied });
    case 'configuration':
      return new ConfigurationError(
        `DynamoDB refused ${operation} (${cause.errorName}); check the table name, its key schema and the IAM permissions.`,
        { cause },
      );
  }
}
