import { CognitoServiceError } from './errors.js';

/**
 * Fault kinds: any exception name (answered with status 400, `InternalErrorException` with 500), `ServiceUnavailable`
 * (a bare 503), or `ConnectionReset` (the socket is destroyed without an answer: a network failure).
 */
export type FaultKind =
  | 'TooManyRequestsException'
  | 'LimitExceededException'
  | 'InternalErrorException'
  | 'ServiceUnavailable'
  | 'ConnectionReset'
  | (string & {});

export interface FaultOptions {
  /** Overrides the HTTP status. */
  readonly statusCode?: number;
  readonly message?: string;
  /** Adds a `Retry-After` header (seconds). */
  readonly retryAfterSeconds?: number;
}

export type Fault = { readonly kind: 'reset' } | { readonly kind: 'error'; readonly error: CognitoServiceError };

interface Pending {
  readonly operation: string;
  remaining: number;
  readonly fault: Fault;
}

/**
 * Programmatic fault injection: `failNext('GetOpenIdTokenForDeveloperIdentity', 'TooManyRequestsException', 3)`
 * makes the next three calls of that operation fail before any processing. `'*'` matches every operation.
 */
export class FaultInjector {
  private readonly pending: Pending[] = [];

  failNext(operation: string, kind: FaultKind, count = 1, options: FaultOptions = {}): void {
    if (!Number.isInteger(count) || count < 1) throw new RangeError('count must be a positive integer');
    this.pending.push({ operation, remaining: count, fault: toFault(kind, options) });
  }

  /** Removes every pending fault. */
  clear(): void {
    this.pending.length = 0;
  }

  /** How many injected failures are still pending (for one operation, or all). */
  remaining(operation?: string): number {
    return this.pending
      .filter((entry) => operation === undefined || entry.operation === operation)
      .reduce((sum, entry) => sum + entry.remaining, 0);
  }

  /** The fault for this call, if one is pending (consumes it). */
  take(operation: string): Fault | undefined {
    const index = this.pending.findIndex((entry) => entry.operation === operation || entry.operation === '*');
    const entry = this.pending[index];
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining === 0) this.pending.splice(index, 1);
    return entry.fault;
  }
}

function toFault(kind: FaultKind, options: FaultOptions): Fault {
  if (kind === 'ConnectionReset') return { kind: 'reset' };
  const headers: Record<string, string> =
    options.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(options.retryAfterSeconds) };
  if (kind === 'ServiceUnavailable') {
    const error = new CognitoServiceError(
      'ServiceUnavailable',
      options.message ?? 'Service unavailable (injected).',
      options.statusCode ?? 503,
      headers,
    );
    return { kind: 'error', error };
  }
  const status = options.statusCode ?? (kind === 'InternalErrorException' ? 500 : 400);
  return {
    kind: 'error',
    error: new CognitoServiceError(kind, options.message ?? `${kind} (injected)`, status, headers),
  };
}
