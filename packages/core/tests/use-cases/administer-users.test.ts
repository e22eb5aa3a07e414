import {
  AccountTokenInvalidError,
  type AdminActor,
  type AdministerUsers,
  AdminRequiredError,
  AdminSelfChangeError,
  digestSecretToken,
  InvalidCredentialsError,
  InvitationNotFoundError,
  RefreshTokenInvalidError,
  RoleNotAllowedError,
  type UserListQuery,
  UserNotFoundError,
  type UserPage,
  ValidationError,
} from '@devauth/core';
import { InMemoryUserStore, sampleUser } from '@devauth/core/testing';
import { describe, expect, it } from 'vitest';
import { makeDevauth, STRONG_PASSWORD } from '../support.js';

const operator: AdminActor = { kind: 'operator', name: 'ops-cli' };
const asUser = (userId: string): AdminActor => ({ kind: 'user', userId });

/**
 * An instance with a first administrator (`root`, made by the operator), a shopper `alice` and a seller `bob`, both
 * signed in, with verified addresses. Events recorded so far are cleared.
 */
async function world(overrides: Parameters<typeof makeDevauth>[1] = {}) {
  const context = makeDevauth({}, overrides);
  const { devauth, outbox, events } = context;
  const register = async (username: string) => {
    const user = await devauth.register.execute({
      username,
      password: STRONG_PASSWORD,
      email: `${username}@example.com`,
    });
    await devauth.verifyEmail.execute({
      token: outbox.latest('email-verification', `${username}@example.com`)!.message.token,
    });
    return user;
  };
  const root = await register('root');
  await devauth.admin.setRole(operator, root.id, 'admin');
  const alice = await register('alice');
  const bob = await register('bob');
  await devauth.admin.setRole(operator, bob.id, 'seller');
  const login = (username: string) => devauth.login.execute({ username, password: STRONG_PASSWORD });
  const aliceSession = await login('alice');
  const bobSession = await login('bob');
  /** A seller invitation made by trusted code. */
  const invitation = () => devauth.createInvitation.execute({ role: 'seller' });
  events.events.splice(0);
  return {
    ...context,
    admin: devauth.admin,
    root,
    rootActor: asUser(root.id),
    alice,
    bob,
    aliceSession,
    bobSession,
    login,
    register,
    invitation,
  };
}

type World = Awaited<ReturnType<typeof world>>;

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (reason: unknown) => reason,
  );

/** Every method, called with valid arguments (in an order that leaves each call something to act on). */
const METHODS: [string, (admin: AdministerUsers, actor: AdminActor, w: World) => Promise<unknown>][] = [
  ['listUsers', (admin, actor) => admin.listUsers(actor, {})],
  ['getUser', (admin, actor, w) => admin.getUser(actor, w.alice.id)],
  ['setRole', (admin, actor, w) => admin.setRole(actor, w.alice.id, 'seller')],
  ['setStatus', (admin, actor, w) => admin.setStatus(actor, w.alice.id, 'disabled')],
  ['revokeSessions', (admin, actor, w) => admin.revokeSessions(actor, w.alice.id)],
  ['createInvitation', (admin, actor) => admin.createInvitation(actor, { role: 'seller' })],
  ['listInvitations', (admin, actor) => admin.listInvitations(actor, {})],
  [
    'revokeInvitation',
    async (admin, actor, w) => admin.revokeInvitation(actor, digestSecretToken((await w.invitation()).code)),
  ],
  ['deleteUser', (admin, actor, w) => admin.deleteUser(actor, w.alice.id)],
];

describe('AdministerUsers: who may call it', () => {
  const refused: [string, (w: World) => Promise<AdminActor>][] = [
    ['a shopper', async (w) => asUser(w.alice.id)],
    ['a seller', async (w) => asUser(w.bob.id)],
    [
      'a disabled admin',
      async (w) => {
        const carol = await w.register('carol');
        await w.admin.setRole(operator, carol.id, 'admin');
        await w.admin.setStatus(operator, carol.id, 'disabled');
        return asUser(carol.id);
      },
    ],
    [
      'a demoted admin',
      async (w) => {
        const erin = await w.register('erin');
        await w.admin.setRole(operator, erin.id, 'admin');
        await w.admin.setRole(w.rootActor, erin.id, 'seller');
        return asUser(erin.id);
      },
    ],
    [
      'a deleted admin',
      async (w) => {
        const dave = await w.register('dave');
        await w.admin.setRole(operator, dave.id, 'admin');
        await w.admin.deleteUser(operator, dave.id);
        return asUser(dave.id);
      },
    ],
    ['an unknown user', async () => asUser('01990000-0000-7000-8000-000000000000')],
    ['a user actor without an id', async () => ({ kind: 'user', userId: '' })],
    ['an actor of no known kind', async () => ({ kind: 'root', name: 'x' }) as unknown as AdminActor],
    [
      'an actor smuggling a role',
      async (w) => ({ kind: 'user', userId: w.alice.id, role: 'admin' }) as unknown as AdminActor,
    ],
    ['an operator without a name', async () => ({ kind: 'operator', name: '' })],
  ];

  it.each(refused)('refuses %s on every method with AdminRequiredError, changing nothing', async (_name, make) => {
    const context = await world();
    const actor = await make(context);
    context.events.events.splice(0);
    for (const [method, call] of METHODS) {
      const error = await rejection(call(context.admin, actor, context));
      expect({ method, error }).toEqual({ method, error: expect.any(AdminRequiredError) });
      expect((error as AdminRequiredError).code).toBe('ADMIN_REQUIRED');
    }
    // Invalid input from a refused caller is still only "admin required": it learns nothing about the input.
    await expect(context.admin.listUsers(actor, { bogus: true })).rejects.toBeInstanceOf(AdminRequiredError);
    await expect(context.admin.getUser(actor, 42 as never)).rejects.toBeInstanceOf(AdminRequiredError);
    // Nothing happened to alice, and her session still works.
    expect(await context.users.findById(context.alice.id)).toMatchObject({ role: 'shopper', status: 'active' });
    await expect(
      context.devauth.refresh.execute({ refreshToken: context.aliceSession.refreshToken }),
    ).resolves.toBeDefined();
    expect(context.events.ofType('AdminAction')).toEqual([]);
    const denied = context.events.ofType('AdminAccessDenied');
    if (actor.kind === 'user' && actor.userId !== '' && !('role' in actor)) {
      expect(denied.map((event) => event.action)).toEqual(
        METHODS.map(([method]) => snake(method)).concat('list_users', 'get_user'),
      );
      expect(denied[0]).toEqual({ type: 'AdminAccessDenied', at: context.clock.now(), actor, action: 'list_users' });
    } else {
      expect(denied).toEqual([]);
    }
  });

  it('lets an active admin and the operator call every method', async () => {
    for (const who of ['admin', 'operator'] as const) {
      const context = await world();
      const actor = who === 'admin' ? context.rootActor : operator;
      for (const [method, call] of METHODS) {
        await expect(call(context.admin, actor, context).then(() => method)).resolves.toBe(method);
      }
      expect(context.events.ofType('AdminAction')).toHaveLength(METHODS.length);
    }
  });

  it('re-reads the actor on every call: a disabled or demoted admin is refused at the next call', async () => {
    const { admin, rootActor, register } = await world();
    const carol = await register('carol');
    await admin.setRole(rootActor, carol.id, 'admin');
    await expect(admin.listUsers(asUser(carol.id), {})).resolves.toBeDefined();
    await admin.setStatus(rootActor, carol.id, 'disabled');
    await expect(admin.listUsers(asUser(carol.id), {})).rejects.toBeInstanceOf(AdminRequiredError);
    await admin.setStatus(rootActor, carol.id, 'active');
    await expect(admin.listUsers(asUser(carol.id), {})).resolves.toBeDefined();
    await admin.setRole(rootActor, carol.id, 'shopper');
    await expect(admin.listUsers(asUser(carol.id), {})).rejects.toBeInstanceOf(AdminRequiredError);
  });
});

function snake(method: string): string {
  return method.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

describe('AdministerUsers: listUsers', () => {
  it('lists public users in username order, page by page, following the cursor to the end', async () => {
    const { admin, rootActor } = await world();
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const result = await admin.listUsers(rootActor, { limit: 1, ...(cursor ? { cursor } : {}) });
      expect(result.users.length).toBeLessThanOrEqual(1);
      for (const user of result.users) {
        expect(user).not.toHaveProperty('passwordHash');
        seen.push(user.username);
      }
      if (result.nextCursor === null) break;
      cursor = result.nextCursor;
    }
    expect(seen).toEqual(['alice', 'bob', 'root']);
  });

  it('canonicalizes the filters as registration does, and combines them', async () => {
    const { admin, rootActor, alice, bob, root } = await world();
    await admin.setStatus(rootActor, alice.id, 'disabled');
    const ids = async (input: unknown) => (await admin.listUsers(rootActor, input)).users.map((user) => user.id);
    expect(await ids({ usernamePrefix: 'AL' })).toEqual([alice.id]);
    expect(await ids({ usernamePrefix: 'b' })).toEqual([bob.id]);
    expect(await ids({ email: '  ALICE@Example.COM ' })).toEqual([alice.id]);
    expect(await ids({ role: 'seller' })).toEqual([bob.id]);
    expect(await ids({ role: 'admin' })).toEqual([root.id]);
    expect(await ids({ status: 'disabled' })).toEqual([alice.id]);
    expect(await ids({ status: 'active', role: 'shopper' })).toEqual([]);
    expect(await ids({ usernamePrefix: 'r', email: 'root@example.com', role: 'admin', status: 'active' })).toEqual([
      root.id,
    ]);
    expect(await ids({ usernamePrefix: 'a', email: 'bob@example.com' })).toEqual([]);
  });

  it('refuses invalid filters and limits with a ValidationError naming the field', async () => {
    const { admin, rootActor } = await world();
    const cases: [unknown, string, string?][] = [
      [{ role: 'superuser' }, 'role', 'unknown_role'],
      [{ role: 'guest' }, 'role', 'unknown_role'],
      [{ status: 'banned' }, 'status'],
      [{ usernamePrefix: '' }, 'usernamePrefix', 'too_short'],
      [{ usernamePrefix: 'ᴬᴰ' }, 'usernamePrefix', 'compatibility_character'],
      [{ usernamePrefix: 'a b' }, 'usernamePrefix', 'disallowed_character'],
      [{ usernamePrefix: '_a' }, 'usernamePrefix', 'bad_edge_character'],
      [{ usernamePrefix: 'p\u0430y' }, 'usernamePrefix', 'mixed_scripts'],
      [{ email: 'not an address' }, 'email', 'invalid_email'],
      [{ limit: 0 }, 'limit'],
      [{ limit: 101 }, 'limit'],
      [{ limit: 1.5 }, 'limit'],
      [{ limit: '10' }, 'limit'],
    ];
    for (const [input, path, code] of cases) {
      const error = (await rejection(admin.listUsers(rootActor, input))) as ValidationError;
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.issues[0]).toMatchObject({ path: [path], ...(code ? { code } : {}) });
    }
    await expect(admin.listUsers(rootActor, { isAdministrator: true })).rejects.toMatchObject({
      issues: [{ code: 'unrecognized_keys' }],
    });
    await expect(admin.listUsers(rootActor, null)).rejects.toBeInstanceOf(ValidationError);
    // The prefix may end with a separator, and be a single character.
    await expect(admin.listUsers(rootActor, { usernamePrefix: 'a.' })).resolves.toEqual({
      users: [],
      nextCursor: null,
    });
  });

  it('binds its cursor to the filter: another filter, another listing or a store cursor is refused', async () => {
    const { admin, rootActor, devauth, users } = await world();
    const { nextCursor } = await admin.listUsers(rootActor, { status: 'active', limit: 1 });
    expect(nextCursor).toEqual(expect.any(String));
    const cursor = nextCursor!;
    await expect(admin.listUsers(rootActor, { status: 'active', limit: 5, cursor })).resolves.toMatchObject({
      users: [{ username: 'bob' }, { username: 'root' }],
      nextCursor: null,
    });
    for (const input of [{ cursor }, { status: 'disabled', cursor }, { status: 'active', role: 'shopper', cursor }]) {
      await expect(admin.listUsers(rootActor, input)).rejects.toMatchObject({
        issues: [{ path: ['cursor'], code: 'filter_mismatch' }],
      });
    }
    await devauth.createInvitation.execute({ role: 'seller' });
    await devauth.createInvitation.execute({ role: 'seller' });
    const invitationCursor = (await admin.listInvitations(rootActor, { limit: 1 })).nextCursor!;
    const storeCursor = (await users.list({ limit: 1 })).nextCursor!;
    for (const bad of [invitationCursor, storeCursor, 'garbage', Buffer.from('{"v":1}').toString('base64url')]) {
      await expect(admin.listUsers(rootActor, { cursor: bad })).rejects.toMatchObject({
        issues: [{ path: ['cursor'], code: 'invalid' }],
      });
    }
    await expect(admin.listInvitations(rootActor, { cursor })).rejects.toMatchObject({
      issues: [{ path: ['cursor'], code: 'invalid' }],
    });
  });

  it('serves 50 users by default, at most 100', async () => {
    const { admin, rootActor, users } = await world();
    const imported = Array.from({ length: 120 }, (_, index) =>
      sampleUser({ username: `imported${String(index).padStart(3, '0')}` }),
    );
    expect(await users.createMany(imported.slice(0, 100))).toEqual(imported.slice(0, 100).map(() => 'created'));
    await users.createMany(imported.slice(100));
    const first = await admin.listUsers(rootActor, {});
    expect(first.users).toHaveLength(50);
    const all = await admin.listUsers(rootActor, { limit: 100 });
    expect(all.users).toHaveLength(100);
    const rest = await admin.listUsers(rootActor, { limit: 100, cursor: all.nextCursor! });
    expect(rest).toMatchObject({ nextCursor: null });
    expect(rest.users).toHaveLength(123 - 100);
  });

  it('fills a page from a store that answers short pages, within a few reads, and hands on its cursor', async () => {
    class ShortPages extends InMemoryUserStore {
      reads = 0;
      override async list(query: UserListQuery): Promise<UserPage> {
        this.reads++;
        return super.list({ ...query, limit: 1 });
      }
    }
    const store = new ShortPages();
    const { admin, rootActor } = await world({ users: store });
    for (const user of Array.from({ length: 6 }, (_, i) => sampleUser({ username: `extra${i}` }))) {
      await store.create(user);
    }
    store.reads = 0;
    const page = await admin.listUsers(rootActor, { limit: 3 });
    expect(page.users.map((user) => user.username)).toEqual(['alice', 'bob', 'extra0']);
    expect(store.reads).toBe(3);
    store.reads = 0;
    const big = await admin.listUsers(rootActor, { limit: 10, cursor: page.nextCursor! });
    // At most four store reads per call, then the cursor says where to go on.
    expect(store.reads).toBe(4);
    expect(big.users.map((user) => user.username)).toEqual(['extra1', 'extra2', 'extra3', 'extra4']);
    const last = await admin.listUsers(rootActor, { limit: 10, cursor: big.nextCursor! });
    expect(last).toMatchObject({ users: [{ username: 'extra5' }, { username: 'root' }], nextCursor: null });
  });
});

describe('AdministerUsers: getUser, setRole, setStatus', () => {
  it('returns a public user, USER_NOT_FOUND for an unknown id and a ValidationError for a malformed one', async () => {
    const { admin, rootActor, alice } = await world();
    const user = await admin.getUser(rootActor, alice.id);
    expect(user).toMatchObject({ id: alice.id, username: 'alice', role: 'shopper', status: 'active' });
    expect(user).not.toHaveProperty('passwordHash');
    await expect(admin.getUser(rootActor, 'no-such-user')).rejects.toBeInstanceOf(UserNotFoundError);
    await expect(admin.getUser(rootActor, 42 as never)).rejects.toMatchObject({ issues: [{ path: ['userId'] }] });
    await expect(admin.getUser(rootActor, 'x'.repeat(129))).rejects.toBeInstanceOf(ValidationError);
  });

  it("demotes a seller: the seller's refresh token stops at once, its Cognito login is unlinked, the next login tags the new role", async () => {
    const { admin, rootActor, bob, bobSession, devauth, broker, login, events } = await world();
    const result = await admin.setRole(rootActor, bob.id, 'shopper');
    expect(result).toMatchObject({ id: bob.id, role: 'shopper' });
    await expect(devauth.refresh.execute({ refreshToken: bobSession.refreshToken })).rejects.toBeInstanceOf(
      RefreshTokenInvalidError,
    );
    expect(broker.unlinks).toContainEqual({ developerUserId: bob.id, identityId: bobSession.identityId });
    expect(events.ofType('AccessRevoked')).toEqual([
      expect.objectContaining({ userId: bob.id, reason: 'role_changed', revokedSessions: 1 }),
    ]);
    const session = await login('bob');
    expect(broker.verify(session.openIdToken)?.['https://aws.amazon.com/tags'].principal_tags).toEqual({
      role: ['shopper'],
    });
  });

  it('disables a user: the refresh token and the login are refused at once and the login unlinked; enabling revokes nothing', async () => {
    const { admin, rootActor, alice, aliceSession, devauth, broker, login } = await world();
    expect(await admin.setStatus(rootActor, alice.id, 'disabled')).toMatchObject({ status: 'disabled' });
    await expect(devauth.refresh.execute({ refreshToken: aliceSession.refreshToken })).rejects.toBeInstanceOf(
      RefreshTokenInvalidError,
    );
    expect(broker.unlinks).toEqual([{ developerUserId: alice.id, identityId: aliceSession.identityId }]);
    await expect(login('alice')).rejects.toBeInstanceOf(InvalidCredentialsError);
    expect(await admin.setStatus(rootActor, alice.id, 'active')).toMatchObject({ status: 'active' });
    expect(broker.unlinks).toHaveLength(1);
    await expect(login('alice')).resolves.toBeDefined();
  });

  it('changes nothing and revokes nothing when the user already has the role or status', async () => {
    const { admin, rootActor, alice, aliceSession, devauth, broker, events } = await world();
    await admin.setRole(rootActor, alice.id, 'shopper');
    await admin.setStatus(rootActor, alice.id, 'active');
    expect(broker.unlinks).toEqual([]);
    await expect(devauth.refresh.execute({ refreshToken: aliceSession.refreshToken })).resolves.toBeDefined();
    const audit = events.ofType('AdminAction');
    expect(audit.map((event) => [event.action, event.changes])).toEqual([
      ['set_role', undefined],
      ['set_status', undefined],
    ]);
  });

  it('refuses a role that is not configured, a status that does not exist and an unknown user', async () => {
    const { admin, rootActor, alice } = await world();
    await expect(admin.setRole(rootActor, alice.id, 'superuser')).rejects.toBeInstanceOf(RoleNotAllowedError);
    await expect(admin.setRole(rootActor, alice.id, 'guest')).rejects.toBeInstanceOf(RoleNotAllowedError);
    await expect(admin.setRole(rootActor, alice.id, 7 as never)).rejects.toMatchObject({
      issues: [{ path: ['role'] }],
    });
    await expect(admin.setStatus(rootActor, alice.id, 'banned' as never)).rejects.toMatchObject({
      issues: [{ path: ['status'] }],
    });
    await expect(admin.setRole(rootActor, 'no-such-user', 'seller')).rejects.toBeInstanceOf(UserNotFoundError);
    await expect(admin.setStatus(rootActor, 'no-such-user', 'disabled')).rejects.toBeInstanceOf(UserNotFoundError);
  });

  it('makes another administrator, who may then administer', async () => {
    const { admin, rootActor, alice, bob } = await world();
    await admin.setRole(rootActor, alice.id, 'admin');
    await expect(admin.setStatus(asUser(alice.id), bob.id, 'disabled')).resolves.toMatchObject({ status: 'disabled' });
  });
});

describe('AdministerUsers: lock-out protection', () => {
  it('refuses an administrator demoting, disabling or deleting themselves, changing nothing', async () => {
    const { admin, rootActor, root, users, broker } = await world();
    const attempts: [Promise<unknown>, string][] = [
      [admin.setRole(rootActor, root.id, 'shopper'), 'set_role'],
      [admin.setStatus(rootActor, root.id, 'disabled'), 'set_status'],
      [admin.deleteUser(rootActor, root.id), 'delete_user'],
    ];
    for (const [attempt, action] of attempts) {
      const error = await rejection(attempt);
      expect(error).toBeInstanceOf(AdminSelfChangeError);
      expect(error).toMatchObject({ code: 'ADMIN_SELF_CHANGE', action });
    }
    expect(await users.findById(root.id)).toMatchObject({ role: 'admin', status: 'active' });
    expect(broker.unlinks).toEqual([]);
    // What changes nothing is allowed: keeping the role, keeping the account active, ending one's own sessions.
    await expect(admin.setRole(rootActor, root.id, 'admin')).resolves.toMatchObject({ role: 'admin' });
    await expect(admin.setStatus(rootActor, root.id, 'active')).resolves.toMatchObject({ status: 'active' });
    await expect(admin.revokeSessions(rootActor, root.id)).resolves.toEqual({ revokedSessions: 0 });
  });

  it('lets another administrator, or the operator, demote an administrator', async () => {
    const { admin, rootActor, root, alice } = await world();
    await admin.setRole(rootActor, alice.id, 'admin');
    await expect(admin.setRole(asUser(alice.id), root.id, 'seller')).resolves.toMatchObject({ role: 'seller' });
    await expect(admin.setRole(operator, alice.id, 'shopper')).resolves.toMatchObject({ role: 'shopper' });
  });
});

describe('AdministerUsers: deleteUser and revokeSessions', () => {
  it('removes the user with everything stored with it, as account deletion does', async () => {
    const { admin, rootActor, alice, aliceSession, devauth, broker, users, outbox, events, register } = await world();
    // A pending verification token (a requested change of address) dies with the account.
    await devauth.changeEmail.execute(
      { password: STRONG_PASSWORD, newEmail: 'alice2@example.com' },
      { userId: alice.id },
    );
    const pending = outbox.latest('email-verification', 'alice2@example.com')!.message.token;
    await admin.deleteUser(rootActor, alice.id);
    expect(await users.findById(alice.id)).toBeNull();
    await expect(devauth.refresh.execute({ refreshToken: aliceSession.refreshToken })).rejects.toBeInstanceOf(
      RefreshTokenInvalidError,
    );
    expect(broker.isRemoved(aliceSession.identityId)).toBe(true);
    expect(broker.identityOf(alice.id)).toBeUndefined();
    await expect(devauth.verifyEmail.execute({ token: pending })).rejects.toBeInstanceOf(AccountTokenInvalidError);
    expect(outbox.latest('account-deleted', 'alice@example.com')).toBeDefined();
    expect(events.ofType('AccountDeleted')).toEqual([expect.objectContaining({ userId: alice.id })]);
    // The username and the address are free again.
    await expect(register('alice')).resolves.toMatchObject({ username: 'alice' });
    await expect(admin.deleteUser(rootActor, alice.id)).rejects.toBeInstanceOf(UserNotFoundError);
  });

  it('ends every session of a user and unlinks its login; the user can sign in again', async () => {
    const { admin, rootActor, alice, aliceSession, login, devauth, broker, events } = await world();
    const second = await login('alice');
    expect(await admin.revokeSessions(rootActor, alice.id)).toEqual({ revokedSessions: 2 });
    for (const session of [aliceSession, second]) {
      await expect(devauth.refresh.execute({ refreshToken: session.refreshToken })).rejects.toBeInstanceOf(
        RefreshTokenInvalidError,
      );
    }
    expect(broker.unlinks).toEqual([{ developerUserId: alice.id, identityId: aliceSession.identityId }]);
    expect(events.ofType('AdminAction')).toEqual([
      {
        type: 'AdminAction',
        at: expect.any(Date),
        actor: rootActor,
        action: 'revoke_sessions',
        targetUserId: alice.id,
        revokedSessions: 2,
      },
    ]);
    await expect(login('alice')).resolves.toBeDefined();
    await expect(admin.revokeSessions(rootActor, 'no-such-user')).rejects.toBeInstanceOf(UserNotFoundError);
  });
});

describe('AdministerUsers: invitations', () => {
  it('creates an invitation (its code once, its id the digest), lists it without the code, pending then used', async () => {
    const { admin, rootActor, devauth, clock } = await world();
    const invitation = await admin.createInvitation(rootActor, { role: 'seller', ttlSeconds: 3600 });
    expect(invitation).toEqual({
      code: expect.stringMatching(/^inv_/),
      id: digestSecretToken(invitation.code),
      role: 'seller',
      expiresAt: new Date(clock.now().getTime() + 3600_000),
    });
    const listed = await admin.listInvitations(rootActor, {});
    expect(listed).toEqual({
      invitations: [
        {
          id: invitation.id,
          role: 'seller',
          createdAt: clock.now(),
          expiresAt: invitation.expiresAt,
          usedAt: null,
          status: 'pending',
        },
      ],
      nextCursor: null,
    });
    expect(JSON.stringify(listed)).not.toContain(invitation.code);
    clock.advance(60);
    await devauth.register.execute({
      username: 'sally',
      password: STRONG_PASSWORD,
      role: 'seller',
      invitationCode: invitation.code,
    });
    expect((await admin.listInvitations(rootActor, {})).invitations[0]).toMatchObject({
      status: 'used',
      usedAt: clock.now(),
    });
    const unused = await admin.createInvitation(rootActor, { role: 'seller', ttlSeconds: 60 });
    clock.advance(60);
    expect((await admin.listInvitations(rootActor, {})).invitations).toMatchObject([
      { id: unused.id, status: 'expired' },
      { id: invitation.id, status: 'used' },
    ]);
  });

  it('creates admin invitations for an administrator and for the operator; they make administrators', async () => {
    const { admin, rootActor, devauth } = await world();
    for (const [actor, username] of [
      [rootActor, 'second'],
      [operator, 'third'],
    ] as const) {
      const invitation = await admin.createInvitation(actor, { role: 'admin' });
      const made = await devauth.register.execute({
        username,
        password: STRONG_PASSWORD,
        role: 'admin',
        invitationCode: invitation.code,
      });
      expect(made.role).toBe('admin');
      await expect(admin.listUsers(asUser(made.id), { role: 'admin' })).resolves.toMatchObject({
        users: [{ username: 'root' }, { username: 'second' }, ...(username === 'third' ? [{ username: 'third' }] : [])],
      });
    }
  });

  it('refuses invitations for roles that cannot be invited and malformed requests', async () => {
    const { admin, rootActor, events } = await world();
    await expect(admin.createInvitation(rootActor, { role: 'superuser' })).rejects.toMatchObject({
      reason: 'unknown_role',
    });
    await expect(admin.createInvitation(rootActor, { role: 'guest' })).rejects.toMatchObject({
      reason: 'reserved_role',
    });
    await expect(admin.createInvitation(rootActor, { role: 'seller', ttlSeconds: 10 })).rejects.toMatchObject({
      issues: [{ path: ['ttlSeconds'] }],
    });
    await expect(admin.createInvitation(rootActor, { role: 'seller', code: 'inv_mine' })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(admin.createInvitation(rootActor, {})).rejects.toMatchObject({ issues: [{ path: ['role'] }] });
    expect(events.ofType('AdminAction')).toEqual([]);
  });

  it('lists invitations newest first, page by page', async () => {
    const { admin, rootActor, clock } = await world();
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      created.push((await admin.createInvitation(rootActor, { role: 'seller' })).id);
      clock.advance(1);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await admin.listInvitations(rootActor, { limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.invitations.map((invitation) => invitation.id));
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual([...created].reverse());
    await expect(admin.listInvitations(rootActor, { limit: 101 })).rejects.toMatchObject({
      issues: [{ path: ['limit'] }],
    });
    await expect(admin.listInvitations(rootActor, { cursor: 'garbage' })).rejects.toMatchObject({
      issues: [{ path: ['cursor'] }],
    });
  });

  it('revokes an invitation, which then registers nobody; an unknown id is INVITATION_NOT_FOUND', async () => {
    const { admin, rootActor, devauth } = await world();
    const invitation = await admin.createInvitation(rootActor, { role: 'seller' });
    await admin.revokeInvitation(rootActor, invitation.id);
    await expect(
      devauth.register.execute({
        username: 'sally',
        password: STRONG_PASSWORD,
        role: 'seller',
        invitationCode: invitation.code,
      }),
    ).rejects.toMatchObject({ reason: 'invitation_invalid' });
    expect((await admin.listInvitations(rootActor, {})).invitations).toEqual([]);
    for (const id of [invitation.id, digestSecretToken('inv_unknown'), 'x', invitation.code]) {
      const error = await rejection(admin.revokeInvitation(rootActor, id));
      expect(error).toBeInstanceOf(InvitationNotFoundError);
      expect(error).toMatchObject({ code: 'INVITATION_NOT_FOUND' });
    }
    await expect(admin.revokeInvitation(rootActor, 5 as never)).rejects.toMatchObject({ issues: [{ path: ['id'] }] });
  });
});

describe('AdministerUsers: audit events', () => {
  it('records every operation with its actor, target and changes, and never a secret', async () => {
    const { admin, rootActor, root, alice, bob, devauth, users, events, clock, register } = await world();
    const carol = await register('carol');
    const hashes = await Promise.all(
      [root, alice, bob, carol].map(async (user) => (await users.findById(user.id))!.passwordHash),
    );
    events.events.splice(0);
    await admin.listUsers(rootActor, { usernamePrefix: 'ali', email: 'alice@example.com' });
    await admin.getUser(rootActor, alice.id);
    await admin.setRole(rootActor, alice.id, 'seller');
    await admin.setStatus(operator, bob.id, 'disabled');
    await admin.revokeSessions(rootActor, carol.id);
    const invitation = await admin.createInvitation(operator, { role: 'admin' });
    await admin.listInvitations(rootActor, {});
    await admin.revokeInvitation(rootActor, invitation.id);
    await admin.deleteUser(rootActor, carol.id);
    const at = clock.now();
    expect(events.ofType('AdminAction')).toEqual([
      { type: 'AdminAction', at, actor: rootActor, action: 'list_users', count: 1 },
      { type: 'AdminAction', at, actor: rootActor, action: 'get_user', targetUserId: alice.id },
      {
        type: 'AdminAction',
        at,
        actor: rootActor,
        action: 'set_role',
        targetUserId: alice.id,
        changes: { role: { from: 'shopper', to: 'seller' } },
      },
      {
        type: 'AdminAction',
        at,
        actor: { kind: 'operator', name: 'ops-cli' },
        action: 'set_status',
        targetUserId: bob.id,
        changes: { status: { from: 'active', to: 'disabled' } },
      },
      {
        type: 'AdminAction',
        at,
        actor: rootActor,
        action: 'revoke_sessions',
        targetUserId: carol.id,
        revokedSessions: 0,
      },
      {
        type: 'AdminAction',
        at,
        actor: operator,
        action: 'create_invitation',
        invitationId: invitation.id,
        role: 'admin',
      },
      { type: 'AdminAction', at, actor: rootActor, action: 'list_invitations', count: 1 },
      { type: 'AdminAction', at, actor: rootActor, action: 'revoke_invitation', invitationId: invitation.id },
      { type: 'AdminAction', at, actor: rootActor, action: 'delete_user', targetUserId: carol.id },
    ]);
    await expect(admin.listUsers(asUser(alice.id), {})).rejects.toBeInstanceOf(AdminRequiredError);
    expect(events.ofType('AdminAccessDenied')).toEqual([
      { type: 'AdminAccessDenied', at, actor: asUser(alice.id), action: 'list_users' },
    ]);
    const serialized = JSON.stringify(events.events);
    for (const secret of [
      invitation.code,
      invitation.code.slice(4),
      STRONG_PASSWORD,
      ...hashes,
      'alice@example.com',
      'carol@example.com',
      '"ali"',
    ]) {
      expect(serialized).not.toContain(secret);
    }
    // The signed-in admin routes can show the same without the code: the id is what the events name.
    expect(JSON.stringify(await devauth.admin.listInvitations(operator, {}))).not.toContain(invitation.code);
  });
});
