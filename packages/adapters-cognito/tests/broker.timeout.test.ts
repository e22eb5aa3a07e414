import { type AddressInfo, createServer, type Socket } from 'node:net';
import { UpstreamUnavailableError } from '@devauth/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REQUEST_HANDLER } from '../src/cognito-identity-broker.js';
import { CognitoIdentityBroker } from '../src/index.js';
import { rejectionOf } from './helpers.js';

describe('the default client against a service that never answers', () => {
  it('a hung service (accepts, never answers): the default client gives up after its request timeout', async () => {
    // Without throwOnRequestTimeout the SDK only warns when requestTimeout passes and waits for ever.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const broker = new CognitoIdentityBroker({
      identityPoolId: 'us-east-1:00000000-0000-4000-8000-000000000000',
      developerProviderName: 'login.shop.test',
      maxAttempts: 1,
      clientConfig: {
        endpoint: `http://127.0.0.1:${port}`,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      },
    });
    try {
      const started = Date.now();
      const error = await rejectionOf(broker.createGuestIdentity());
      const elapsed = Date.now() - started;
      expect(error).toBeInstanceOf(UpstreamUnavailableError);
      expect(error.cause).toMatchObject({ errorName: 'TimeoutError', attempts: 1 });
      expect(elapsed).toBeGreaterThanOrEqual(DEFAULT_REQUEST_HANDLER.requestTimeout - 100);
      expect(elapsed).toBeLessThan(DEFAULT_REQUEST_HANDLER.requestTimeout + 3_000);
      expect(sockets).toHaveLength(1);
    } finally {
      broker.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
