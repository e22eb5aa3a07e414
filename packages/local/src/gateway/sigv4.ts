import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * SigV4 verification for the local gateway, written against the spec with node:crypto (no runtime dependency: the
 * Smithy signer is only a dev dependency, used by the tests to prove the two agree).
 */

export const ALGORITHM = 'AWS4-HMAC-SHA256';
/** API Gateway's allowed clock skew between X-Amz-Date and its own clock. */
export const MAX_SKEW_MS = 5 * 60 * 1000;
/** The longest X-Amz-Expires SigV4 accepts (7 days). */
const MAX_EXPIRES_SECONDS = 604_800;

/** What the request says about its signature, before anything is checked against a secret. */
export interface SignatureClaim {
  readonly form: 'header' | 'query';
  readonly accessKeyId: string;
  readonly scopeDate: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
  readonly amzDate: string;
  readonly securityToken: string | undefined;
  /** Presigned URLs only. */
  readonly expiresSeconds: number | undefined;
}

/** The parts of the HTTP request SigV4 covers, as they arrived on the wire. */
export interface WireRequest {
  readonly method: string;
  /** Path as sent (still percent-encoded), without the query. */
  readonly rawPath: string;
  /** Query string as sent, without the `?`. */
  readonly rawQuery: string;
  /** Lower-case names; repeated headers already joined with `,` as Node does. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
}

/** A request that cannot be checked, with API Gateway's answer for it. */
export class SignatureError extends Error {
  constructor(
    readonly type:
      | 'MissingAuthenticationTokenException'
      | 'IncompleteSignatureException'
      | 'InvalidSignatureException'
      | 'UnrecognizedClientException'
      | 'ExpiredTokenException',
    message: string,
  ) {
    super(message);
    this.name = 'SignatureError';
  }
}

export const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key ' +
  'and signing method. Consult the service documentation for details.';

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

/** Reads the signature from the Authorization header or the presigned query; undefined when there is none. */
export function readSignatureClaim(request: WireRequest): SignatureClaim | undefined {
  const authorization = request.headers.authorization;
  if (authorization !== undefined && authorization !== '') return fromHeader(request, authorization);
  const query = new Map(parseQuery(request.rawQuery));
  if (query.has('X-Amz-Algorithm') || query.has('X-Amz-Signature') || query.has('X-Amz-Credential')) {
    return fromQuery(query);
  }
  return undefined;
}

function fromHeader(request: WireRequest, authorization: string): SignatureClaim {
  if (!authorization.startsWith(`${ALGORITHM} `)) {
    // API Gateway treats anything but SigV4 (Basic, Bearer, ...) as an unsigned request.
    throw new SignatureError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
  const fields = new Map<string, string>();
  for (const part of authorization.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const amzDate = request.headers['x-amz-date'];
  const missing = [
    fields.has('Credential') ? undefined : "Authorization header requires 'Credential' parameter.",
    fields.has('Signature') ? undefined : "Authorization header requires 'Signature' parameter.",
    fields.has('SignedHeaders') ? undefined : "Authorization header requires 'SignedHeaders' parameter.",
    // The `Date` header form is legal SigV4 but the SDKs never use it; only X-Amz-Date is supported here.
    amzDate ? undefined : "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
  ].filter((line) => line !== undefined);
  if (missing.length > 0) throw new SignatureError('IncompleteSignatureException', missing.join(' '));
  return {
    form: 'header',
    ...parseCredential(fields.get('Credential')!),
    signedHeaders: fields.get('SignedHeaders')!.split(';'),
    signature: fields.get('Signature')!,
    amzDate: amzDate!,
    securityToken: request.headers['x-amz-security-token'],
    expiresSeconds: undefined,
  };
}

function fromQuery(query: Map<string, string>): SignatureClaim {
  const required = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date'];
  const missing = required.filter((name) => !query.get(name));
  if (missing.length > 0) {
    throw new SignatureError(
      'IncompleteSignatureException',
      missing.map((name) => `AWS query-string parameters must include '${name}'.`).join(' '),
    );
  }
  if (query.get('X-Amz-Algorithm') !== ALGORITHM) {
    throw new SignatureError(
      'IncompleteSignatureException',
      `Unsupported AWS 'algorithm': '${query.get('X-Amz-Algorithm')}'`,
    );
  }
  const expires = Number(query.get('X-Amz-Expires') ?? MAX_EXPIRES_SECONDS);
  if (!Number.isInteger(expires) || expires < 1 || expires > MAX_EXPIRES_SECONDS) {
    throw new SignatureError('IncompleteSignatureException', 'X-Amz-Expires must be between 1 and 604800 seconds.');
  }
  return {
    form: 'query',
    ...parseCredential(query.get('X-Amz-Credential')!),
    signedHeaders: query.get('X-Amz-SignedHeaders')!.split(';'),
    signature: query.get('X-Amz-Signature')!,
    amzDate: query.get('X-Amz-Date')!,
    securityToken: query.get('X-Amz-Security-Token'),
    expiresSeconds: expires,
  };
}

function parseCredential(credential: string) {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || parts.some((part) => part === '')) {
    throw new SignatureError(
      'IncompleteSignatureException',
      `Credential should be scoped to a valid region, service and date, e.g. 'AKID/20260101/us-east-1/execute-api/aws4_request'.`,
    );
  }
  const [accessKeyId, scopeDate, region, service] = parts as [string, string, string, string];
  return { accessKeyId, scopeDate, region, service };
}

/** `20260102T030405Z` → Date; undefined when malformed. */
export function parseAmzDate(amzDate: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function formatAmzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/**
 * Checks scope (region, service), time (skew, or presign expiry) and the signature itself against the secret.
 * Throws a SignatureError carrying API Gateway's wording.
 */
export function verifySignature(
  request: WireRequest,
  claim: SignatureClaim,
  expected: { readonly region: string; readonly service: string; readonly secretAccessKey: string; readonly now: Date },
): void {
  if (claim.region !== expected.region) {
    throw new SignatureError(
      'InvalidSignatureException',
      `Credential should be scoped to a valid region, not '${claim.region}'. `,
    );
  }
  if (claim.service !== expected.service) {
    throw new SignatureError(
      'InvalidSignatureException',
      `Credential should be scoped to correct service: '${expected.service}'. `,
    );
  }
  const signedAt = parseAmzDate(claim.amzDate);
  if (!signedAt) {
    throw new SignatureError(
      'IncompleteSignatureException',
      `Date must be in ISO-8601 'basic format'. Got '${claim.amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`,
    );
  }
  checkTime(claim, signedAt, expected.now);
  if (claim.scopeDate !== claim.amzDate.slice(0, 8))
    throw new SignatureError('InvalidSignatureException', SIGNATURE_MISMATCH);
  // Host must be signed (the spec requires it); otherwise a signature could be replayed against another host.
  if (!claim.signedHeaders.includes('host')) throw new SignatureError('InvalidSignatureException', SIGNATURE_MISMATCH);

  const computed = computeSignature(request, claim, expected.secretAccessKey);
  const given = Buffer.from(claim.signature, 'utf8');
  const wanted = Buffer.from(computed, 'utf8');
  // Constant time, so response timing tells nothing about how much of a forged signature was right.
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    throw new SignatureError('InvalidSignatureException', SIGNATURE_MISMATCH);
  }
}

function checkTime(claim: SignatureClaim, signedAt: Date, now: Date): void {
  const at = now.getTime();
  if (claim.expiresSeconds !== undefined) {
    const limit = new Date(at - claim.expiresSeconds * 1000);
    if (signedAt.getTime() < limit.getTime()) {
      throw new SignatureError(
        'InvalidSignatureException',
        `Signature expired: ${claim.amzDate} is now earlier than ${formatAmzDate(limit)} (${formatAmzDate(now)} - ${claim.expiresSeconds} sec.)`,
      );
    }
  } else if (signedAt.getTime() < at - MAX_SKEW_MS) {
    throw new SignatureError(
      'InvalidSignatureException',
      `Signature expired: ${claim.amzDate} is now earlier than ${formatAmzDate(new Date(at - MAX_SKEW_MS))} (${formatAmzDate(now)} - 5 min.)`,
    );
  }
  if (signedAt.getTime() > at + MAX_SKEW_MS) {
    throw new SignatureError(
      'InvalidSignatureException',
      `Signature not yet current: ${claim.amzDate} is still later than ${formatAmzDate(new Date(at + MAX_SKEW_MS))} (${formatAmzDate(now)} + 5 min.)`,
    );
  }
}

/** The hex signature a signer holding `secretAccessKey` would have produced for this request. */
export function computeSignature(request: WireRequest, claim: SignatureClaim, secretAccessKey: string): string {
  const canonical = canonicalRequest(request, claim);
  const scope = `${claim.scopeDate}/${claim.region}/${claim.service}/aws4_request`;
  const stringToSign = [ALGORITHM, claim.amzDate, scope, sha256Hex(canonical)].join('\n');
  let key: Buffer = hmac(`AWS4${secretAccessKey}`, claim.scopeDate);
  for (const part of [claim.region, claim.service, 'aws4_request']) key = hmac(key, part);
  return hmac(key, stringToSign).toString('hex');
}

export function canonicalRequest(request: WireRequest, claim: SignatureClaim): string {
  const signedHeaders = [...claim.signedHeaders].sort();
  const headerLines = signedHeaders.map((name) => `${name}:${canonicalHeaderValue(request.headers[name] ?? '')}\n`);
  // The body as received is always hashed: a claimed X-Amz-Content-Sha256 (or UNSIGNED-PAYLOAD) is never trusted,
  // so a changed body always breaks the signature.
  return [
    request.method.toUpperCase(),
    canonicalPath(request.rawPath),
    canonicalQuery(request.rawQuery, claim.form === 'query'),
    headerLines.join(''),
    signedHeaders.join(';'),
    sha256Hex(request.body),
  ].join('\n');
}

/** Non-S3 services: normalise `.`/`..`/empty segments, then encode the (already encoded) path once more. */
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

function canonicalHeaderValue(value: string): string {
  return value.trim().replace(/\s+/g, ' ');
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
