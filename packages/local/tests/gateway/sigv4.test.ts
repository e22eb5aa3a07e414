import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../helpers.js';
import {
  type Credentials,
  guestCredentials,
  presign,
  request,
  type Stack,
  send,
  sign,
  startStack,
  userCredentials,
} from './helpers.js';

// SigV4 as API Gateway checks it for AWS_IAM routes, against requests signed by the real SDK signer.
const MISMATCH = /^The request signature we calculated does not match the signature you provided\./;
let stack: Stack;
let seller: Credentials;

beforeAll(async () => {
  stack = await startStack();
  seller = await userCredentials(stack, 'seller-9', 'seller');
});

afterAll(async () => {
  await stack.stop();
});

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

describe('header form', () => {
  it('refuses an unsigned request with Missing Authentication Token', async () => {
    const response = await fetch(`${stack.gateway.endpoint}/products`);
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(await response.json()).toEqual({ message: 'Missing Authentication Token' });
  });

  it('refuses a tampered path, query, body, signed header or method', async () => {
    const tampered = [
      async () => {
        const signed = await sign(seller, request(stack.gateway, 'DELETE', '/products/1'));
        return { ...signed, path: '/products/2' };
      },
      async () => {
        const signed = await sign(seller, request(stack.gateway, 'GET', '/products', { query: { limit: '5' } }));
        return { ...signed, query: { limit: '500' } };
      },
      async () => {
        const signed = await sign(seller, request(stack.gateway, 'POST', '/products', { body: '{"price":10}' }));
        return { ...signed, body: '{"price":1}' };
      },
      async () => {
        const plain = request(stack.gateway, 'GET', '/products', { headers: { 'x-shop-tenant': 'acme' } });
        const signed = await sign(seller, plain);
        return { ...signed, headers: { ...signed.headers, 'x-shop-tenant': 'evil' } };
      },
      async () => {
        const signed = await sign(seller, request(stack.gateway, 'GET', '/products'));
        return { ...signed, method: 'POST' };
      },
    ];
    for (const make of tampered) {
      const response = await send(stack.gateway, await make());
      expect(response.status).toBe(403);
      expect(response.json).toEqual({ message: expect.stringMatching(MISMATCH) });
    }
  });

  it('accepts the untampered versions of the same requests', async () => {
    const body = '{"price":10}';
    const signed = await sign(
      seller,
      request(stack.gateway, 'POST', '/products', { query: { a: 'x y', b: '1' }, body }),
    );
    expect((await send(stack.gateway, signed)).status).toBe(200);
  });

  it('refuses a session token that is not the credentials’ own', async () => {
    const signed = await sign({ ...seller, sessionToken: 'not-the-token' }, request(stack.gateway, 'GET', '/products'));
    expect(await send(stack.gateway, signed)).toEqual({
      status: 403,
      json: { message: 'The security token included in the request is invalid.' },
    });
    const { sessionToken: _, ...withoutToken } = seller;
    const unsignedToken = await sign(withoutToken as Credentials, request(stack.gateway, 'GET', '/products'));
    expect((await send(stack.gateway, unsignedToken)).status).toBe(403);
  });

  it('refuses an access key the emulator never issued', async () => {
    const stranger = { accessKeyId: 'ASIAXXXXXXXXXXXXXXXX', secretAccessKey: 'x', sessionToken: 'y' };
    const response = await send(stack.gateway, await sign(stranger, request(stack.gateway, 'GET', '/products')));
    expect(response).toEqual({
      status: 403,
      json: { message: 'The security token included in the request is invalid.' },
    });
  });

  it('refuses an X-Amz-Date outside the 5-minute skew', async () => {
    const old = await sign(seller, request(stack.gateway, 'GET', '/products'), { signingDate: minutesAgo(6) });
    const response = await send(stack.gateway, old);
    expect(response.status).toBe(403);
    expect(response.json).toEqual({
      message: expect.stringMatching(/^Signature expired: \d{8}T\d{6}Z is now earlier/),
    });

    const future = await sign(seller, request(stack.gateway, 'GET', '/products'), { signingDate: minutesAgo(-6) });
    const early = await send(stack.gateway, future);
    expect(early.status).toBe(403);
    expect(early.json).toEqual({ message: expect.stringMatching(/^Signature not yet current:/) });

    const slightlyOld = await sign(seller, request(stack.gateway, 'GET', '/products'), { signingDate: minutesAgo(4) });
    expect((await send(stack.gateway, slightlyOld)).status).toBe(200);
  });

  it('refuses a signature scoped to another region or service', async () => {
    const plain = () => request(stack.gateway, 'GET', '/products');
    const region = await send(stack.gateway, await sign(seller, plain(), { region: 'eu-west-1' }));
    expect(region.status).toBe(403);
    expect(region.json).toEqual({ message: expect.stringMatching(/^Credential should be scoped to a valid region/) });
    const service = await send(stack.gateway, await sign(seller, plain(), { service: 'lambda' }));
    expect(service.status).toBe(403);
    expect(service.json).toEqual({
      message: expect.stringMatching(/^Credential should be scoped to correct service: 'execute-api'/),
    });
  });
});

describe('query-string (presigned) form', () => {
  it('accepts a presigned URL', async () => {
    const guest = await guestCredentials(stack);
    const signed = await presign(guest, request(stack.gateway, 'GET', '/products', { query: { limit: '3' } }));
    expect(signed.query['X-Amz-Signature']).toBeDefined();
    expect(signed.headers.authorization).toBeUndefined();
    expect(await send(stack.gateway, signed)).toEqual({ status: 200, json: { ok: true } });
    expect(stack.events.at(-1)).toMatchObject({ queryStringParameters: { limit: '3' } });
  });

  it('refuses an expired presigned URL and a tampered one', async () => {
    const expired = await presign(seller, request(stack.gateway, 'GET', '/products'), {
      signingDate: minutesAgo(10),
      expiresIn: 60,
    });
    const response = await send(stack.gateway, expired);
    expect(response.status).toBe(403);
    expect(response.json).toEqual({ message: expect.stringMatching(/^Signature expired:/) });

    const fresh = await presign(seller, request(stack.gateway, 'GET', '/products', { query: { limit: '3' } }));
    const tampered = await send(stack.gateway, { ...fresh, query: { ...fresh.query, limit: '300' } });
    expect(tampered.status).toBe(403);
    expect(tampered.json).toEqual({ message: expect.stringMatching(MISMATCH) });
  });
});

describe('credential lifetime and limits', () => {
  it('refuses expired credentials and oversized bodies', async () => {
    const clock = new TestClock();
    const timed = await startStack({ clock, maxBodyBytes: 64 });
    try {
      const user = await userCredentials(timed, 'seller-1', 'seller');
      const big = request(timed.gateway, 'POST', '/products', { body: 'x'.repeat(65) });
      const tooLarge = await send(timed.gateway, await sign(user, big));
      expect(tooLarge.status).toBe(413);

      clock.advance(3601);
      const late = await sign(user, request(timed.gateway, 'GET', '/products'), { signingDate: clock.now() });
      expect(await send(timed.gateway, late)).toEqual({
        status: 403,
        json: { message: 'The security token included in the request is expired' },
      });
    } finally {
      await timed.stop();
    }
  });
});
