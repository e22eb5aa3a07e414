import { ConfigurationError, isNetworkFailure, UpstreamUnavailableError } from '@devauth/core';
import type { CognitoBrokerLogger } from './options.js';

export const UPSTREAM = 'cognito-identity';

/**
 * What crosses the port in place of an SDK error, as the `cause` of the domain error: the exception name, HTTP status,
 * request id and attempt count, and the service message with anything secret-looking removed. The raw SDK error is
 * never kept (its hidden `$response` and input-echoing messages could carry a token or a Logins value).
 */
export class CognitoErrorDetails extends Error {
  constructor(
    readonly operation: string,
    readonly errorName: string,
    message: string,
    readonly httpStatusCode: number | undefined,
    readonly requestId: string | undefined,
    readonly attempts: number | undefined,
  ) {
    super(message);
    this.name = 'CognitoErrorDetails';
  }
}

export type ErrorClass = 'throttled' | 'unavailable' | 'configuration';

const THROTTLING = new Set([
  'TooManyRequestsException',
  'LimitExceededException',
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
]);

/** Service states that may clear up by themselves: the caller should retry later, not page an operator. */
const TRANSIENT_CONFLICTS = new Set(['ResourceConflictException', 'DeveloperUserAlreadyRegisteredException']);

interface SdkErrorShape {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly cause?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number; readonly requestId?: string; readonly attempts?: number };
  readonly $response?: { readonly headers?: Record<string, string | undefined> };
}

const shape = (error: unknown): SdkErrorShape => (error !== null && typeof error === 'object' ? error : {});

export function errorName(error: unknown): string {
  const name = shape(error).name;
  return typeof name === 'string' && name !== '' ? name : 'UnknownError';
}

/**
 * The decision table. Throttling and outages (5xx, InternalErrorException, network failures, transient conflicts)
 * are worth retrying later; everything else the service refuses (4xx: NotAuthorized, ResourceNotFound,
 * InvalidParameter, missing/invalid credentials or signature, ...) and anything unrecognised (no retry can fix it)
 * is a deployment problem.
 */
export function classify(error: unknown): ErrorClass {
  const name = errorName(error);
  const status = shape(error).$metadata?.httpStatusCode;
  if (THROTTLING.has(name) || status === 429) return 'throttled';
  if (name === 'InternalErrorException' || (status !== undefined && status >= 500)) return 'unavailable';
  if (TRANSIENT_CONFLICTS.has(name)) return 'unavailable';
  if (status === undefined && isNetworkFailure(error)) return 'unavailable';
  return 'configuration';
}

/** Seconds from a `Retry-After` header (delta-seconds only), if the service sent one. */
function retryAfterHeader(error: unknown): number | undefined {
  const headers = shape(error).$response?.headers;
  if (!headers) return undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== 'retry-after' || value === undefined) continue;
    const seconds = Number(value);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.min(Math.max(Math.ceil(seconds), 1), 3600);
  }
  return undefined;
}

const JWT_LIKE = /eyJ[\w-]*\.[\w-]+\.[\w-]*/g;
const ACCESS_KEY_LIKE = /\b(?:AKIA|ASIA)[A-Z0-9]{12,}\b/g;
/** Shortest secret that is scrubbed by value; shorter ones would shred the message without protecting anything. */
const MIN_SCRUB_LENGTH = 4;

/** Removes tokens, access keys and the given secret values (e.g. the developer user id) from a text. */
export function scrub(text: string, secrets: readonly string[]): string {
  let result = text.replace(JWT_LIKE, '[token]').replace(ACCESS_KEY_LIKE, '[access-key]');
  for (const secret of secrets) {
    if (secret.length >= MIN_SCRUB_LENGTH) result = result.split(secret).join('[redacted]');
  }
  return result;
}

function details(operation: string, error: unknown, secrets: readonly string[]): CognitoErrorDetails {
  const { message, $metadata } = shape(error);
  const text = typeof message === 'string' ? scrub(message, secrets) : '';
  return new CognitoErrorDetails(
    operation,
    errorName(error),
    text,
    $metadata?.httpStatusCode,
    $metadata?.requestId,
    $metadata?.attempts,
  );
}

const HINTS: Readonly<Record<string, string>> = {
  NotAuthorizedException:
    "the backend's IAM principal may lack the cognito-identity permission for this operation on the pool, or the pool refuses it (e.g. guests are disabled)",
  ResourceNotFoundException: 'check identityPoolId and the region/endpoint of the client',
  InvalidParameterException:
    "check that developerProviderName equals the pool's DeveloperProviderName, TokenDuration is 1-86400 s and PrincipalTags has at most 50 tags (keys 1-128, values 1-256 characters)",
  AccessDenied: "the backend's IAM principal may lack cognito-identity:DeleteIdentities",
};

/**
 * Turns SDK failures into the port's errors and reports configuration errors to the operator once per error kind
 * (an error storm must not flood the logs; one clear line is enough to act on).
 */
export class ErrorMapper {
  private readonly reported = new Set<string>();

  constructor(
    private readonly identityPoolId: string,
    private readonly logger: { readonly error: CognitoBrokerLogger['error'] },
    private readonly retryAfter: { readonly throttled: number; readonly unavailable: number },
  ) {}

  /** Maps `error` from `operation`; `secrets` are values that must not appear in messages (Logins values). */
  map(
    operation: string,
    error: unknown,
    secrets: readonly string[] = [],
  ): UpstreamUnavailableError | ConfigurationError {
    // Already mapped (e.g. a malformed response detected inside a call).
    if (error instanceof ConfigurationError || error instanceof UpstreamUnavailableError) return error;
    const kind = classify(error);
    const cause = details(operation, error, secrets);
    if (kind === 'configuration') return this.configuration(cause);
    const retryAfterSeconds =
      retryAfterHeader(error) ?? (kind === 'throttled' ? this.retryAfter.throttled : this.retryAfter.unavailable);
    return new UpstreamUnavailableError(UPSTREAM, retryAfterSeconds, { cause });
  }

  /** An UpstreamUnavailableError for a failure that did not come as an exception (e.g. UnprocessedIdentityIds). */
  unavailable(cause: CognitoErrorDetails): UpstreamUnavailableError {
    return new UpstreamUnavailableError(UPSTREAM, this.retryAfter.unavailable, { cause });
  }

  /** A ConfigurationError for a refusal that did not come as an exception (e.g. UnprocessedIdentityIds). */
  configuration(cause: CognitoErrorDetails): ConfigurationError {
    const status = cause.httpStatusCode === undefined ? '' : ` (HTTP ${cause.httpStatusCode})`;
    const summary = `Cognito ${cause.operation} failed with ${cause.errorName}${status} for identity pool ${this.identityPoolId}`;
    if (!this.reported.has(cause.errorName)) {
      this.reported.add(cause.errorName);
      const hint = HINTS[cause.errorName] ?? 'check the identity pool settings and the backend credentials';
      const request = cause.requestId === undefined ? '' : ` [request ${cause.requestId}]`;
      this.logger.error(
        `[devauth/adapters-cognito] Configuration error: ${summary}${request}: ${cause.message || '(no message)'}. ` +
          `Likely cause: ${hint}. Further ${cause.errorName} errors are not logged again.`,
      );
    }
    return new ConfigurationError(`${summary}.`, { cause });
  }
}
