/** The client's pure parts: error mapping, Retry-After, storage adapters, and the signed fetch's retry rules. */
import { describe, expect, it } from 'vitest';
import { errorFromResponse } from '../src/errors.js';
import {
  createAuthClient,
  createSignedFetch,
  DEFAULT_PATHS,
  type DevauthUser,
  isDevauthClientError,
  memoryStorage,
  parseRetryAfter,
  webStorage,
} from '../src/index.js';

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

describe('errorFromResponse', () => {
  it('reads devauth error bodies, issues and Retry-After', async () => {
    const throttled = await errorFromResponse(
      json(429, { error: { code: 'THROTTLED', message: 'Too many attempts; retry later.' } }, { 'retry-after': '7' }),
      0,
    );
    expect(throttled).toMatchObject({ code: 'THROTTLED', status: 429, retryAfterSeconds: 7 });
    const invalid = await errorFromResponse(
      json(400, {
        error: { code: 'VALIDATION_FAILED', message: 'x', issues: [{ path: ['u'], code: 'c', message: 'm' }] },
      }),
      0,
    );
    expect(invalid.issues).toEqual([{ path: ['u'], code: 'c', message: 'm' }]);
    expect(invalid.retryAfterSeconds).toBeUndefined();
  });

  it("maps API Gateway's own { message } refusals and unreadable bodies by status", async () => {
    expect(await errorFromResponse(json(403, { message: 'Missing Authentication Token' }), 0)).toMatchObject({
      code: 'FORBIDDEN',
      message: 'Missing Authentication Token',
    });
    expect(await errorFromResponse(new Response('<html>', { status: 502 }), 0)).toMatchObject({
      code: 'HTTP_ERROR',
      status: 502,
    });
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('12', 0)).toBe(12);
    expect(parseRetryAfter(new Date(30_000).toUTCString(), 0)).toBe(30);
    expect(parseRetryAfter(null, 0)).toBeUndefined();
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
  });
});

describe('storage', () => {
  it('memory storage keeps, replaces and forgets values', async () => {
    const storage = memoryStorage();
    await storage.set('k', 'v');
    expect(await storage.get('k')).toBe('v');
    await storage.remove('k');
    expect(await storage.get('k')).toBeUndefined();
  });

  it('webStorage needs the Storage named explicitly: there is no implicit localStorage', () => {
    const fake = new Map<string, string>();
    const localStorage = {
      getItem: (key: string) => fake.get(key) ?? null,
      setItem: (key: string, value: string) => void fake.set(key, value),
      removeItem: (key: string) => void fake.delete(key),
    };
    (globalThis as { localStorage?: unknown }).localStorage = localStorage;
    try {
      expect(() => (webStorage as (storage?: unknown) => unknown)()).toThrow(/pass the Storage to use/);
    } finally {
      delete (globalThis as { localStorage?: unknown }).localStorage;
    }
    const storage = webStorage(localStorage);
    storage.set('k', 'v');
    expect(fake.get('k')).toBe('v');
  });
});

describe('createSignedFetch', () => {
  const credentials = Object.assign(async () => ({ accessKeyId: `AKID${calls.invalidated}`, secretAccessKey: 's' }), {
    invalidate: () => {
      calls.invalidated++;
    },
  });
  const calls = { invalidated: 0 };

  it('signs for execute-api, and re-signs once with fresh credentials when the token expired', async () => {
    const seen: Array<Record<string, string>> = [];
    const signedFetch = createSignedFetch({
      credentials,
      region: 'eu-west-1',
      fetch: async (_url, init) => {
        seen.push(init?.headers as Record<string, string>);
        return seen.length === 1
          ? json(403, { message: 'The security token included in the request is expired' })
          : json(200, {});
      },
    });
    const response = await signedFetch('https://api.example.com/prod/orders?b=2&a=1');
    expect(response.status).toBe(200);
    expect(calls.invalidated).toBe(1);
    expect(seen).toHaveLength(2);
    expect(seen[0]?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKID0\/\d{8}\/eu-west-1\/execute-api\//);
    expect(seen[1]?.authorization).toContain('Credential=AKID1/');
    expect(seen[0]?.host).toBeUndefined(); // browsers refuse it; fetch sends the URL's host
  });

  it('does not retry other refusals', async () => {
    let count = 0;
    const signedFetch = createSignedFetch({
      credentials,
      region: 'eu-west-1',
      fetch: async () => {
        count++;
        return json(403, { message: 'User: x is not authorized to perform: execute-api:Invoke' });
      },
    });
    expect((await signedFetch('https://api.example.com/orders')).status).toBe(403);
    expect(count).toBe(1);
  });
});

describe('verifyEmail', () => {
  const user = (overrides: Partial<DevauthUser> = {}): DevauthUser => ({
    id: 'u1',
    username: 'ada',
    email: 'ada@example.com',
    emailVerified: false,
    role: 'shopper',
    identityId: 'us-east-1:00000000-0000-4000-8000-000000000001',
    status: 'active',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  });
  const tokens = {
    identityId: 'us-east-1:00000000-0000-4000-8000-000000000001',
    openIdToken: 'oid',
    openIdTokenExpiresAt: '2030-01-01T00:00:00.000Z',
    role: 'shopper',
    refreshToken: 'rt_x',
    refreshTokenExpiresAt: '2030-01-01T00:00:00.000Z',
  };

  it('posts the token, unsigned, to /auth/email/verify, and refreshes the stored user when it is the same one', async () => {
    const requests: Array<{ url: string; init: RequestInit | undefined }> = [];
    let answer = user({ emailVerified: true });
    const fetch = async (url: string, init?: RequestInit) => {
      requests.push({ url, init });
      if (url.endsWith(DEFAULT_PATHS.login)) return json(200, { ...tokens, user: user() });
      return json(200, { user: answer });
    };
    const auth = createAuthClient({ baseUrl: 'https://api.example.com/prod/', fetch });
    await auth.login({ username: 'ada', password: 'a long passphrase' });
    expect(await auth.verifyEmail('emv_token')).toEqual({ user: answer });
    const request = requests.at(-1)!;
    expect(request.url).toBe('https://api.example.com/prod/auth/email/verify');
    expect(request.init).toMatchObject({ method: 'POST', body: JSON.stringify({ token: 'emv_token' }) });
    expect(new Headers(request.init?.headers).has('authorization')).toBe(false);
    const session = await auth.getSession();
    expect(session?.kind === 'user' && session.user).toEqual(answer);

    // Another user's link (opened where someone else is signed in) leaves the stored session alone.
    answer = user({ id: 'u2', username: 'bob', emailVerified: true });
    await auth.verifyEmail('emv_other');
    const after = await auth.getSession();
    expect(after?.kind === 'user' && after.user?.username).toBe('ada');
  });

  it('needs no session, and rejects with the server code for a dead link', async () => {
    const fetch = async () =>
      json(400, { error: { code: 'ACCOUNT_TOKEN_INVALID', message: 'The link is invalid or has expired.' } });
    const auth = createAuthClient({ baseUrl: 'https://api.example.com', fetch });
    const error = await auth.verifyEmail('emv_spent').catch((caught: unknown) => caught);
    expect(isDevauthClientError(error, 'ACCOUNT_TOKEN_INVALID')).toBe(true);
    expect(await auth.getSession()).toBeUndefined();
  });
});
