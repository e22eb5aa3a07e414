import { ConfigurationError, type DevauthError, isNetworkFailure, UpstreamUnavailableError } from '@devauth/core';

export const UPSTREAM = 'ses';

/** Retry hints (seconds) handed to callers with UpstreamUnavailableError (as the other adapters do). */
export const RETRY_AFTER_THROTTLED = 1;
export const RETRY_AFTER_UNAVAILABLE = 2;

/**
 * What crosses the port in place of an SDK error, as the `cause` of the domain error: the operation, the exception
 * name, the HTTP status, the request id, the attempt count and a network error code. Deliberately not the service
 * message nor the raw SDK error: SES messages can echo addresses, and the SDK error's hidden `$response` and the
 * command behind it hold the rendered message (subject, bodies, the token). Its own message is built from the fields
 * above only.
 */
export class SesErrorDetails extends Error {
  constructor(
    readonly operation: string,
    readonly errorName: string,
    readonly httpStatusCode: number | undefined,
    readonly requestId: string | undefined,
    readonly attempts: number | undefined,
    readonly networkCode: string | undefined,
  ) {
    const status = httpStatusCode === undefined ? '' : ` (HTTP ${httpStatusCode})`;
    const code = networkCode === undefined ? '' : ` [${networkCode}]`;
    const request = requestId === undefined ? '' : ` [request ${requestId}]`;
    super(`SES ${operation}: ${errorName}${status}${code}${request}`);
    this.name = 'SesErrorDetails';
  }
}

export type ErrorClass = 'throttled' | 'unavailable' | 'configuration';

/** Sending-rate and quota answers: the request was fine, the account is sending too fast. */
const THROTTLING = new Set([
  'TooManyRequestsException',
  'LimitExceededException',
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
]);
/** Service-side failures that may clear up by themselves. */
const OUTAGES = new Set(['InternalServiceErrorException', 'InternalFailure', 'ServiceUnavailable']);

interface SdkErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly cause?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number; readonly requestId?: string; readonly attempts?: number };
}

const shape = (error: unknown): SdkErrorShape => (error !== null && typeof error === 'object' ? error : {});

export function errorName(error: unknown): string {
  const name = shape(error).name;
  return typeof name === 'string' && name !== '' ? name.slice(0, 100) : 'UnknownError';
}

/**
 * The decision table. Throttling (TooManyRequests, LimitExceeded, HTTP 429) and outages (5xx, network failures and
 * timeouts) are worth retrying later; everything else SES refuses (MessageRejected, MailFromDomainNotVerified,
 * AccountSuspended, SendingPaused, NotFound, BadRequest, AccessDenied, bad credentials: any other 4xx) and anything
 * unrecognised is a deployment problem no retry fixes.
 */
export function classify(error: unknown): ErrorClass {
  const name = errorName(error);
  const status = shape(error).$metadata?.httpStatusCode;
  if (THROTTLING.has(name) || status === 429) return 'throttled';
  if (OUTAGES.has(name) || (status !== undefined && status >= 500)) return 'unavailable';
  if (status === undefined && isNetworkFailure(error)) return 'unavailable';
  return 'configuration';
}

// --- was the message sent? -------------------------------------------------------------------------------------

/** Socket errors that only happen before a request can go out: nothing listening, no such host. */
const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EADDRNOTAVAIL']);
/** System calls that fail before the first request byte is written: name resolution and the TCP connect. */
const NEVER_SENT_SYSCALLS = new Set(['connect', 'getaddrinfo']);
/**
 * The SDK's connection timeout (`requestHandler.connectionTimeout`): the socket never connected. Its request timeout
 * has another message and means SES may have received (and sent) the message.
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

/** One attempt's failure that certainly sent nothing: a throttling answer, or a request that never went out. */
function attemptSentNothing(error: unknown): boolean {
  if (THROTTLING.has(errorName(error)) || shape(error).$metadata?.httpStatusCode === 429) return true;
  return neverSent(error);
}

/** Every failed SDK attempt of a send, by the error the send finally threw (see {@link tracked}). */
const attemptLogs = new WeakMap<object, readonly unknown[]>();

interface TrackableCommand {
  readonly middlewareStack: { add(middleware: unknown, options: Record<string, unknown>): void };
}

/**
 * Adds a middleware to one command that records the failure of each attempt (below the SDK's retry middleware), so
 * that the mapping can tell whether *any* attempt may have reached SES: a request that timed out waiting for the
 * answer and was then retried into a throttling answer may still have been sent. Changes nothing else.
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
    name: 'devauthSesAttemptRecorder',
    override: true,
  });
  return command;
}

/**
 * True only when no attempt of the send that threw `error` can have sent the message: each one was throttled or
 * never went out. Without a record of the attempts (a client that bypasses the command's middleware), `error` alone
 * decides.
 */
export function certainlyNotSent(error: unknown): boolean {
  const log = error !== null && typeof error === 'object' ? attemptLogs.get(error) : undefined;
  return (log === undefined || log.length === 0 ? [error] : log).every(attemptSentNothing);
}

// --- mapping ---------------------------------------------------------------------------------------------------

/** The first network error code (ECONNREFUSED, ETIMEDOUT, ...) on the error or its causes, if any. */
function networkCode(error: unknown, depth = 0): string | undefined {
  if (error === null || typeof error !== 'object' || depth > 5) return undefined;
  const { code, cause } = error as NetworkErrorShape;
  if (typeof code === 'string' && /^E[A-Z_]{2,30}$/.test(code)) return code;
  return networkCode(cause, depth + 1);
}

export function details(operation: string, error: unknown): SesErrorDetails {
  const { $metadata } = shape(error);
  const status = $metadata?.httpStatusCode;
  const requestId = $metadata?.requestId;
  return new SesErrorDetails(
    operation,
    errorName(error),
    typeof status === 'number' ? status : undefined,
    typeof requestId === 'string' ? requestId.slice(0, 100) : undefined,
    typeof $metadata?.attempts === 'number' ? $metadata.attempts : undefined,
    networkCode(error),
  );
}

const HINTS: Readonly<Record<string, string>> = {
  MessageRejected:
    'SES refused the message: the sender identity may be unverified, or, in the SES sandbox, the recipient',
  MailFromDomainNotVerifiedException: 'the custom MAIL FROM domain of the identity is not verified',
  AccountSuspendedException: 'the account may no longer send email (SES suspended it)',
  SendingPausedException: 'sending is paused for the account or for the configuration set',
  NotFoundException: 'check configurationSetName and the region/endpoint of the client',
  BadRequestException: 'check from, replyTo and configurationSetName',
  AccessDeniedException: "the backend's IAM principal may lack ses:SendEmail on the identity or configuration set",
};

/**
 * The port error for a failed SendEmail. The message names the SES error, the sender and the configuration set,
 * never the recipient, subject, bodies or token; the cause is an {@link SesErrorDetails}.
 */
export function toPortError(
  error: unknown,
  context: { readonly from: string; readonly configurationSetName: string | undefined },
): DevauthError {
  if (error instanceof ConfigurationError || error instanceof UpstreamUnavailableError) return error;
  const cause = details('SendEmail', error);
  const notApplied = certainlyNotSent(error);
  switch (classify(error)) {
    case 'throttled':
      return new UpstreamUnavailableError(UPSTREAM, RETRY_AFTER_THROTTLED, { cause, notApplied });
    case 'unavailable':
      return new UpstreamUnavailableError(UPSTREAM, RETRY_AFTER_UNAVAILABLE, { cause, notApplied });
    case 'configuration': {
      const status = cause.httpStatusCode === undefined ? '' : ` (HTTP ${cause.httpStatusCode})`;
      const set =
        context.configurationSetName === undefined ? '' : ` with configuration set ${context.configurationSetName}`;
      const hint = HINTS[cause.errorName] ?? "check the sender identity, the client's region and the IAM permissions";
      return new ConfigurationError(
        `SES SendEmail failed with ${cause.errorName}${status} for sender ${context.from}${set}; ${hint}.`,
        { cause },
      );
    }
  }
}
