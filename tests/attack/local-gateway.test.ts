/**
 * The local API gateway attacked at the HTTP level, with requests the SDK and fetch would never send: dot and empty
 * path segments that a captured signature also covers, presigned URLs without (or with a bent) X-Amz-Expires,
 * SignedHeaders lists no signer produces, repeated header lines, and foreign Host headers (DNS rebinding).
 *
 * Every refusal is checked with the status, `x-amzn-ErrorType` and `{"message"}` API Gateway answers with, and the
 * handler must not have run.
 */
import './support/log-capture.js';
import {
  type IdentityPoolEmulator,
  type LocalGateway,
  startIdentityPoolEmulator,
  startLocalGateway,
} from '@devauth/local';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type Credentials,
  PROVIDER,
  REGION,
  type Stack,
  sign,
  request as signable,
  userCredentials,
} from '../../packages/local/tests/gateway/helpers.js';
import { rememberedSecretCount, rememberSecrets } from './support/log-capture.js';
import { literalSign, type RawResponse, rawSend, rawWire } from './support/raw-http.js';

const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key ' +
  'and signing method. Consult the service documentation for details.';

let emulator: IdentityPoolEmulator;
let gateway: LocalGateway;
let seller: Credentials;
/** Every event a handler received since the last test started. */
const events: unknown[] = [];

beforeAll(async () => {
  emulator = await startIdentityPoolEmulator({ region: REGION });
  const pool = emulator.createPool({ developerProviderName: PROVIDER });
  const echo = async (event: unknown) => {
    events.push(event);
    return { statusCode: 200, body: JSON.stringify({ ok: true }) };
  };
  gateway = await startLocalGateway({
    region: REGION,
    emulator,
    routes: [
      { method: 'GET', path: '/files/{proxy+}', payload: 'v2', auth: 'AWS_IAM', handler: echo },
      { method: 'GET', path: '/products', payload: 'v1', auth: 'AWS_IAM', handler: echo },
      { method: 'POST', path: '/products', payload: 'v1', auth: 'AWS_IAM', handler: echo },
      { method: 'GET', path: '/health', payload: 'v2', auth: 'NONE', handler: echo },
    ],
  });
  const stack: Stack = { emulator, pool, gateway, events, stop: async () => {} };
  seller = await userCredentials(stack, 'seller-attack', 'seller');
  rememberSecrets(seller.secretAccessKey, seller.sessionToken);
});

afterAll(async () => {
  await gateway?.stop();
  await emulator?.stop();
});

beforeEach(() => {
  events.length = 0;
});

const host = () => new URL(gateway.endpoint).host;

/** A request signed by the SDK signer, sent with node:http (path and headers exactly as given). */
async function sdkSigned(method: string, path: string, headers: Record<string, string> = {}, body?: string) {
  const signed = await sign(
    seller,
    signable(gateway, method, path, { headers, ...(body === undefined ? {} : { body }) }),
  );
  return { headers: signed.headers, body };
}

function refusal(status: number, type: string, message: string | RegExp) {
  return {
    status,
    headers: expect.objectContaining({ 'x-amzn-errortype': type }),
    json: { message: typeof message === 'string' ? message : expect.stringMatching(message) },
  };
}

const expectRefused = (response: RawResponse, status: number, type: string, message: string | RegExp) => {
  expect(response).toMatchObject(refusal(status, type, message));
  expect(events).toEqual([]);
};

describe('dot and empty path segments (a signature for /a/b must not cover /a/x/../b)', () => {
  it('refuses every non-canonical spelling of a signed path with 400 before routing or authentication', async () => {
    // The captured request: signed for /files/public/readme.
    const captured = await sdkSigned('GET', '/files/public/readme');
    const genuine = await rawSend(gateway.endpoint, { method: 'GET', path: '/files/public/readme', ...captured });
    expect(genuine.status).toBe(200);
    expect(events).toMatchObject([{ pathParameters: { proxy: 'public/readme' } }]);
    events.length = 0;

    const variants = [
      '/files/public/x/../readme',
      '/files/public/./readme',
      '/files/public/x/%2e%2e/readme',
      '/files/public/x/%2E%2E/readme',
      '/files/public/x/.%2e/readme',
      '/files/public/%2e/readme',
      '/files/public//readme',
      '/files//public/readme',
      '/files/public/readme//',
      '/files/public/readme/.',
      '/files/public/readme/..',
    ];
    const answers: Record<string, unknown> = {};
    for (const path of variants) {
      const response = await rawSend(gateway.endpoint, { method: 'GET', path, ...captured });
      answers[path] = { status: response.status, type: response.headers['x-amzn-errortype'], json: response.json };
    }
    const refused = { status: 400, type: 'BadRequestException', json: { message: 'Bad Request' } };
    expect(answers).toEqual(Object.fromEntries(variants.map((path) => [path, refused])));
    expect(events).toEqual([]);
  });

  it('refuses them on unauthenticated routes and unknown paths too (400, not the route or 404)', async () => {
    const paths = ['/health/.', '/x/../health', '/health//', '/nowhere/%2e%2e/health', '*'];
    const answers: Record<string, unknown> = {};
    for (const path of paths) {
      const response = await rawSend(gateway.endpoint, { method: 'GET', path });
      answers[path] = { status: response.status, type: response.headers['x-amzn-errortype'], json: response.json };
    }
    const refused = { status: 400, type: 'BadRequestException', json: { message: 'Bad Request' } };
    expect(answers).toEqual(Object.fromEntries(paths.map((path) => [path, refused])));
    expect(events).toEqual([]);
    // One trailing slash and literal dots inside a segment are ordinary paths.
    expect((await rawSend(gateway.endpoint, { method: 'GET', path: '/health' })).status).toBe(200);
    const dotted = await sdkSigned('GET', '/files/v1.2/..hidden/a.b');
    expect(
      (await rawSend(gateway.endpoint, { method: 'GET', path: '/files/v1.2/..hidden/a.b', ...dotted })).status,
    ).toBe(200);
  });
});

describe('presigned URLs must carry X-Amz-Expires, an integer 1..604800, and be used before it runs out', () => {
  const presigned = (expires: string | undefined, signingDate = new Date()) =>
    literalSign(
      { method: 'GET', path: '/products', headers: { host: host() } },
      {
        credentials: seller,
        region: REGION,
        service: 'execute-api',
        signingDate,
        signedHeaders: ['host'],
        form: 'query',
        expires,
      },
    );

  it('accepts a well-formed presigned URL (the literal signer agrees with the gateway)', async () => {
    const response = await rawSend(gateway.endpoint, { method: 'GET', ...presigned('300') });
    expect(response.status).toBe(200);
  });

  it.each([undefined, ''])(
    'refuses a presigned URL with X-Amz-Expires %j (it must not be valid for 7 days)',
    async (expires) => {
      const response = await rawSend(gateway.endpoint, { method: 'GET', ...presigned(expires) });
      expectRefused(
        response,
        403,
        'IncompleteSignatureException',
        "AWS query-string parameters must include 'X-Amz-Expires'.",
      );
    },
  );

  it.each(['0', '604801', '-5', '1e3', '60.0', '0x3c', '+60', ' 60', '99999999999999999999'])(
    'refuses X-Amz-Expires=%j',
    async (expires) => {
      const response = await rawSend(gateway.endpoint, { method: 'GET', ...presigned(expires) });
      expectRefused(
        response,
        403,
        'IncompleteSignatureException',
        'X-Amz-Expires must be an integer between 1 and 604800 seconds.',
      );
    },
  );

  it('refuses an expired presigned URL with the Signature expired message', async () => {
    const response = await rawSend(gateway.endpoint, {
      method: 'GET',
      ...presigned('60', new Date(Date.now() - 120_000)),
    });
    expectRefused(
      response,
      403,
      'InvalidSignatureException',
      /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 60 sec\.\)$/,
    );
  });
});

describe('SignedHeaders as SigV4 defines it: lower-case, sorted, no repeats, host included, every one present', () => {
  const signedWith = (signedHeaders: readonly string[], headers: Record<string, string> = {}) =>
    literalSign(
      { method: 'GET', path: '/products', headers: { host: host(), ...headers } },
      {
        credentials: seller,
        region: REGION,
        service: 'execute-api',
        signingDate: new Date(),
        signedHeaders,
        form: 'header',
      },
    );

  it('accepts the canonical list', async () => {
    const response = await rawSend(gateway.endpoint, {
      method: 'GET',
      ...signedWith(['host', 'x-amz-date', 'x-amz-security-token']),
    });
    expect(response.status).toBe(200);
  });

  it.each([
    ['a header signed twice', ['host', 'host', 'x-amz-date']],
    ['a signed header that is not in the request', ['host', 'x-amz-date', 'x-ghost']],
    ['an unsorted list', ['x-amz-date', 'host']],
    ['upper-case names', ['host', 'X-Amz-Date']],
    ['an empty name', ['', 'host', 'x-amz-date']],
  ])('refuses %s with the signature-mismatch message', async (_name, list) => {
    const response = await rawSend(gateway.endpoint, { method: 'GET', ...signedWith(list) });
    expectRefused(response, 403, 'InvalidSignatureException', MISMATCH);
  });

  it('refuses a signature that does not cover Host', async () => {
    const response = await rawSend(gateway.endpoint, { method: 'GET', ...signedWith(['x-amz-date']) });
    expectRefused(
      response,
      403,
      'IncompleteSignatureException',
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    );
  });
});

describe('repeated header lines are canonicalised as SigV4 says (values trimmed, comma-joined)', () => {
  it('accepts a repeated signed header signed as its comma-joined value', async () => {
    // What a signer holding the values ["alpha", "beta   gamma"] signs: "alpha,beta gamma".
    const signed = await sdkSigned('GET', '/products', { 'x-amz-meta-foo': 'alpha,beta gamma' });
    const headers = { ...signed.headers, 'x-amz-meta-foo': ['alpha', '  beta   gamma '] };
    const response = await rawSend(gateway.endpoint, { method: 'GET', path: '/products', headers });
    expect(response.status, response.text).toBe(200);
    expect(events).toMatchObject([{ multiValueHeaders: { 'x-amz-meta-foo': ['alpha', 'beta   gamma'] } }]);
  });

  it('refuses a second line of a signed header the signer never saw', async () => {
    const meta = await sdkSigned('GET', '/products', { 'x-amz-meta-foo': 'alpha' });
    const appended = await rawSend(gateway.endpoint, {
      method: 'GET',
      path: '/products',
      headers: { ...meta.headers, 'x-amz-meta-foo': ['alpha', 'evil'] },
    });
    expectRefused(appended, 403, 'InvalidSignatureException', MISMATCH);

    // Node keeps only the first Content-Type (and Host, Authorization, ...) in req.headers: a second, unsigned line
    // must not slip past the signature into the handler's event (where the last value wins).
    const body = '{"price":10}';
    const typed = await sdkSigned('POST', '/products', { 'content-type': 'application/json' }, body);
    const smuggled = await rawSend(gateway.endpoint, {
      method: 'POST',
      path: '/products',
      headers: { ...typed.headers, 'content-type': ['application/json', 'text/plain'] },
      body,
    });
    expectRefused(smuggled, 403, 'InvalidSignatureException', MISMATCH);

    // Two Host lines (node:http will not even send them): whichever one was signed, the request is refused.
    const signedHost = await sdkSigned('GET', '/products');
    const lines = Object.entries(signedHost.headers)
      .filter(([name]) => name !== 'host')
      .map(([name, value]) => `${name}: ${value}`);
    for (const hosts of [
      [host(), 'evil.example'],
      ['evil.example', host()],
    ]) {
      const status = await rawWire(gateway.endpoint, [
        'GET /products HTTP/1.1',
        ...hosts.map((h) => `Host: ${h}`),
        ...lines,
      ]);
      expect([400, 403], hosts.join(' + ')).toContain(status);
    }
    expect(events).toEqual([]);
  });
});

describe('Host header: only the gateway’s own loopback names are served (DNS-rebinding protection)', () => {
  it('listens on loopback by default', () => {
    expect(new URL(gateway.endpoint).hostname).toBe('127.0.0.1');
  });

  it('refuses a request whose Host names another site, before any route runs', async () => {
    const port = new URL(gateway.endpoint).port;
    const foreign = [
      `evil.example:${port}`,
      'evil.example',
      `127.0.0.1.evil.example:${port}`,
      `localhost.evil:${port}`,
    ];
    const answers: Record<string, unknown> = {};
    for (const name of foreign) {
      const response = await rawSend(gateway.endpoint, { method: 'GET', path: '/health', headers: { host: name } });
      answers[name] = { status: response.status, type: response.headers['x-amzn-errortype'], json: response.json };
    }
    const refused = { status: 403, type: 'ForbiddenException', json: { message: 'Forbidden' } };
    expect(answers).toEqual(Object.fromEntries(foreign.map((name) => [name, refused])));
    expect(events).toEqual([]);
  });

  it('serves localhost, 127.0.0.1 and [::1] on its port', async () => {
    const port = new URL(gateway.endpoint).port;
    for (const own of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
      const response = await rawSend(gateway.endpoint, { method: 'GET', path: '/health', headers: { host: own } });
      expect(response.status, own).toBe(200);
    }
  });
});

it('searched the output for the secrets it used (credentials, tokens)', () => {
  // The capture's afterAll proves none of them was written anywhere; that only means something if there are some.
  expect(rememberedSecretCount()).toBeGreaterThan(0);
});
