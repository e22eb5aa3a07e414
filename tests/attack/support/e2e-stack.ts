/**
 * The whole local architecture for attacks that cross it: the one local stack (`startLocalStack` of `@devauth/dev`)
 * on in-memory stores, with cheap hashes, the attack suite's log capture, no guard cache, and guarded app routes that
 * answer with the caller they resolved. Everything a client obtains (sessions, guest secrets, credentials) is remembered as a secret
 * for the log capture.
 */
import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetOpenIdTokenCommand,
} from '@aws-sdk/client-cognito-identity';
import { type DevauthConfigInput, staticCommonPasswords } from '@devauth/core';
import { createInMemoryStores, type InMemoryStores } from '@devauth/core/testing';
import { type LocalStack, startLocalStack } from '@devauth/dev';
import type { IdentityPoolEmulator, LocalGateway } from '@devauth/local';
import {
  type Credentials,
  request as gatewayRequest,
  send as sendToGateway,
  sign as signRequest,
} from '../../../packages/local/tests/gateway/helpers.js';
import { type AttackApp, fastHasher, rememberSession } from './auth-app.js';
import { captureLogger, rememberSecrets } from './log-capture.js';

export const E2E_REGION = 'us-east-1';
export const E2E_PROVIDER = 'login.attack.test';

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
  const stores = createInMemoryStores();
  // A guarded app route answers with the caller the guard resolved; cache 0, so revocation shows at once.
  const guarded = async ({ caller }: { caller: unknown }) => ({ body: { caller } });
  const stack: LocalStack = await startLocalStack({
    region: E2E_REGION,
    developerProviderName: E2E_PROVIDER,
    stores,
    ...(options.config ? { config: options.config } : {}),
    devauth: { hasher: fastHasher(), commonPasswords: staticCommonPasswords(['password123456']) },
    logger: captureLogger(),
    guardCacheTtlSeconds: 0,
    ...(options.brokerLogger ? { brokerLogger: options.brokerLogger } : {}),
    routes: [
      { method: 'GET', path: '/products', roles: ['guest', 'shopper', 'seller'], handler: guarded },
      { method: 'GET', path: '/orders', roles: ['shopper', 'seller'], handler: guarded },
      { method: 'GET', path: '/seller/stock', roles: ['seller'], handler: guarded },
    ],
  });
  const { emulator, gateway } = stack;
  const app: AttackApp = { handlers: stack.handlers, devauth: stack.devauth };
  const cognito = new CognitoIdentityClient({
    endpoint: emulator.endpoint,
    region: E2E_REGION,
    credentials: { accessKeyId: 'unsigned', secretAccessKey: 'unsigned' },
  });

  return {
    emulator,
    gateway,
    identityPoolId: stack.identityPoolId,
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
      await stack.stop();
    },
  };
}
