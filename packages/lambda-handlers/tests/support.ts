import { readFileSync } from 'node:fs';
import {
  createArgon2idHasher,
  createDevauth,
  createPasswordHashing,
  type Devauth,
  type DevauthConfigInput,
  staticCommonPasswords,
} from '@devauth/core';
import {
  FakeIdentityBroker,
  InMemoryAccountTokenStore,
  InMemoryGuestLinkStore,
  InMemoryInvitationStore,
  InMemoryLoginAttemptStore,
  InMemoryOutbox,
  InMemoryRefreshTokenStore,
  InMemoryUserStore,
  RecordingEventSink,
} from '@devauth/core/testing';
import { type AuthHandlers, createAuthHandlers } from '../src/app.js';
import { auditLogSink } from '../src/audit.js';
import type { ApiGatewayProxyEvent, ApiGatewayProxyResult } from '../src/events.js';
import type { Logger } from '../src/logger.js';

type Json = Record<string, unknown>;
const fixture = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Json;

export const FIXTURES = {
  v1: fixture('rest-api-v1.json'),
  v2: fixture('http-api-v2.json'),
  v1Iam: fixture('rest-api-v1-iam.json'),
  v2Iam: fixture('http-api-v2-iam.json'),
};

export interface EventInput {
  readonly method?: string;
  readonly path?: string;
  readonly body?: unknown;
  /** Raw body text (not JSON-encoded again). */
  readonly rawBody?: string;
  readonly base64?: boolean;
  readonly headers?: Record<string, string>;
  readonly sourceIp?: string;
}

function bodyOf(input: EventInput): string | null {
  let text: string | null =
    input.rawBody !== undefined ? input.rawBody : input.body === undefined ? null : JSON.stringify(input.body);
  if (text !== null && input.base64) text = Buffer.from(text, 'utf8').toString('base64');
  return text;
}

/** A REST API (payload v1) event: the real sample with the request's method, path, body and headers swapped in. */
export function v1Event(input: EventInput = {}, base: Json = FIXTURES.v1): ApiGatewayProxyEvent {
  const event = structuredClone(base) as Json & { requestContext: Json & { identity: Json } };
  const method = input.method ?? 'POST';
  const path = input.path ?? '/auth/login';
  Object.assign(event, {
    httpMethod: method,
    path,
    resource: path,
    body: bodyOf(input),
    isBase64Encoded: input.base64 === true,
  });
  event.headers = { ...(event.headers as Json), ...input.headers };
  event.multiValueHeaders = {
    ...(event.multiValueHeaders as Json),
    ...Object.fromEntries(Object.entries(input.headers ?? {}).map(([k, v]) => [k, [v]])),
  };
  Object.assign(event.requestContext, { httpMethod: method, resourcePath: path, path: `/prod${path}` });
  if (input.sourceIp) event.requestContext.identity.sourceIp = input.sourceIp;
  return event as unknown as ApiGatewayProxyEvent;
}

/** An HTTP API (payload v2) event built the same way. */
export function v2Event(input: EventInput = {}, base: Json = FIXTURES.v2): ApiGatewayProxyEvent {
  const event = structuredClone(base) as Json & { requestContext: Json & { http: Json } };
  const method = input.method ?? 'POST';
  const path = input.path ?? '/auth/login';
  const body = bodyOf(input);
  Object.assign(event, { rawPath: path, routeKey: `${method} ${path}`, isBase64Encoded: input.base64 === true });
  if (body === null) delete event.body;
  else event.body = body;
  const lowered = Object.fromEntries(Object.entries(input.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  event.headers = { ...(event.headers as Json), ...lowered };
  Object.assign(event.requestContext, { routeKey: `${method} ${path}` });
  Object.assign(event.requestContext.http, { method, path });
  if (input.sourceIp) event.requestContext.http.sourceIp = input.sourceIp;
  return event as unknown as ApiGatewayProxyEvent;
}

export const VERSIONS = [
  { name: 'REST API v1', version: 1 as const, event: v1Event, iamBase: FIXTURES.v1Iam },
  { name: 'HTTP API v2', version: 2 as const, event: v2Event, iamBase: FIXTURES.v2Iam },
];

/** Collects every log line, serialized, so tests can search them. */
export function captureLogger(): Logger & { lines: string[]; records: Json[] } {
  const records: Json[] = [];
  const lines: string[] = [];
  const push =
    (level: string) =>
    (message: string, fields: Json = {}) => {
      const record = { level, message, ...fields };
      records.push(record);
      lines.push(JSON.stringify(record));
    };
  return { lines, records, info: push('INFO'), warn: push('WARN'), error: push('ERROR') };
}

export const fastHasher = () =>
  createPasswordHashing({ primary: createArgon2idHasher({ memoryCost: 256, timeCost: 1, parallelism: 1 }) });

export interface TestApp {
  readonly handlers: AuthHandlers;
  readonly devauth: Devauth;
  readonly users: InMemoryUserStore;
  readonly broker: FakeIdentityBroker;
  readonly logger: ReturnType<typeof captureLogger>;
  readonly outbox: InMemoryOutbox;
  /** Every domain event of the core; the admin ones also go to `logger` as `audit` lines (as in a deployment). */
  readonly events: RecordingEventSink;
}

export const POOL_ID = 'us-east-1:00000000-0000-4000-8000-000000000000';

export function createTestApp(
  options: {
    config?: DevauthConfigInput;
    corsOrigins?: string[];
    maxBodyBytes?: number;
    users?: InMemoryUserStore;
    /** What the guard resolves identities with (default: the core's user store). */
    guardUsers?: Pick<InMemoryUserStore, 'findById' | 'findByIdentityId'>;
  } = {},
): TestApp {
  const users = options.users ?? new InMemoryUserStore();
  const broker = new FakeIdentityBroker({ identityPoolId: POOL_ID });
  const logger = captureLogger();
  const outbox = new InMemoryOutbox();
  const events = new RecordingEventSink();
  const audit = auditLogSink(logger);
  const devauth = createDevauth(
    {
      users,
      refreshTokens: new InMemoryRefreshTokenStore(),
      loginAttempts: new InMemoryLoginAttemptStore(),
      invitations: new InMemoryInvitationStore(),
      guestLinks: new InMemoryGuestLinkStore(),
      accountTokens: new InMemoryAccountTokenStore(),
      messages: outbox,
      broker,
      hasher: fastHasher(),
      commonPasswords: staticCommonPasswords(['password123456']),
      events: {
        publish: (event) => {
          events.publish(event);
          return audit.publish(event);
        },
      },
    },
    options.config,
  );
  const handlers = createAuthHandlers({
    devauth,
    me: {
      users: options.guardUsers ?? users,
      roles: devauth.config.roles,
      identityPoolId: POOL_ID,
      cacheTtlSeconds: 0,
    },
    logger,
    ...(options.corsOrigins ? { corsOrigins: options.corsOrigins } : {}),
    ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
  });
  return { handlers, devauth, users, broker, logger, outbox, events };
}

export function parse(result: ApiGatewayProxyResult): Json {
  return result.body === '' ? {} : (JSON.parse(result.body) as Json);
}

export const context = (awsRequestId = 'c0ffee00-1234-4abc-8def-0123456789ab') => ({ awsRequestId });

/**
 * An IAM-signed event from the real sample (`FIXTURES.v1Iam` / `v2Iam`), with the Cognito identity replaced (or
 * removed) and, when given, a JSON body.
 */
export function iamEvent(
  version: 1 | 2,
  base: Record<string, unknown>,
  identity: { identityId: string; authenticated: boolean } | null,
  body?: unknown,
): ApiGatewayProxyEvent {
  const event = structuredClone(base) as {
    body?: string | null;
    requestContext: {
      identity?: Record<string, unknown>;
      authorizer?: { iam: { cognitoIdentity: Record<string, unknown> | null } };
    };
  };
  if (body !== undefined) event.body = JSON.stringify(body);
  if (version === 1) {
    const target = event.requestContext.identity!;
    target.cognitoIdentityId = identity?.identityId ?? null;
    target.cognitoIdentityPoolId = identity ? POOL_ID : null;
    target.cognitoAuthenticationType = identity ? (identity.authenticated ? 'authenticated' : 'unauthenticated') : null;
  } else {
    const iam = event.requestContext.authorizer!.iam;
    iam.cognitoIdentity = identity
      ? {
          amr: identity.authenticated ? ['authenticated', 'login.devauth.test'] : ['unauthenticated'],
          identityId: identity.identityId,
          identityPoolId: POOL_ID,
        }
      : null;
  }
  return event as unknown as ApiGatewayProxyEvent;
}
