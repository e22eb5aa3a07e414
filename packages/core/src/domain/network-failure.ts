/**
 * Socket-level failures every adapter sees the same way: the peer is down, unreachable, or dropped the connection.
 * Shared here so each adapter maps them to UpstreamUnavailableError alike (adapters never import each other).
 */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  'UND_ERR_SOCKET',
]);

/** Error names the AWS SDK and fetch use for timeouts and aborted requests. */
const NETWORK_ERROR_NAMES: ReadonlySet<string> = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'AbortError',
]);

interface ErrorLike {
  readonly code?: unknown;
  readonly name?: unknown;
  readonly cause?: unknown;
  readonly errors?: unknown;
}

/**
 * True when `error`, its `cause` chain or (for Node's dual-stack connect) any error of an AggregateError is a
 * network failure. Depth-bounded, so a cyclic cause cannot loop.
 */
export function isNetworkFailure(error: unknown, depth = 0): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { code, name, cause, errors } = error as ErrorLike;
  if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return true;
  if (typeof name === 'string' && NETWORK_ERROR_NAMES.has(name)) return true;
  if (depth >= 5) return false;
  if (Array.isArray(errors) && errors.some((inner) => isNetworkFailure(inner, depth + 1))) return true;
  return cause !== undefined && isNetworkFailure(cause, depth + 1);
}
