import {
  type DevauthErrorCode,
  isDevauthError,
  ThrottledError,
  UpstreamUnavailableError,
  ValidationError,
} from '@devauth/core';
import type { HttpResponse } from './http.js';

/** Body of every error response: a stable code, a message for humans, field issues for 400s. */
export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly issues?: readonly { readonly path: readonly (string | number)[]; code: string; message: string }[];
    readonly correlationId?: string;
  };
}

/** An error raised by the HTTP edge itself (body too large, not JSON, no caller). */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }

  static badRequest(code: string, message: string): HttpError {
    return new HttpError(400, code, message);
  }

  static payloadTooLarge(maxBytes: number): HttpError {
    return new HttpError(413, 'PAYLOAD_TOO_LARGE', `The request body exceeds ${maxBytes} bytes.`);
  }
}

/** What the edge answers for an error, plus what it logs about it. */
export interface MappedError {
  readonly response: HttpResponse;
  /** The precise code, for the log line (the body may be more generic). */
  readonly errorCode: string;
  /** True for 500s: the error is logged with its stack (never its message, which may quote input). */
  readonly unexpected: boolean;
}

function body(code: string, message: string, extra: Partial<ErrorBody['error']> = {}): ErrorBody {
  return { error: { code, message, ...extra } };
}

// Bad credentials get one body whatever the cause, so responses never tell which part was wrong.
const INVALID_CREDENTIALS = body('INVALID_CREDENTIALS', 'Invalid username or password.');
const INVALID_REFRESH_TOKEN = body('REFRESH_TOKEN_INVALID', 'The refresh token is invalid, expired or revoked.');

const retryAfter = (seconds: number) => ({ 'retry-after': String(Math.max(1, Math.ceil(seconds))) });

/**
 * Maps anything thrown by a use case or the edge to a response. Domain codes map to 4xx/503; configuration errors
 * and anything unknown become a 500 carrying only a correlation id, so no internals reach the client.
 */
export function mapError(error: unknown, correlationId: string): MappedError {
  if (error instanceof HttpError) {
    return {
      response: { statusCode: error.statusCode, headers: error.headers, body: body(error.code, error.message) },
      errorCode: error.code,
      unexpected: false,
    };
  }
  if (error instanceof ValidationError) {
    return {
      response: {
        statusCode: 400,
        body: body('VALIDATION_FAILED', 'The request is invalid.', {
          issues: error.issues.map(({ path, code, message }) => ({ path, code, message })),
        }),
      },
      errorCode: error.code,
      unexpected: false,
    };
  }
  if (isDevauthError(error)) {
    const code: DevauthErrorCode = error.code;
    const respond = (statusCode: number, responseBody: ErrorBody, headers: Record<string, string> = {}) => ({
      response: { statusCode, headers, body: responseBody },
      errorCode: code,
      unexpected: false,
    });
    switch (code) {
      case 'INVALID_CREDENTIALS':
        return respond(401, INVALID_CREDENTIALS);
      case 'REFRESH_TOKEN_INVALID':
      case 'REFRESH_TOKEN_REUSED':
        return respond(401, INVALID_REFRESH_TOKEN);
      case 'ACCOUNT_DISABLED':
      case 'ROLE_NOT_ALLOWED':
      // Only after a correct password: the caller may know the account is unverified (a new link was sent).
      case 'EMAIL_NOT_VERIFIED':
        return respond(403, body(code, error.message));
      // The core's own check of an admin caller (the edge's guard refused it first, as FORBIDDEN, if it could): one
      // answer for a non-admin, a disabled and an unknown caller.
      case 'ADMIN_REQUIRED':
        return respond(403, body(code, error.message));
      case 'USERNAME_TAKEN':
      case 'EMAIL_TAKEN':
      case 'VERSION_CONFLICT':
      case 'IDENTITY_TAKEN':
        return respond(409, body(code, error.message));
      // Lock-out protection: the request is valid, but not on one's own account (another administrator can do it).
      case 'ADMIN_SELF_CHANGE':
        return respond(409, body(code, error.message));
      case 'USER_NOT_FOUND':
      case 'SESSION_NOT_FOUND':
      case 'INVITATION_NOT_FOUND':
        return respond(404, body(code, error.message));
      case 'ACCOUNT_TOKEN_INVALID':
        return respond(400, body(code, error.message));
      case 'THROTTLED':
        return respond(
          429,
          body(code, 'Too many attempts; retry later.'),
          retryAfter(error instanceof ThrottledError ? error.retryAfterSeconds : 1),
        );
      case 'UPSTREAM_UNAVAILABLE':
        return respond(
          503,
          body(code, 'The service is temporarily unavailable; retry later.'),
          retryAfter(error instanceof UpstreamUnavailableError ? error.retryAfterSeconds : 5),
        );
      // A server problem: a configuration error, or a VALIDATION_FAILED of another class than ValidationError.
      case 'CONFIGURATION':
      case 'VALIDATION_FAILED':
        break;
      default: {
        // Every code is mapped on purpose: a new one fails to compile here until it is given its status.
        const unmapped: never = code;
        void unmapped;
        break;
      }
    }
  }
  return {
    response: {
      statusCode: 500,
      headers: { 'x-correlation-id': correlationId },
      body: body('INTERNAL', 'An unexpected error occurred.', { correlationId }),
    },
    errorCode: isDevauthError(error) ? error.code : 'INTERNAL',
    unexpected: true,
  };
}
