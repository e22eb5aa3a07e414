/**
 * What an attacker sends, byte for byte: a literal SigV4 signer and a raw HTTP sender.
 *
 * The SDK signer and fetch both clean requests up before they leave (fetch resolves `..` and `%2e%2e` in paths, joins
 * repeated headers into one line and sets Host itself; the Smithy signer sorts and lower-cases SignedHeaders and
 * always adds X-Amz-Expires to a presigned URL). Attacks need the requests those tools refuse to make, so this module
 * signs exactly what it is told (SignedHeaders in the given order and case, duplicates kept, any X-Amz-Expires or
 * none) and sends with node:http, which puts the path, every header line and the Host header on the wire as given.
 *
 * The signer is an independent implementation of SigV4 (node:crypto, after the IAM User Guide's "Create a signed AWS
 * API request"); it shares no code with the gateway it attacks.
 */
import { createHash, createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';

export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface LiteralRequest {
  readonly method: string;
  /** Encoded path as it goes on the wire (no normalisation is applied when signing it either). */
  readonly path: string;
  /** Decoded query parameters, in order. */
  readonly query?: ReadonlyArray<readonly [string, string]>;
  /** Header values; names are matched case-insensitively when a SignedHeaders entry names them. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface LiteralSigning {
  readonly credentials: SigningCredentials;
  readonly region: string;
  readonly service: string;
  readonly signingDate: Date;
  /** Exactly the SignedHeaders value's entries: order, case and repeats as given. */
  readonly signedHeaders: readonly string[];
  /** `query` = presigned URL; `header` = Authorization header. */
  readonly form: 'header' | 'query';
  /** Presigned URLs only: the X-Amz-Expires value as sent, or undefined to leave the parameter out. */
  readonly expires?: string;
}

export function uriEscape(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

const sha256 = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

function headerValue(headers: Readonly<Record<string, string>>, name: string): string {
  const found = Object.entries(headers).find(([key]) => key.toLowerCase() === name.toLowerCase());
  return (found?.[1] ?? '').trim().replace(/\s+/g, ' ');
}

/** Signs `plain` literally; returns the path with its query string and the headers to send. */
export function literalSign(
  plain: LiteralRequest,
  signing: LiteralSigning,
): { path: string; headers: Record<string, string> } {
  const date = amzDate(signing.signingDate);
  const scopeDate = date.slice(0, 8);
  const scope = `${scopeDate}/${signing.region}/${signing.service}/aws4_request`;
  const headers: Record<string, string> = { ...plain.headers };
  const query: Array<readonly [string, string]> = [...(plain.query ?? [])];
  const signedHeaders = signing.signedHeaders.join(';');
  if (signing.form === 'header') {
    headers['x-amz-date'] = date;
    if (signing.credentials.sessionToken) headers['x-amz-security-token'] = signing.credentials.sessionToken;
  } else {
    query.push(
      ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
      ['X-Amz-Credential', `${signing.credentials.accessKeyId}/${scope}`],
    );
    query.push(['X-Amz-Date', date]);
    if (signing.expires !== undefined) query.push(['X-Amz-Expires', signing.expires]);
    if (signing.credentials.sessionToken) query.push(['X-Amz-Security-Token', signing.credentials.sessionToken]);
    query.push(['X-Amz-SignedHeaders', signedHeaders]);
  }
  const canonicalQuery = query
    .map(([key, value]) => [uriEscape(key), uriEscape(value)] as const)
    .sort(([ka, va], [kb, vb]) => (ka === kb ? (va < vb ? -1 : va > vb ? 1 : 0) : ka < kb ? -1 : 1))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const canonical = [
    plain.method,
    // Already encoded on the wire: encoded once more, slashes kept (non-S3 services).
    uriEscape(plain.path).replace(/%2F/g, '/'),
    canonicalQuery,
    signing.signedHeaders.map((name) => `${name}:${headerValue(headers, name)}\n`).join(''),
    signedHeaders,
    sha256(plain.body ?? ''),
  ].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', date, scope, sha256(canonical)].join('\n');
  let key: Buffer = hmac(`AWS4${signing.credentials.secretAccessKey}`, scopeDate);
  for (const part of [signing.region, signing.service, 'aws4_request']) key = hmac(key, part);
  const signature = hmac(key, stringToSign).toString('hex');

  if (signing.form === 'header') {
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${signing.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
    return { path: withQuery(plain.path, query), headers };
  }
  return { path: withQuery(plain.path, [...query, ['X-Amz-Signature', signature]]), headers };
}

function withQuery(path: string, query: ReadonlyArray<readonly [string, string]>): string {
  if (query.length === 0) return path;
  return `${path}?${query.map(([key, value]) => `${uriEscape(key)}=${uriEscape(value)}`).join('&')}`;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
  readonly json: unknown;
}

/**
 * Sends a request with node:http exactly as given: the path is not normalised, an array header value goes out as
 * one header line per value, and a `host` entry replaces the Host header node:http would set.
 */
export function rawSend(
  endpoint: string,
  init: {
    readonly method: string;
    readonly path: string;
    readonly headers?: Readonly<Record<string, string | readonly string[]>>;
    readonly body?: string | Buffer;
  },
): Promise<RawResponse> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: init.method,
        path: init.path,
        headers: init.headers as Record<string, string | string[]>,
        agent: false,
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text === '' ? undefined : JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, text, json });
        });
        incoming.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(init.body);
  });
}

/**
 * Writes `head` (request line and header lines, CRLF-separated, without the blank line) on a fresh TCP connection
 * and resolves to the response's status code: for what node:http will not send at all (two Host lines).
 */
export function rawWire(endpoint: string, head: readonly string[]): Promise<number> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(`${head.join('\r\n')}\r\n\r\n`));
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
      const status = /^HTTP\/1\.[01] (\d{3}) /.exec(received);
      if (status) {
        resolve(Number(status[1]));
        socket.destroy();
      }
    });
    socket.on('error', reject);
    socket.on('end', () => reject(new Error(`no status line in ${JSON.stringify(received.slice(0, 80))}`)));
  });
}
