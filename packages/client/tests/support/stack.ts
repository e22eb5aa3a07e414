/**
 * The whole devauth stack on free local ports, wired as `scripts/demo.ts` does: the identity-pool emulator, in-memory
 * stores, the real Cognito adapter pointed at the emulator, the auth handlers and app routes guarded by the same
 * access table the gateway's IAM policies come from.
 */
import { createCognitoIdentityBroker } from '@devauth/adapters-cognito';
import { createDevauth, type Devauth } from '@devauth/core';
import {
  InMemoryGuestLinkStore,
  InMemoryInvitationStore,
  InMemoryLoginAttemptStore,
  InMemoryRefreshTokenStore,
  InMemoryUserStore,
} from '@devauth/core/testing';
import { createAuthHandlers, silentLogger } from '@devauth/lambda-handlers';
import { createGuard, defineAccessTable } from '@devauth/lambda-handlers/access';
import { type IdentityPoolEmulator, startIdentityPoolEmulator, startLocalGateway } from '@devauth/local';

export const region = 'us-east-1';
const provider = 'login.client.test';

export const accessTable = defineAccessTable([
  { method: 'GET', path: '/products', roles: ['guest', 'shopper', 'seller'] },
  { method: 'POST', path: '/products', roles: ['seller'] },
  { method: 'GET', path: '/orders', roles: ['shopper', 'seller'] },
  { method: 'GET', path: '/me', roles: ['guest', 'shopper', 'seller'] },
]);

export interface Stack {
  readonly endpoint: string;
  readonly emulator: IdentityPoolEmulator;
  readonly devauth: Devauth;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** OpenID token lifetime (short values exercise refresh). */
  readonly tokenDurationSeconds?: number;
  /** Lifetime of the emulator's AWS credentials. */
  readonly credentialDurationSeconds?: number;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const emulator = await startIdentityPoolEmulator({
    region,
    ...(options.credentialDurationSeconds ? { credentialDurationSeconds: options.credentialDurationSeconds } : {}),
  });
  const pool = emulator.createPool({ developerProviderName: provider, allowUnauthenticatedIdentities: true });
  const users = new InMemoryUserStore();
  const devauth = createDevauth(
    {
      users,
      refreshTokens: new InMemoryRefreshTokenStore(),
      loginAttempts: new InMemoryLoginAttemptStore(),
      invitations: new InMemoryInvitationStore(),
      guestLinks: new InMemoryGuestLinkStore(),
      broker: createCognitoIdentityBroker({
        identityPoolId: pool.identityPoolId,
        developerProviderName: provider,
        clientConfig: {
          endpoint: emulator.endpoint,
          region,
          credentials: { accessKeyId: 'backend', secretAccessKey: 'backend-secret' },
        },
      }),
    },
    options.tokenDurationSeconds ? { tokenDurationSeconds: options.tokenDurationSeconds } : {},
  );
  const auth = createAuthHandlers({
    devauth,
    me: { users, identityPoolId: pool.identityPoolId },
    logger: silentLogger,
  });
  const guard = createGuard({ table: accessTable, users, identityPoolId: pool.identityPoolId });
  const guarded =
    (body: unknown, statusCode = 200) =>
    async (event: unknown) => {
      const decision = await guard.authorize(event);
      if (!decision.allowed)
        return { statusCode: decision.statusCode, body: JSON.stringify({ reason: decision.reason }) };
      return { statusCode, body: JSON.stringify(body) };
    };
  const gateway = await startLocalGateway({
    region,
    emulator,
    accessTable,
    identityPoolId: pool.identityPoolId,
    routes: [
      { method: 'POST', path: '/auth/guest', payload: 'v2', auth: 'NONE', handler: auth.guest },
      { method: 'POST', path: '/auth/register', payload: 'v2', auth: 'NONE', handler: auth.register },
      { method: 'POST', path: '/auth/login', payload: 'v2', auth: 'NONE', handler: auth.login },
      { method: 'POST', path: '/auth/refresh', payload: 'v2', auth: 'NONE', handler: auth.refresh },
      { method: 'POST', path: '/auth/logout', payload: 'v2', auth: 'NONE', handler: auth.logout },
      { method: 'GET', path: '/me', payload: 'v2', auth: 'AWS_IAM', handler: auth.me },
      { method: 'GET', path: '/products', payload: 'v1', auth: 'AWS_IAM', handler: guarded(['teapot', 'kettle']) },
      { method: 'POST', path: '/products', payload: 'v2', auth: 'AWS_IAM', handler: guarded({ created: true }, 201) },
      { method: 'GET', path: '/orders', payload: 'v1', auth: 'AWS_IAM', handler: guarded(['order-1']) },
    ],
  });
  return {
    endpoint: gateway.endpoint,
    emulator,
    devauth,
    async stop() {
      await gateway.stop();
      await emulator.stop();
    },
  };
}
