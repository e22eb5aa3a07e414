/**
 * The auth handlers of the attack suite, over whatever stores and broker a test hands in, plus API Gateway event
 * builders for both payload versions. Handlers log through the attack suite's capture (see log-capture.ts), so every
 * line they write is searched for the secrets the test used.
 */
import {
  type AccountTokenStore,
  createArgon2idHasher,
  createDevauth,
  createPasswordHashing,
  type Devauth,
  type DevauthConfigInput,
  type GuestLinkStore,
  type IdentityBroker,
  type InvitationStore,
  type LoginAttemptStore,
  type RefreshTokenStore,
  staticCommonPasswords,
  type UserStore,
} from '@devauth/core';
import {
  type ApiGatewayProxyEvent,
  type ApiGatewayProxyResult,
  type AuthHandlers,
  createAuthHandlers,
} from '@devauth/lambda-handlers';
import { captureLogger, rememberSecrets } from './log-capture.js';

export interface AttackStores {
  readonly users: UserStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly loginAttempts: LoginAttemptStore;
  readonly invitations: InvitationStore;
  readonly guestLinks: GuestLinkStore;
  readonly accountTokens: AccountTokenStore;
}

export interface AttackApp {
  readonly handlers: AuthHandlers;
  readonly devauth: Devauth;
}

export const POOL_ID = 'us-east-1:00000000-0000-4000-8000-000000000000';

/** Cheap argon2id parameters: the suite attacks the edge, not the hash. */
export const fastHasher = () =>
  createPasswordHashing({ primary: createArgon2idHasher({ memoryCost: 256, timeCost: 1, parallelism: 1 }) });

export function createAttackApp(
  stores: AttackStores,
  broker: IdentityBroker,
  options: { config?: DevauthConfigInput; identityPoolId?: string } = {},
): AttackApp {
  const devauth = createDevauth(
    { ...stores, broker, hasher: fastHasher(), commonPasswords: staticCommonPasswords(['password123456']) },
    options.config,
  );
  const handlers = createAuthHandlers({
    devauth,
    me: { users: stores.users, identityPoolId: options.identityPoolId ?? POOL_ID, cacheTtlSeconds: 0 },
    logger: captureLogger(),
  });
  return { handlers, devauth };
}

type Json = Record<string, unknown>;

export interface EventInput {
  readonly method?: string;
  readonly path?: string;
  readonly body?: unknown;
  /** Raw body text, sent as is (duplicate keys, `__proto__`, ...). */
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly sourceIp?: string;
}

const bodyText = (input: EventInput): string | null =>
  input.rawBody ?? (input.body === undefined ? null : JSON.stringify(input.body));

/** A REST API (payload v1) proxy event, shaped as API Gateway sends it for an unauthenticated route. */
export function v1Event(input: EventInput = {}): ApiGatewayProxyEvent & Json {
  const method = input.method ?? 'POST';
  const path = input.path ?? '/auth/login';
  const headers = {
    'Content-Type': 'application/json',
    Host: 'abc123.execute-api.us-east-1.amazonaws.com',
    ...input.headers,
  };
  return {
    resource: path,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: input.query ?? null,
    multiValueQueryStringParameters: input.query
      ? Object.fromEntries(Object.entries(input.query).map(([k, v]) => [k, [v]]))
      : null,
    pathParameters: null,
    stageVariables: null,
    body: bodyText(input),
    isBase64Encoded: false,
    requestContext: {
      resourcePath: path,
      httpMethod: method,
      path: `/prod${path}`,
      accountId: '123456789012',
      stage: 'prod',
      requestId: `req-${Math.random().toString(16).slice(2)}`,
      identity: {
        sourceIp: input.sourceIp ?? '203.0.113.7',
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        cognitoAuthenticationType: null,
        cognitoAuthenticationProvider: null,
        accessKey: null,
        caller: null,
        user: null,
        userArn: null,
        accountId: null,
      },
    },
  } as unknown as ApiGatewayProxyEvent & Json;
}

/** An HTTP API (payload v2) proxy event for an unauthenticated route. */
export function v2Event(input: EventInput = {}): ApiGatewayProxyEvent & Json {
  const method = input.method ?? 'POST';
  const path = input.path ?? '/auth/login';
  const body = bodyText(input);
  const query = input.query ?? {};
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(query).toString(),
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    headers: Object.fromEntries(
      Object.entries({
        'content-type': 'application/json',
        host: 'abc123.execute-api.us-east-1.amazonaws.com',
        ...input.headers,
      }).map(([k, v]) => [k.toLowerCase(), v]),
    ),
    ...(body === null ? {} : { body }),
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      routeKey: `${method} ${path}`,
      stage: '$default',
      requestId: `req-${Math.random().toString(16).slice(2)}`,
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: input.sourceIp ?? '203.0.113.7', userAgent: 'attack' },
    },
  } as unknown as ApiGatewayProxyEvent & Json;
}

export const VERSIONS = [
  { name: 'REST API v1', version: 1 as const, event: v1Event },
  { name: 'HTTP API v2', version: 2 as const, event: v2Event },
];

export function parse(result: ApiGatewayProxyResult): Json {
  return result.body === '' ? {} : (JSON.parse(result.body) as Json);
}

/** A password of the suite's own: long enough to pass the policy and to be searched for in the logs. */
export function newPassword(label: string): string {
  const password = `${label} correct horse ${Math.random().toString(36).slice(2, 12)} staple`;
  rememberSecrets(password);
  return password;
}

/** Remembers every secret a login or refresh body carries. */
export function rememberSession(body: Json): void {
  rememberSecrets(body.refreshToken as string | undefined, body.openIdToken as string | undefined);
}
