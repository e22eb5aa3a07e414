import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { FetchLike } from './auth-client.js';
import type { AwsCredentials } from './credentials.js';

export interface SignedRequestInit {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** Text bodies only: the signature covers the exact bytes. */
  readonly body?: string;
}

export type SignedFetch = (url: string | URL, init?: SignedRequestInit) => Promise<Response>;

export interface SignedFetchOptions {
  readonly credentials: (() => Promise<AwsCredentials>) & { invalidate?: () => void };
  readonly region: string;
  readonly service?: string;
  readonly fetch?: FetchLike;
  readonly now?: () => number;
}

/** API Gateway's refusals that a corrected clock or fresh credentials cure (its messages, see @devauth/local). */
const SKEWED = /Signature expired|Signature not yet current/i;
const EXPIRED_TOKEN = /security token included in the request is expired/i;
/** Beyond this a response's `Date` says our clock is off; below it, it is just the header's 1 s resolution. */
const SKEW_THRESHOLD_MS = 60_000;

/**
 * fetch for AWS_IAM routes: signs with SigV4 (service `execute-api`), keeps a clock offset learned from the server's
 * `Date` header, and re-signs once when the gateway refuses a skewed signature or expired credentials.
 */
export function createSignedFetch(options: SignedFetchOptions): SignedFetch & { clockOffsetMs(): number } {
  const doFetch: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const now = options.now ?? Date.now;
  const service = options.service ?? 'execute-api';
  let offsetMs = 0;

  const learnClock = (response: Response, force: boolean) => {
    const serverTime = Date.parse(response.headers.get('date') ?? '');
    if (Number.isNaN(serverTime)) return false;
    const skew = serverTime - now();
    if (!force && Math.abs(skew - offsetMs) < SKEW_THRESHOLD_MS) return false;
    offsetMs = skew;
    return true;
  };

  async function attempt(url: URL, init: SignedRequestInit): Promise<Response> {
    const method = (init.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(init.headers ?? {})) headers[name.toLowerCase()] = value;
    headers.host = url.host;
    const query: Record<string, string | string[]> = {};
    for (const [name, value] of url.searchParams) {
      const previous = query[name];
      query[name] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
    }
    const signer = new SignatureV4({
      credentials: options.credentials,
      region: options.region,
      service,
      sha256: Sha256,
    });
    const signed = await signer.sign(
      {
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query,
        headers,
        ...(init.body === undefined ? {} : { body: init.body }),
      },
      { signingDate: new Date(now() + offsetMs) },
    );
    // Browsers forbid setting Host; fetch derives the same value from the URL, which is what was signed.
    const { host: _host, ...sent } = signed.headers;
    return doFetch(url.toString(), { method, headers: sent, ...(init.body === undefined ? {} : { body: init.body }) });
  }

  const signedFetch = async (input: string | URL, init: SignedRequestInit = {}): Promise<Response> => {
    const url = new URL(input.toString());
    const response = await attempt(url, init);
    if (response.status !== 403) {
      learnClock(response, false);
      return response;
    }
    const message = await response
      .clone()
      .text()
      .catch(() => '');
    if (SKEWED.test(message) && learnClock(response, true)) return attempt(url, init);
    if (EXPIRED_TOKEN.test(message) && options.credentials.invalidate) {
      options.credentials.invalidate();
      return attempt(url, init);
    }
    return response;
  };
  return Object.assign(signedFetch, { clockOffsetMs: () => offsetMs });
}
