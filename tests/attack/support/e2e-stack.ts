/**
 * The whole local architecture for attacks that cross it: the devauth handlers on in-memory stores, the real Cognito
 * adapter against the identity-pool emulator, and the local gateway enforcing the generated IAM policies in front of
 * a guarded app route. Everything a client obtains (sessions, guest secrets, credentials) is remembered as a secret
 * for the log capture.
 */
import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetOpenIdTokenCommand,
} from '@aws-sdk/client-cognito-identity';
import { createCognitoIdentityBroker } from '@devauth/adapters-cognito';
import type { DevauthConfigInput } from '@devauth/core';
import { createInMemoryStores, type InMemoryStores } from '@devauth/core/testing';
import { createGuard, defineAccessTable } from '@devauth/lambda-handlers/access';
import {
  type IdentityPoolEmulator,
  type LocalGateway,
  startIdentityPoolEmulator,
  startLocalGateway,
} from '@devauth/local';
import {
  type Credentials,
  request as gatewayRequest,
  send as sendToGateway,
  sign as signRequest,
} from '../../../packages/local/tests/gateway/helpers.js';
import { type AttackApp, createAttackApp, rememberSession } from './auth-app.js';
import { rememberSecrets } from './log-capture.js';

export const E2E_REGION = 'us-east-1';
export const E2E_PROVIDER = 'login.attack.test';
const BACKEND = { accessKeyId: 'backend', secretAccessKey: 'backend-secret' };

export interface E2eStack {
  readonly emulator: IdentityPoolEmulator;
  readonly gateway: LocalGateway;
  readonly identityPoolId: string;
  readonly app: AttackApp;
  readonly stores: InMemoryStores;
  /** POST a JSON body to an auth route through the gateway. */
  post(path: string, body?: unknown): Promise<{ status: number; json: Record<string, string> }>;
  /** GetCredentialsForIdentity: guest credentials without an OpenID token, user credentials with one. */
  credentials(identityId: string, openIdToken?: string): Promise<Credentials>;
  /** GetOpenIdToken with a previously issued OpenID token (what a holder of an old token can try). */
  reissueOpenIdToken(identityId: string, openIdToken: string): Promise<string>;
  /** A SigV4-signed GET to an app route; the guarded handler answers with the caller it resolved. */
  signedGet(credentials: Credentials, path: string): Promise<{ status: number; json: Record<string, unknown> }>;
  stop(): Promise<void>;
}

export interface E2eStackOptions {
  readonly config?: DevauthConfigInput;
  /** Receives the Cognito adapter's reports (default: dropped). */
  readonly brokerLogger?: { error(message: string): void; warn?(message: string): void };
}

export async function startE2eStack(options: E2eStackOptions = {}): Promise<E2eStack> {
  const emulator = await startIdentityPoolEmulator({ region: E2E_REGION });
  const pool = emulator.createPool({ developerProviderName: E2E_PROVIDER });
  const stores = createInMemoryStores();
  const broker = createCognitoIdentityBroker({
    identityPoolId: pool.identityPoolId,
    developerProviderName: E2E_PROVIDER,
    clientConfig: { endpoint: emulator.endpoint, region: E2E_REGION, credentials: BACKEND },
    logger: options.brokerLogger ?? { error: () => undefined, warn: () => undefined },
  });
  const app = createAttackApp(stores, broker, {
    identityPoolId: pool.identityPoolId,
    ...(options.config ? { config: options.config } : {}),
  });
  const table = defineAccessTable([
    { method: 'GET', path: '/products', roles: ['guest', 'shopper', 'seller'] },
    { method: 'GET', path: '/orders', roles: ['shopper', 'seller'] },
    { method: 'GET', path: '/seller/stock', roles: ['seller'] },
  ]);
  const guard = createGuard({ table, users: stores.users, identityPoolId: pool.identityPoolId, cacheTtlSeconds: 0 });
  const guarded = async (event: unknown) => {
    const decision = await guard.authorize(event);
    if (!decision.allowed)
      return { statusCode: decision.statusCode, body: JSON.stringify({ reason: decision.reason }) };
    return { statusCode: 200, body: JSON.stringify({ caller: decision.caller }) };
  };
  const open = (path: string, handler: (event: never) => Promise<unknown>) =>
    ({ method: 'POST', path, payload: 'v2', auth: 'NONE', handler }) as const;
  const gateway = await startLocalGateway({
    region: E2E_REGION,
    emulator,
    accessTable: table,
    identityPoolId: pool.identityPoolId,
    routes: [
      open('/auth/register', app.handlers.register),
      open('/auth/login', app.handlers.login),
      open('/auth/guest', app.handlers.guest),
      open('/auth/refresh', app.handlers.refresh),
      ...table.routes.map(
        (route) =>
          ({ method: route.method, path: route.path, payload: 'v2', auth: 'AWS_IAM', handler: guarded }) as const,
      ),
    ],
  });
  const cognito = new CognitoIdentityClient({
    endpoint: emulator.endpoint,
    region: E2E_REGION,
    credentials: { accessKeyId: 'unsigned', secretAccessKey: 'unsigned' },
  });

  return {
    emulator,
    gateway,
    identityPoolId: pool.identityPoolId,
    app,
    stores,
    async post(path, body = {}) {
      const response = await fetch(`${gateway.endpoint}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = (await response.json().catch(() => ({}))) as Record<string, string>;
      rememberSession(json);
      for (const key of ['guestLinkSecret', 'openIdToken', 'refreshToken'] as const) {
        if (typeof json[key] === 'string') rememberSecrets(json[key]);
      }
      return { status: response.status, json };
    },
    async credentials(identityId, openIdToken) {
      const { Credentials: issued } = await cognito.send(
        new GetCredentialsForIdentityCommand({
          IdentityId: identityId,
          ...(openIdToken ? { Logins: { 'cognito-identity.amazonaws.com': openIdToken } } : {}),
        }),
      );
      const credentials = {
        accessKeyId: issued!.AccessKeyId!,
        secretAccessKey: issued!.SecretKey!,
        sessionToken: issued!.SessionToken!,
      };
      rememberSecrets(credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken);
      return credentials;
    },
    async reissueOpenIdToken(identityId, openIdToken) {
      const { Token } = await cognito.send(
        new GetOpenIdTokenCommand({
          IdentityId: identityId,
          Logins: { 'cognito-identity.amazonaws.com': openIdToken },
        }),
      );
      rememberSecrets(Token!);
      return Token!;
    },
    async signedGet(credentials, path) {
      const signed = await signRequest(credentials, gatewayRequest(gateway, 'GET', path));
      const { status, json } = await sendToGateway(gateway, signed);
      return { status, json: (json ?? {}) as Record<string, unknown> };
    },
    async stop() {
      cognito.destroy();
      broker.close();
      await gateway.stop();
      await emulator.stop();
    },
  };
}
