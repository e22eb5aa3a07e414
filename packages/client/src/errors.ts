/** One problem of a validation error, as the server reports it. */
export interface ValidationIssue {
  readonly path: ReadonlyArray<string | number> | string;
  readonly code: string;
  readonly message: string;
}

/** The server's error codes, plus the client-side ones (`NETWORK_ERROR`, `HTTP_ERROR`, `NOT_SIGNED_IN`). */
export type DevauthErrorCode =
  | 'VALIDATION_FAILED'
  | 'INVALID_CREDENTIALS'
  | 'ACCOUNT_DISABLED'
  | 'EMAIL_NOT_VERIFIED'
  | 'ROLE_NOT_ALLOWED'
  | 'USERNAME_TAKEN'
  | 'EMAIL_TAKEN'
  | 'REFRESH_TOKEN_INVALID'
  | 'ACCOUNT_TOKEN_INVALID'
  | 'SESSION_NOT_FOUND'
  | 'USER_NOT_FOUND'
  | 'ADMIN_REQUIRED'
  | 'ADMIN_SELF_CHANGE'
  | 'INVITATION_NOT_FOUND'
  | 'THROTTLED'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'PAYLOAD_TOO_LARGE'
  | 'INTERNAL'
  | 'NETWORK_ERROR'
  | 'HTTP_ERROR'
  | 'NOT_SIGNED_IN'
  | (string & {});

export interface DevauthClientErrorInit {
  readonly code: DevauthErrorCode;
  readonly message: string;
  readonly status: number;
  readonly issues?: readonly ValidationIssue[];
  readonly retryAfterSeconds?: number;
  readonly correlationId?: string;
  readonly cause?: unknown;
}

/**
 * Every failure of the client: `code` mirrors the server's `error.code` (switch on it), `status` is the HTTP status
 * (0 when no response arrived), `issues` comes with VALIDATION_FAILED and `retryAfterSeconds` with THROTTLED and
 * UPSTREAM_UNAVAILABLE.
 */
export class DevauthClientError extends Error {
  override readonly name = 'DevauthClientError';
  readonly code: DevauthErrorCode;
  readonly status: number;
  readonly issues: readonly ValidationIssue[] | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly correlationId: string | undefined;

  constructor(init: DevauthClientErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.status = init.status;
    this.issues = init.issues;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.correlationId = init.correlationId;
  }
}

export function isDevauthClientError(error: unknown, code?: DevauthErrorCode): error is DevauthClientError {
  return error instanceof DevauthClientError && (code === undefined || error.code === code);
}

/** `Retry-After` as seconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

const STATUS_CODES: Record<number, DevauthErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'THROTTLED',
  503: 'UPSTREAM_UNAVAILABLE',
};

/**
 * Builds the error for a non-2xx response. devauth bodies are `{ error: { code, message, issues? } }`; API Gateway's
 * own refusals are `{ message }`, so the code then comes from the status.
 */
export async function errorFromResponse(response: Response, now: number): Promise<DevauthClientError> {
  const text = await response.text().catch(() => '');
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  const envelope = (parsed as { error?: unknown } | undefined)?.error;
  const body = (typeof envelope === 'object' && envelope !== null ? envelope : parsed) as
    | { code?: unknown; message?: unknown; issues?: unknown; correlationId?: unknown }
    | undefined;
  const code = typeof body?.code === 'string' ? body.code : (STATUS_CODES[response.status] ?? (`HTTP_ERROR` as const));
  const message = typeof body?.message === 'string' ? body.message : `Request failed with status ${response.status}`;
  const retryAfterSeconds =
    code === 'THROTTLED' || code === 'UPSTREAM_UNAVAILABLE'
      ? (parseRetryAfter(response.headers.get('retry-after'), now) ?? undefined)
      : undefined;
  return new DevauthClientError({
    code,
    message,
    status: response.status,
    ...(Array.isArray(body?.issues) ? { issues: body.issues as ValidationIssue[] } : {}),
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    ...(typeof body?.correlationId === 'string' ? { correlationId: body.correlationId } : {}),
  });
}
