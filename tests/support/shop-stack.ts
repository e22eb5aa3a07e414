/**
 * The local stack with a small shop's routes, over in-memory stores: what the client's end-to-end and browser tests
 * run against. Browsing is open to guests, creating products is for sellers, orders for signed-in users.
 */

import { createInMemoryStores } from '@devauth/core/testing';
import { type LocalStack, startLocalStack } from '@devauth/dev';

export const region = 'us-east-1';

export interface ShopStackOptions {
  /** OpenID token lifetime (short values exercise refresh). */
  readonly tokenDurationSeconds?: number;
  /** Lifetime of the emulator's AWS credentials. */
  readonly credentialDurationSeconds?: number;
}

export function startShopStack(options: ShopStackOptions = {}): Promise<LocalStack> {
  return startLocalStack({
    region,
    developerProviderName: 'login.client.test',
    stores: createInMemoryStores(),
    ...(options.tokenDurationSeconds ? { config: { tokenDurationSeconds: options.tokenDurationSeconds } } : {}),
    ...(options.credentialDurationSeconds
      ? { emulator: { credentialDurationSeconds: options.credentialDurationSeconds } }
      : {}),
    routes: [
      {
        method: 'GET',
        path: '/products',
        payload: 'v1',
        roles: ['guest', 'shopper', 'seller'],
        handler: () => ({ body: ['teapot', 'kettle'] }),
      },
      {
        method: 'POST',
        path: '/products',
        roles: ['seller'],
        handler: () => ({ statusCode: 201, body: { created: true } }),
      },
      {
        method: 'GET',
        path: '/orders',
        payload: 'v1',
        roles: ['shopper', 'seller'],
        handler: () => ({ body: ['order-1'] }),
      },
    ],
  });
}
