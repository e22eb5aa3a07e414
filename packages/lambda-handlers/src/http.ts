import { ValidationError } from '@devauth/core';
import type { ApiGatewayProxyResult, ApiGatewayProxyResultV1, ApiGatewayProxyResultV2, HttpRequest } from './events.js';
import { HttpError } from './http-errors.js';

/** A response before it is put in the shape of the event's payload version. */
export interface HttpResponse {
  readonly statusCode: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024;

const BASE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/json; charset=utf-8',
  // Responses carry tokens: never let a browser or proxy cache them.
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, body, headers };
}

/** Serializes and shapes a response for the payload version the request came in (v1 REST, v2 HTTP API). */
export function toProxyResult(request: Pick<HttpRequest, 'version'>, response: HttpResponse): ApiGatewayProxyResult {
  const hasBody = response.body !== undefined && response.statusCode !== 204;
  const headers: Record<string, string> = { ...BASE_HEADERS, ...response.headers };
  if (!hasBody) delete headers['content-type'];
  // Dates become ISO strings through Date#toJSON.
  const result = {
    statusCode: response.statusCode,
    headers,
    body: hasBody ? JSON.stringify(response.body) : '',
    isBase64Encoded: false,
  };
  // The fields both versions share are all devauth needs: v1's multiValueHeaders and v2's cookies are optional,
  // and devauth sets no cookies (tokens travel in the JSON body, never in ambient credentials).
  return request.version === 2
    ? (result satisfies ApiGatewayProxyResultV2)
    : (result satisfies ApiGatewayProxyResultV1);
}

export interface CorsOptions {
  /** Allowed origins, exact (`https://app.example.com`), or `*` for any. Empty: no CORS headers at all. */
  readonly origins: readonly string[];
}

const PREFLIGHT_HEADERS = {
  // Every method a route of HANDLER_ROUTES uses (the account and admin routes have PUT and DELETE).
  'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
  // SigV4 headers so a browser can call IAM-protected routes (`me`) with temporary credentials.
  'access-control-allow-headers':
    'content-type, authorization, x-amz-date, x-amz-security-token, x-amz-content-sha256, x-amz-user-agent',
  'access-control-max-age': '600',
};

/** The CORS headers for a request: the matching Origin echoed (never a list), with Vary so caches keep them apart. */
export function corsHeaders(request: HttpRequest, cors: CorsOptions, preflight: boolean): Record<string, string> {
  if (cors.origins.length === 0) return {};
  const origin = request.headers.origin;
  const allowed = origin !== undefined && (cors.origins.includes(origin) || cors.origins.includes('*'));
  if (!allowed) return { vary: 'Origin' };
  return {
    'access-control-allow-origin': origin,
    vary: 'Origin',
    ...(preflight ? PREFLIGHT_HEADERS : {}),
  };
}

/**
 * Reads the body as JSON. The size is bounded before anything is decoded or parsed (a huge body costs nothing
 * beyond its transfer); base64 bodies are bounded on their encoded length first, then on the decoded bytes.
 */
export function readJsonBody(request: HttpRequest, maxBytes: number): unknown {
  const raw = request.body;
  if (raw === undefined || raw === '') throw HttpError.badRequest('INVALID_JSON', 'The request body must be JSON.');
  // A UTF-16 string never has more code units than UTF-8 bytes, so this cheap check comes first.
  const encodedLimit = request.isBase64Encoded ? Math.ceil(maxBytes / 3) * 4 + 4 : maxBytes;
  if (raw.length > encodedLimit) throw HttpError.payloadTooLarge(maxBytes);
  let text: string;
  if (request.isBase64Encoded) {
    const bytes = Buffer.from(raw, 'base64');
    if (bytes.byteLength > maxBytes) throw HttpError.payloadTooLarge(maxBytes);
    text = bytes.toString('utf8');
  } else {
    if (Buffer.byteLength(raw, 'utf8') > maxBytes) throw HttpError.payloadTooLarge(maxBytes);
    text = raw;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // The parser's message quotes the input: not echoed.
    throw HttpError.badRequest('INVALID_JSON', 'The request body is not valid JSON.');
  }
}

/** Only checks the size (routes that ignore the body still refuse oversized ones). */
export function assertBodySize(request: HttpRequest, maxBytes: number): void {
  const raw = request.body;
  if (raw === undefined || raw === '') return;
  const size = request.isBase64Encoded ? Math.floor((raw.length * 3) / 4) : Buffer.byteLength(raw, 'utf8');
  if (size > maxBytes) throw HttpError.payloadTooLarge(maxBytes);
}

/**
 * For routes that take no input: no body, or an empty JSON object (`{}`, what some clients send with every POST).
 * Anything else is refused like an unknown field of the other routes' strict bodies (400), after the size check.
 */
export function readEmptyBody(request: HttpRequest, maxBytes: number): void {
  if (request.body === undefined || request.body === '') return;
  const input = readJsonBody(request, maxBytes);
  if (typeof input === 'object' && input !== null && !Array.isArray(input) && Object.keys(input).length === 0) return;
  throw new ValidationError([{ path: [], code: 'unexpected_body', message: 'This route takes no request body.' }]);
}
