import { createHash, createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * The canonical request and the signature of SigV4, after the IAM User Guide's "Create a signed AWS API request"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html), with node:crypto
 * only: the Smithy signer is a dev dependency the tests use to prove the two agree.
 */

export const ALGORITHM = 'AWS4-HMAC-SHA256';

/** The parts of an HTTP request SigV4 covers, as they arrived on the wire. */
export interface WireRequest {
  readonly method: string;
  /** Path as sent (still percent-encoded), without the query. */
  readonly rawPath: string;
  /** Query string as sent, without the `?`. */
  readonly rawQuery: string;
  /**
   * Lower-case names, one entry per header line (Node's `headersDistinct`). Not Node's `headers`: that joins some
   * repeated headers with ", " and silently drops the repeats of others (Content-Type, Host, Authorization, ...),
   * which would let an unsigned second line through.
   */
  readonly headers: Readonly<Record<string, readonly string[] | undefined>>;
  readonly body: Buffer;
}

/** The WireRequest of a Node request whose body has been read. */
export function wireRequest(request: IncomingMessage, body: Buffer): WireRequest {
  const url = request.url ?? '/';
  const queryAt = url.indexOf('?');
  return {
    method: (request.method ?? 'GET').toUpperCase(),
    rawPath: queryAt === -1 ? url : url.slice(0, queryAt),
    rawQuery: queryAt === -1 ? '' : url.slice(queryAt + 1),
    headers: request.headersDistinct,
    body,
  };
}

/** Decoded query parameters in wire order (repeats kept), as SigV4 canonicalisation needs them. */
export function parseQuery(rawQuery: string): Array<[string, string]> {
  if (rawQuery === '') return [];
  return rawQuery
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      const key = eq === -1 ? part : part.slice(0, eq);
      const value = eq === -1 ? '' : part.slice(eq + 1);
      return [safeDecode(key), safeDecode(value)];
    });
}

export function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    // A malformed escape cannot be what a signer encoded; keeping it raw makes the signature simply not match.
    return value;
  }
}

/** The scope and signed-header parts of a claim the canonical request is built from. */
export interface CanonicalInputs {
  readonly form: 'header' | 'query';
  readonly accessKeyId: string;
  readonly scopeDate: string;
  readonly region: string;
  readonly service: string;
  /** Already checked to be lower-case, sorted and unique (see verify.ts). */
  readonly signedHeaders: readonly string[];
  readonly amzDate: string;
}

/** The hex signature a signer holding `secretAccessKey` would have produced for this request. */
export function computeSignature(request: WireRequest, claim: CanonicalInputs, secretAccessKey: string): string {
  const canonical = canonicalRequest(request, claim);
  const scope = `${claim.scopeDate}/${claim.region}/${claim.service}/aws4_request`;
  const stringToSign = [ALGORITHM, claim.amzDate, scope, sha256Hex(canonical)].join('\n');
  let key: Buffer = hmac(`AWS4${secretAccessKey}`, claim.scopeDate);
  for (const part of [claim.region, claim.service, 'aws4_request']) key = hmac(key, part);
  return hmac(key, stringToSign).toString('hex');
}

export function canonicalRequest(request: WireRequest, claim: CanonicalInputs): string {
  const headerLines = claim.signedHeaders.map(
    (name) => `${name}:${canonicalHeaderValue(request.headers[name] ?? [])}\n`,
  );
  // The body as received is always hashed: a claimed X-Amz-Content-Sha256 (or UNSIGNED-PAYLOAD) is never trusted,
  // so a changed body always breaks the signature.
  return [
    request.method.toUpperCase(),
    canonicalPath(request.rawPath),
    canonicalQuery(request.rawQuery, claim.form === 'query'),
    headerLines.join(''),
    claim.signedHeaders.join(';'),
    sha256Hex(request.body),
  ].join('\n');
}

/**
 * Non-S3 services: normalise `.`/`..`/empty segments, then encode the (already encoded) path once more. The gateway
 * refuses such paths before it gets here; the normalisation stays because it is what signers do.
 */
function canonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `${rawPath.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && rawPath.endsWith('/') ? '/' : ''}`;
  return uriEscape(normalized).replace(/%2F/g, '/');
}

function canonicalQuery(rawQuery: string, presigned: boolean): string {
  return parseQuery(rawQuery)
    .filter(([key]) => !(presigned && key === 'X-Amz-Signature'))
    .map(([key, value]) => [uriEscape(key), uriEscape(value)] as const)
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

/**
 * A header's canonical value: each line's value trimmed and its runs of spaces collapsed, the lines of a repeated
 * header joined with "," (no space), as the SigV4 spec's CanonicalHeaders entry says.
 */
export function canonicalHeaderValue(values: readonly string[]): string {
  return values.map((value) => value.trim().replace(/\s+/g, ' ')).join(',');
}

/** RFC 3986 unreserved characters stay; everything else is percent-encoded (upper-case hex). */
export function uriEscape(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}
