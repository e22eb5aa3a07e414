import { Sha256 } from '@aws-crypto/sha256-js';
import {
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import { EXAMPLE_ACCESS_TABLE } from '@devauth/access';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  type IdentityPoolEmulator,
  type LocalGateway,
  type LocalGatewayOptions,
  type LocalRoute,
  type PoolDescription,
  startIdentityPoolEmulator,
  startLocalGateway,
} from '../../src/index.js';
import { sdkClient } from '../helpers.js';

export const REGION = 'us-east-1';
export const PROVIDER = 'login.shop.test';

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

export interface Stack {
  readonly emulator: IdentityPoolEmulator;
  readonly pool: PoolDescription;
  readonly gateway: LocalGateway;
  /** Every event a handler received, newest last. */
  readonly events: unknown[];
  stop(): Promise<void>;
}

/** The demo shop's routes (EXAMPLE_ACCESS_TABLE) on both payload versions, plus unsigned and failing routes. */
export function shopRoutes(events: unknown[]): LocalRoute[] {
  const echo = async (event: unknown) => {
    events.push(event);
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ok: true }) };
  };
  return [
    { method: 'GET', path: '/products', payload: 'v1', auth: 'AWS_IAM', handler: echo },
    { method: 'POST', path: '/products', payload: 'v1', auth: 'AWS_IAM', handler: echo },
    { method: 'GET', path: '/orders', payload: 'v2', auth: 'AWS_IAM', handler: echo },
    { method: 'DELETE', path: '/products/{id}', payload: 'v2', auth: 'AWS_IAM', handler: echo },
    {
      method: 'GET',
      path: '/health',
      payload: 'v2',
      auth: 'NONE',
      handler: async (event) => {
        events.push(event);
        return { status: 'up' };
      },
    },
    { method: 'GET', path: '/legacy/{name}', payload: 'v1', auth: 'NONE', handler: echo },
    {
      method: 'GET',
      path: '/boom',
      payload: 'v2',
      auth: 'NONE',
      handler: async () => {
        throw new Error('handler exploded');
      },
    },
  ];
}

export async function startStack(overrides: Partial<LocalGatewayOptions> = {}): Promise<Stack> {
  const emulator = await startIdentityPoolEmulator({ region: REGION });
  const pool = emulator.createPool({ developerProviderName: PROVIDER, allowUnauthenticatedIdentities: true });
  const events: unknown[] = [];
  const gateway = await startLocalGateway({
    region: REGION,
    emulator,
    accessTable: EXAMPLE_ACCESS_TABLE,
    identityPoolId: pool.identityPoolId,
    routes: shopRoutes(events),
    ...overrides,
  });
  return {
    emulator,
    pool,
    gateway,
    events,
    async stop() {
      await gateway.stop();
      await emulator.stop();
    },
  };
}

/** Guest credentials the way a browser gets them: GetId, then GetCredentialsForIdentity without logins. */
export async function guestCredentials(stack: Stack): Promise<Credentials & { identityId: string }> {
  const client = sdkClient(stack.emulator);
  try {
    const { IdentityId } = await client.send(new GetIdCommand({ IdentityPoolId: stack.pool.identityPoolId }));
    const { Credentials } = await client.send(new GetCredentialsForIdentityCommand({ IdentityId }));
    return { ...toCredentials(Credentials), identityId: IdentityId! };
  } finally {
    client.destroy();
  }
}

/** A signed-in user's credentials: the backend's developer token (with the role tag), then the client exchange. */
export async function userCredentials(
  stack: Stack,
  userId: string,
  role: string,
): Promise<Credentials & { identityId: string }> {
  const client = sdkClient(stack.emulator);
  try {
    const { IdentityId, Token } = await client.send(
      new GetOpenIdTokenForDeveloperIdentityCommand({
        IdentityPoolId: stack.pool.identityPoolId,
        Logins: { [PROVIDER]: userId },
        PrincipalTags: { role },
      }),
    );
    const { Credentials } = await client.send(
      new GetCredentialsForIdentityCommand({
        IdentityId,
        Logins: { 'cognito-identity.amazonaws.com': Token! },
      }),
    );
    return { ...toCredentials(Credentials), identityId: IdentityId! };
  } finally {
    client.destroy();
  }
}

function toCredentials(
  credentials: { AccessKeyId?: string; SecretKey?: string; SessionToken?: string } | undefined,
): Credentials {
  return {
    accessKeyId: credentials!.AccessKeyId!,
    secretAccessKey: credentials!.SecretKey!,
    sessionToken: credentials!.SessionToken!,
  };
}

/** An HTTP request in the signer's shape (decoded query values, headers including host). */
export interface PlainRequest {
  method: string;
  protocol: string;
  hostname: string;
  port: number;
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
  body?: string;
}

/**
 * A request for `path` below the gateway's stage: the endpoint's stage prefix (`/local` for a REST API, none at
 * `$default`) is part of the path that is signed and sent, as when a client appends a route to the invoke URL.
 */
export function request(
  gateway: LocalGateway,
  method: string,
  path: string,
  init: { query?: Record<string, string>; headers?: Record<string, string>; body?: string } = {},
): PlainRequest {
  const url = new URL(gateway.endpoint);
  return {
    method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: `${url.pathname.replace(/\/$/, '')}${path}`,
    query: init.query ?? {},
    headers: { host: url.host, ...init.headers },
    ...(init.body === undefined ? {} : { body: init.body }),
  };
}

function signer(credentials: Credentials, region = REGION, service = 'execute-api'): SignatureV4 {
  return new SignatureV4({ credentials, region, service, sha256: Sha256 });
}

/** Signs with the real SDK signer (Authorization header form). */
export async function sign(
  credentials: Credentials,
  plain: PlainRequest,
  options: { signingDate?: Date; region?: string; service?: string } = {},
): Promise<PlainRequest> {
  const signed = await signer(credentials, options.region, options.service).sign(plain, {
    signingDate: options.signingDate,
  });
  return signed as unknown as PlainRequest;
}

/** Presigns with the real SDK signer (query-string form). */
export async function presign(
  credentials: Credentials,
  plain: PlainRequest,
  options: { signingDate?: Date; expiresIn?: number } = {},
): Promise<PlainRequest> {
  const signed = await signer(credentials).presign(plain, {
    signingDate: options.signingDate,
    expiresIn: options.expiresIn ?? 300,
  });
  return signed as unknown as PlainRequest;
}

/** Sends a (signed) request with fetch to `plain.path` as given (stage included), encoding the query as the SDK does. */
export async function send(gateway: LocalGateway, plain: PlainRequest): Promise<{ status: number; json: unknown }> {
  const { status, json } = await sendWithHeaders(gateway, plain);
  return { status, json };
}

/** `send`, also returning the response headers (lower-case names). */
export async function sendWithHeaders(
  gateway: LocalGateway,
  plain: PlainRequest,
): Promise<{ status: number; json: unknown; headers: Headers }> {
  const query = Object.entries(plain.query)
    .flatMap(([key, value]) => (Array.isArray(value) ? value : [value]).map((v) => `${uriEscape(key)}=${uriEscape(v)}`))
    .join('&');
  const { host: _host, ...headers } = plain.headers;
  const response = await fetch(`${new URL(gateway.endpoint).origin}${plain.path}${query ? `?${query}` : ''}`, {
    method: plain.method,
    headers,
    ...(plain.body === undefined ? {} : { body: plain.body }),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined, headers: response.headers };
}

function uriEscape(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
