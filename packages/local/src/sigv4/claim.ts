import { ALGORITHM, type CanonicalInputs, parseQuery, type WireRequest } from './canonical.js';
import { INVALID_EXPIRES, MISSING_AUTHENTICATION_TOKEN, mismatch, SignatureError } from './errors.js';

/** The longest X-Amz-Expires SigV4 accepts: 7 days (the shortest is 1 s). */
export const MAX_EXPIRES_SECONDS = 604_800;

/** What the request says about its signature, before anything is checked against a secret. */
export interface SignatureClaim extends CanonicalInputs {
  readonly signature: string;
  readonly securityToken: string | undefined;
  /** Presigned URLs only. */
  readonly expiresSeconds: number | undefined;
}

/** The query parameters of a presigned URL: each may appear once (a repeat would make the URL ambiguous). */
const QUERY_AUTH_PARAMETERS = [
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-Security-Token',
  'X-Amz-Signature',
  'X-Amz-SignedHeaders',
] as const;

/** Presigned URLs must carry these; X-Amz-Expires too, so a URL cannot quietly be valid for the 7-day maximum. */
const REQUIRED_QUERY_PARAMETERS = [
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Signature',
  'X-Amz-SignedHeaders',
  'X-Amz-Date',
  'X-Amz-Expires',
] as const;

/** Reads the signature from the Authorization header or the presigned query; undefined when there is none. */
export function readSignatureClaim(request: WireRequest): SignatureClaim | undefined {
  const authorization = singleHeader(request, 'authorization');
  if (authorization !== undefined && authorization !== '') return fromHeader(request, authorization);
  const query = parseQuery(request.rawQuery);
  if (query.some(([key]) => key === 'X-Amz-Algorithm' || key === 'X-Amz-Signature' || key === 'X-Amz-Credential')) {
    return fromQuery(query);
  }
  return undefined;
}

/**
 * A header that must appear at most once (Authorization, X-Amz-Date, X-Amz-Security-Token): two lines would leave it
 * open which one was meant, so such a request cannot verify.
 */
export function singleHeader(request: WireRequest, name: string): string | undefined {
  const values = request.headers[name];
  if (values === undefined || values.length === 0) return undefined;
  if (values.length > 1) throw mismatch();
  return values[0];
}

function fromHeader(request: WireRequest, authorization: string): SignatureClaim {
  if (!authorization.startsWith(`${ALGORITHM} `)) {
    // API Gateway treats anything but SigV4 (Basic, Bearer, ...) as an unsigned request.
    throw new SignatureError('MissingAuthenticationTokenException', MISSING_AUTHENTICATION_TOKEN);
  }
  const fields = new Map<string, string>();
  for (const part of authorization.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    // A repeated field (two Signatures, ...) is as ambiguous as a repeated header.
    if (fields.has(key)) throw mismatch();
    fields.set(key, part.slice(eq + 1).trim());
  }
  const amzDate = singleHeader(request, 'x-amz-date');
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
    securityToken: singleHeader(request, 'x-amz-security-token'),
    expiresSeconds: undefined,
  };
}

function fromQuery(pairs: ReadonlyArray<readonly [string, string]>): SignatureClaim {
  const query = new Map<string, string>();
  for (const [key, value] of pairs) {
    if ((QUERY_AUTH_PARAMETERS as readonly string[]).includes(key) && query.has(key)) throw mismatch();
    query.set(key, value);
  }
  const missing = REQUIRED_QUERY_PARAMETERS.filter((name) => !query.get(name));
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
  return {
    form: 'query',
    ...parseCredential(query.get('X-Amz-Credential')!),
    signedHeaders: query.get('X-Amz-SignedHeaders')!.split(';'),
    signature: query.get('X-Amz-Signature')!,
    amzDate: query.get('X-Amz-Date')!,
    securityToken: query.get('X-Amz-Security-Token'),
    expiresSeconds: parseExpires(query.get('X-Amz-Expires')!),
  };
}

/**
 * X-Amz-Expires: decimal digits only, 1..604800 (SigV4's bound for presigned URLs, "Authenticating Requests: Using
 * Query Parameters", https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html). `Number()` is
 * not enough: it reads "1e3", "0x3c", " 60" and "60.0" as integers no signer would have sent.
 */
function parseExpires(raw: string): number {
  const seconds = /^[0-9]{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(seconds >= 1 && seconds <= MAX_EXPIRES_SECONDS)) {
    throw new SignatureError('IncompleteSignatureException', INVALID_EXPIRES);
  }
  return seconds;
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
