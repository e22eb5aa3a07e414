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

/** The port error for any failure of a DynamoDB call (domain errors pass through unchanged). */
export function toPortError(error: unknown, operation = 'DynamoDB'): DevauthError {
  if (isDevauthError(error)) return error;
  const cause = details(operation, error);
  switch (classify(error)) {
    case 'throttled':
      return new UpstreamUnavailableError(UPSTREAM, RETRY_AFTER_THROTTLED, { cause });
    case 'unavailable':
      return new UpstreamUnavailableError(UPSTREAM, RETRY_AFTER_UNAVAILABLE, { cause });
    case 'configuration':
      return new ConfigurationError(
        `DynamoDB refused ${operation} (${cause.errorName}); check the table name, its key schema and the IAM permissions.`,
        { cause },
      );
  }
}
