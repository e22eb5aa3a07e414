/**
 * Hostile identifiers an administrator can send, on a real SQL engine (PGlite): a user id or a store cursor position
 * holding a NUL or another control character. PostgreSQL cannot hold NUL in a text value (SQLSTATE 22021), so such
 * a value must be refused by the core as input (400, ValidationError) before any statement, never reach the store
 * and surface as a 500 "configuration error". Found by the fuzz suite's admin routes; seen failing before the fix.
 */
import './support/log-capture.js';
import { createPostgresStores, fromPGlite, migrate } from '@devauth/adapters-postgres';
import { type Devauth, encodeStoreCursor, ValidationError } from '@devauth/core';
import { FakeIdentityBroker } from '@devauth/core/testing';
import type { AuthHandlers } from '@devauth/lambda-handlers';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAttackApp, POOL_ID } from './support/auth-app.js';
import { eventFor } from './support/gateway-events.js';

const OPERATOR = { kind: 'operator', name: 'attack-suite' } as const;
const password = 'a long passphrase nobody guesses';
const HOSTILE_IDS = ['\u0000', `01a242ac-${'\u0000'}-7000`, 'id\u0001', 'id\u007f', 'id\u009b'];

/** A core cursor of the users listing (no filter) whose store position is `position`. */
function forgedUsersCursor(real: string, position: string): string {
  const wrapped = JSON.parse(Buffer.from(real, 'base64url').toString('utf8')) as { a: string };
  const [kind] = JSON.parse(Buffer.from(wrapped.a, 'base64url').toString('utf8')) as [string];
  wrapped.a = encodeStoreCursor(kind, [position, 'some-id']);
  return Buffer.from(JSON.stringify(wrapped), 'utf8').toString('base64url');
}

describe('admin routes: control characters in ids and cursors are refused as input (PGlite)', () => {
  let db: PGlite;
  let devauth: Devauth;
  let handlers: AuthHandlers;
  let iam: { identityId: string; identityPoolId: string; authenticationType: string; amr: string[] };
  let realCursor: string;

  beforeAll(async () => {
    db = new PGlite();
    const client = fromPGlite(db);
    await migrate(client);
    const app = createAttackApp(createPostgresStores(client), new FakeIdentityBroker({ identityPoolId: POOL_ID }), {
      config: { roles: ['shopper', 'seller', 'admin'] },
    });
    ({ devauth, handlers } = app);
    const root = await devauth.register.execute({ username: 'root', password });
    await devauth.admin.setRole(OPERATOR, root.id, 'admin');
    await devauth.register.execute({ username: 'zed', password });
    const { identityId } = await devauth.login.execute({ username: 'root', password });
    iam = {
      identityId,
      identityPoolId: POOL_ID,
      authenticationType: 'authenticated',
      amr: ['authenticated', 'login.devauth.test'],
    };
    realCursor = (await devauth.admin.listUsers(OPERATOR, { limit: 1 })).nextCursor!;
    expect(realCursor).toEqual(expect.any(String));
  }, 60_000);
  afterAll(async () => {
    await db?.close();
  });

  it('the core refuses them with a ValidationError on the field, for every user operation', async () => {
    for (const id of HOSTILE_IDS) {
      for (const call of [
        () => devauth.admin.getUser(OPERATOR, id),
        () => devauth.admin.setRole(OPERATOR, id, 'seller'),
        () => devauth.admin.setStatus(OPERATOR, id, 'disabled'),
        () => devauth.admin.deleteUser(OPERATOR, id),
        () => devauth.admin.revokeSessions(OPERATOR, id),
      ]) {
        await expect(call(), JSON.stringify(id)).rejects.toBeInstanceOf(ValidationError);
      }
    }
    for (const position of ['\u0000', 'a\u0000b', 'z\u0001']) {
      const attempt = devauth.admin.listUsers(OPERATOR, { limit: 1, cursor: forgedUsersCursor(realCursor, position) });
      await expect(attempt).rejects.toBeInstanceOf(ValidationError);
      await expect(attempt).rejects.toMatchObject({ issues: [expect.objectContaining({ path: ['cursor'] })] });
    }
  });

  it('the admin routes answer 400, never a 5xx, signed by a real administrator', async () => {
    const routes = [
      ['adminGetUser', 'GET', null],
      ['adminSetRole', 'PUT', '{"role":"seller"}'],
      ['adminSetStatus', 'PUT', '{"status":"disabled"}'],
      ['adminDeleteUser', 'DELETE', null],
      ['adminRevokeSessions', 'DELETE', null],
    ] as const;
    for (const version of [1, 2] as const) {
      for (const [route, method, body] of routes) {
        const userId = '\u0000';
        const event = {
          ...eventFor(version, { method, path: `/admin/users/${encodeURIComponent(userId)}`, body, iam }),
          pathParameters: { userId },
        };
        const result = await handlers[route](event as never);
        expect(result.statusCode, `${route} v${version}: ${result.body}`).toBe(400);
      }
      const list = eventFor(version, { method: 'GET', path: '/admin/users', iam }) as unknown as Record<
        string,
        unknown
      >;
      const cursor = forgedUsersCursor(realCursor, '\u0000');
      if (version === 1) {
        list.queryStringParameters = { cursor };
        list.multiValueQueryStringParameters = { cursor: [cursor] };
      } else {
        list.rawQueryString = `cursor=${cursor}`;
        list.queryStringParameters = { cursor };
      }
      const listed = await handlers.adminListUsers(list as never);
      expect(listed.statusCode, listed.body).toBe(400);
    }
    // Nothing was changed by any of it.
    expect((await devauth.admin.listUsers(OPERATOR, { limit: 10 })).users.map((user) => user.username)).toEqual([
      'root',
      'zed',
    ]);
  });
});
