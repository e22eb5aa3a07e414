import { readFileSync } from 'node:fs';
import type { UserRecord } from '@devauth/core';
import { InMemoryUserStore } from '@devauth/core/testing';
import type { ApiTarget } from '../../src/access/index.js';

export const POOL_ID = 'eu-west-1:11111111-2222-3333-4444-555555555555';
export const GUEST_IDENTITY = 'eu-west-1:bbbbbbbb-0000-4000-8000-000000000001';

export const IDENTITIES = {
  shopper: 'eu-west-1:aaaaaaaa-0000-4000-8000-00000000000a',
  seller: 'eu-west-1:aaaaaaaa-0000-4000-8000-00000000000c',
  disabled: 'eu-west-1:aaaaaaaa-0000-4000-8000-00000000000d',
  unknown: 'eu-west-1:aaaaaaaa-0000-4000-8000-00000000000f',
} as const;

export const REST_TARGET: ApiTarget = {
  region: 'eu-west-1',
  accountId: '123456789012',
  apiId: 'a1b2c3d4e5',
  stage: 'prod',
  kind: 'rest',
};

export const HTTP_TARGET: ApiTarget = {
  region: 'eu-west-1',
  accountId: '123456789012',
  apiId: 'b2c3d4e5f6',
  stage: '$default',
  kind: 'http',
};

type Fixture =
  | 'rest-v1-authenticated'
  | 'rest-v1-unauthenticated'
  | 'http-v2-authenticated'
  | 'http-v2-unauthenticated';

// biome-ignore lint/suspicious/noExplicitAny: fixtures are raw JSON that tests reshape freely.
export function fixture(name: Fixture): any {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));
}

function concrete(path: string): string {
  return path.replace(/\{[^}]+\}/g, '42');
}

/** A REST API (v1) event for a route, signed by a guest (identityId null => no Cognito identity at all). */
export function restEvent(method: string, template: string, identityId: string | null, authenticated: boolean) {
  const event = fixture(authenticated ? 'rest-v1-authenticated' : 'rest-v1-unauthenticated');
  event.httpMethod = method;
  event.resource = template;
  event.path = concrete(template);
  event.requestContext.httpMethod = method;
  event.requestContext.resourcePath = template;
  event.requestContext.path = `/prod${concrete(template)}`;
  event.requestContext.identity.cognitoIdentityId = identityId;
  if (identityId === null) {
    event.requestContext.identity.cognitoIdentityPoolId = null;
    event.requestContext.identity.cognitoAuthenticationType = null;
  }
  return event;
}

/** An HTTP API (v2) event for a route. */
export function httpEvent(method: string, template: string, identityId: string | null, authenticated: boolean) {
  const event = fixture(authenticated ? 'http-v2-authenticated' : 'http-v2-unauthenticated');
  event.routeKey = `${method} ${template}`;
  event.rawPath = concrete(template);
  event.requestContext.routeKey = event.routeKey;
  event.requestContext.http.method = method;
  event.requestContext.http.path = concrete(template);
  if (identityId === null) event.requestContext.authorizer.iam.cognitoIdentity = null;
  else event.requestContext.authorizer.iam.cognitoIdentity.identityId = identityId;
  return event;
}

export function userRecord(id: string, role: string, identityId: string, status: 'active' | 'disabled' = 'active') {
  const at = new Date('2026-01-01T00:00:00.000Z');
  const user: UserRecord = {
    id,
    username: id,
    email: null,
    emailVerified: false,
    role,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo',
    passwordNormalization: 'NFKC',
    identityId,
    status,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  return user;
}

/** A store with a shopper, a seller and a disabled seller, and a counter of identity lookups. */
export async function seededStore() {
  const store = new InMemoryUserStore();
  await store.create(userRecord('user-shopper', 'shopper', IDENTITIES.shopper));
  await store.create(userRecord('user-seller', 'seller', IDENTITIES.seller));
  await store.create(userRecord('user-disabled', 'seller', IDENTITIES.disabled, 'disabled'));
  const calls: string[] = [];
  const users = {
    findByIdentityId: (identityId: string) => {
      calls.push(identityId);
      return store.findByIdentityId(identityId);
    },
  };
  return { store, users, calls };
}
