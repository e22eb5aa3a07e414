/**
 * Fuzzing every route `createAuthHandlers` exposes (register, login, guest, refresh, logout, me, and the account
 * routes: passwordForgot, passwordReset, changePassword, deleteAccount, the session routes and the email routes:
 * verifyEmail, changeEmail, resendEmailVerification, and the admin routes: adminListUsers, adminGetUser,
 * adminSetRole, adminSetStatus, adminDeleteUser, adminRevokeSessions, adminCreateInvitation, adminListInvitations,
 * adminRevokeInvitation) with fast-check. Login by email address (`loginWithEmail`) is on.
 *
 * Each generated request picks a payload version (REST API v1 or HTTP API v2), a method, headers (content-type,
 * origin, `__proto__`-named and random ones, or none at all), a source address and a body, and for `me` the IAM
 * identity fields. Bodies are: near-valid requests (the route's real fields, with real usernames, passwords,
 * invitation codes, refresh tokens and identity ids mixed with hostile values), arbitrary JSON of the wrong types,
 * huge strings around and beyond every limit, deep nesting, prototype-pollution keys (`__proto__`, `constructor`,
 * `prototype`, at the top level and nested), invalid UTF-8 (base64 bodies), lone surrogates (escaped and raw),
 * control, zero-width, bidi and confusable characters, and plain garbage.
 *
 * Properties, for every request:
 * - never a 5xx (and always a well-formed response: JSON or empty body, `cache-control: no-store`, CORS only ever
 *   for the configured origin, no seed password echoed);
 * - no unhandled rejection (counted by a process listener, checked after each property) and Object.prototype /
 *   Array.prototype unchanged after every request;
 * - never a hash computed for an input over the limits: a recording hasher sees every `hash`/`verify`; when the body
 *   is over the body limit (16 KiB), or the username over its limit (64 code points after folding, 256 raw UTF-16
 *   units), or the password over its byte limit (1024 UTF-8 bytes) — or, for registration, over its length limit
 *   (256 code points after NFKC) — the hasher is not called at all and the answer is 400 or 413. Every call it does
 *   see is the NFKC form of a password inside those limits, from a request whose username is inside its limits.
 *   Routes without passwords (guest, refresh, logout, me, passwordForgot, verifyEmail, resendEmailVerification
 *   and the admin routes) never hash. A login identifier with `@` is an email address: bounded by the schema and the
 *   address rules (canonicalizeEmail) before any hash. The account routes' password
 *   fields (current, new) are bounded the same way before any hash; a verify is always of the current password and
 *   a hash always of the new one.
 *
 * Note on login: its only password bound before hashing is the byte limit on the raw input (checkPasswordBounds);
 * the 256-code-point maximum is a registration rule, so a login password of up to 1024 bytes is verified whatever its
 * length in code points (by design: users whose password was set under another policy or imported keep logging in).
 * NFKC can expand such a password (U+FDFA becomes 18 code points), so `verify` may receive up to about 11 KB; that
 * is bounded and costs argon2 nothing measurable (it pre-hashes the password once), and the test reports the
 * largest input the hasher saw.
 *
 * The limits are read from core and the handlers, never restated here. The hasher is argon2id at tiny parameters
 * (m=256 KiB, t=1): the limit checks do not depend on cost, and 10,000 runs per route stay fast.
 *
 * The admin routes: the app has one administrator (a seed user made `admin` through the operator's path,
 * `devauth.admin.setRole` with the operator actor, then logged in). A share of their requests is coherent: signed by
 * the administrator's current identity, with a valid body, a real target (another seed user, a live invitation id)
 * in the path (in API Gateway's `pathParameters`, or only in the path) and real list filters, limits and cursors in
 * the query string (as each payload version carries it); another share is the same request signed by a shopper, a
 * guest or an earlier, unlinked identity of the administrator. The rest is fuzzed like any route, and the ids (real,
 * near misses, codes instead of ids, hostile and huge strings, undecodable escapes) and query strings (unknown and
 * repeated names, bad limits, cursors of the other listing or filters, forged ones) are fuzzed too. Properties:
 * - a request whose signed identity is not, at that moment, an active `admin` user's never gets a 2xx (a CORS
 *   preflight aside: an empty 204 that runs nothing), only 400/401/403/413, never an error about the input's fields
 *   (its body aside: the caller is checked before the input), and changes nothing in the user or invitation stores;
 * - a request signed by the administrator is never refused as a caller (no 401; a 403 only for a role that is not
 *   allowed, ROLE_NOT_ALLOWED), and its successes did what they say (the target read, changed, deleted or revoked
 *   is the one the request names, and existed; listings respect their filters and limit and never show an
 *   invitation code; a created invitation's id is its code's digest, its role and lifetime the ones asked for);
 * - no response, on any route, ever carries a password hash (any hash the user store has held during the run) or a
 *   `passwordHash` field; admin user objects carry no password, hash, secret, token or code field.
 *
 * Seeds: fast-check picks a new seed every run; on failure its error message prints the seed, the path and the
 * shrunk counterexample, so a failure can be replayed with `fc.assert(..., { seed, path })`. Sizes come from
 * attack-config (ATTACK_FULL=1: 10,000 runs per route; otherwise a few hundred).
 */
import {
  ADMIN_DEFAULT_PAGE_SIZE,
  canonicalizeEmail,
  createArgon2idHasher,
  createDevauth,
  DEFAULT_PASSWORD_POLICY,
  type Devauth,
  digestSecretToken,
  mintAccountToken,
  type PasswordHasher,
  USERNAME_MAX_LENGTH,
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
  ManualClock,
} from '@devauth/core/testing';
import {
  type ApiGatewayProxyEvent,
  type ApiGatewayProxyResult,
  type AuthHandlers,
  createAuthHandlers,
  DEFAULT_MAX_BODY_BYTES,
} from '@devauth/lambda-handlers';
import { HANDLER_ROUTES } from '@devauth/lambda-handlers/env';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attackConfig } from './support/attack-config.js';
import { eventFor, type GatewayRequest } from './support/gateway-events.js';
import { captureLogger, rememberedSecretCount, rememberSecrets } from './support/log-capture.js';

const POOL_ID = 'us-east-1:00000000-0000-4000-8000-000000000000';
const ALLOWED_ORIGIN = 'https://app.example.com';
const RUNS = attackConfig.fuzzRunsPerEndpoint;
const TIMEOUT = attackConfig.testTimeoutMs;

/** The limits under test, from the code that enforces them. */
const LIMITS = {
  bodyBytes: DEFAULT_MAX_BODY_BYTES,
  passwordBytes: DEFAULT_PASSWORD_POLICY.maxBytes,
  passwordCodePoints: DEFAULT_PASSWORD_POLICY.maxLength,
  usernameCodePoints: USERNAME_MAX_LENGTH,
  /** canonicalizeUsername's cheap bound on the raw input, before any Unicode work (RAW_INPUT_LIMIT, not exported). */
  usernameRawUnits: 256,
} as const;
/** The roles the app is configured with. */
const CONFIGURED_ROLES = ['shopper', 'seller', 'admin'] as const;
/** An invitation's documented lifetime bounds (60 s to 90 days; CreateInvitation's check, not exported). */
const INVITATION_TTL = { min: 60, max: 90 * 86_400 } as const;

const ROUTES = {
  register: '/auth/register',
  login: '/auth/login',
  guest: '/auth/guest',
  refresh: '/auth/refresh',
  logout: '/auth/logout',
  me: '/me',
  passwordForgot: '/auth/password/forgot',
  passwordReset: '/auth/password/reset',
  changePassword: '/me/password',
  deleteAccount: '/me',
  listSessions: '/me/sessions',
  revokeSession: '/me/sessions/0191a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5b',
  revokeOtherSessions: '/me/sessions/revoke-others',
  signOutEverywhere: '/me/sessions',
  verifyEmail: '/auth/email/verify',
  changeEmail: '/me/email',
  resendEmailVerification: '/me/email/verification',
  // The admin routes with a path parameter get the target of each request in its place (see requestPath); these are
  // their paths with an id nobody has.
  adminListUsers: '/admin/users',
  adminGetUser: '/admin/users/0191a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5b',
  adminSetRole: '/admin/users/0191a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5b/role',
  adminSetStatus: '/admin/users/0191a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5b/status',
  adminDeleteUser: '/admin/users/0191a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5b',
  adminRevokeSessions: '/admin/users/0191a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5b/sessions',
  adminCreateInvitation: '/admin/invitations',
  adminListInvitations: '/admin/invitations',
  adminRevokeInvitation: '/admin/invitations/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
} as const;
type Route = keyof typeof ROUTES;

/** AWS_IAM routes: requests carry (fuzzed) Cognito IAM identity fields. */
const SIGNED: ReadonlySet<Route> = new Set([
  'me',
  'changePassword',
  'deleteAccount',
  'listSessions',
  'revokeSession',
  'revokeOtherSessions',
  'signOutEverywhere',
  'changeEmail',
  'resendEmailVerification',
  'adminListUsers',
  'adminGetUser',
  'adminSetRole',
  'adminSetStatus',
  'adminDeleteUser',
  'adminRevokeSessions',
  'adminCreateInvitation',
  'adminListInvitations',
  'adminRevokeInvitation',
]);
/** The admin routes (AWS_IAM, the `admin` role only). */
const ADMIN: ReadonlySet<Route> = new Set([
  'adminListUsers',
  'adminGetUser',
  'adminSetRole',
  'adminSetStatus',
  'adminDeleteUser',
  'adminRevokeSessions',
  'adminCreateInvitation',
  'adminListInvitations',
  'adminRevokeInvitation',
]);
/** The admin routes with a path parameter, and its name. */
const PATH_PARAMETER: Readonly<Partial<Record<Route, 'userId' | 'invitationId'>>> = {
  adminGetUser: 'userId',
  adminSetRole: 'userId',
  adminSetStatus: 'userId',
  adminDeleteUser: 'userId',
  adminRevokeSessions: 'userId',
  adminRevokeInvitation: 'invitationId',
};
/** The admin listings, which read a query string. */
const LISTINGS: ReadonlySet<Route> = new Set(['adminListUsers', 'adminListInvitations']);
/** The template API Gateway matched for a route (HANDLER_ROUTES' path): v1 `resource`, v2 `routeKey`. */
const templateOf = (route: Route): string => HANDLER_ROUTES[route].path;
/** The method each route is mounted with (the others are fuzzed too). */
const METHOD: Readonly<Record<Route, string>> = {
  register: 'POST',
  login: 'POST',
  guest: 'POST',
  refresh: 'POST',
  logout: 'POST',
  me: 'GET',
  passwordForgot: 'POST',
  passwordReset: 'POST',
  changePassword: 'POST',
  deleteAccount: 'DELETE',
  listSessions: 'GET',
  revokeSession: 'DELETE',
  revokeOtherSessions: 'POST',
  signOutEverywhere: 'DELETE',
  verifyEmail: 'POST',
  changeEmail: 'POST',
  resendEmailVerification: 'POST',
  adminListUsers: 'GET',
  adminGetUser: 'GET',
  adminSetRole: 'PUT',
  adminSetStatus: 'PUT',
  adminDeleteUser: 'DELETE',
  adminRevokeSessions: 'DELETE',
  adminCreateInvitation: 'POST',
  adminListInvitations: 'GET',
  adminRevokeInvitation: 'DELETE',
};
/** The password fields of each route's body; `new` ones are checked against the full policy (a length limit). */
const PASSWORD_FIELDS: Readonly<Partial<Record<Route, ReadonlyArray<{ name: string; isNew: boolean }>>>> = {
  register: [{ name: 'password', isNew: true }],
  login: [{ name: 'password', isNew: false }],
  passwordReset: [{ name: 'newPassword', isNew: true }],
  changePassword: [
    { name: 'currentPassword', isNew: false },
    { name: 'newPassword', isNew: true },
  ],
  deleteAccount: [{ name: 'password', isNew: false }],
  changeEmail: [{ name: 'password', isNew: false }],
};
/**
 * Stands for a reset token requested just before the request is sent (the clock moves by up to a day per request,
 * so tokens made at setup expire): the property replaces it with a live one of a seed user.
 */
const FRESH_RESET_TOKEN = 'pwr_FRESH';
/** The same for an email-verification token (of a seed user's current address). */
const FRESH_VERIFICATION_TOKEN = 'emv_FRESH';
/** The login schema's bound on the identifier (usernames are bounded further; an email address by its rules). */
const LOGIN_IDENTIFIER_RAW_UNITS = 512;

/** Routes with a username in the body (bounded before any work). */
const USERNAME_ROUTES: ReadonlySet<Route> = new Set(['register', 'login']);

// ---------------------------------------------------------------------------------------------------------------
// Hasher that records what it is asked to hash
// ---------------------------------------------------------------------------------------------------------------

interface HashCall {
  readonly op: 'hash' | 'verify';
  readonly password: string;
}

class RecordingHasher implements PasswordHasher {
  readonly calls: HashCall[] = [];
  private readonly inner = createArgon2idHasher({ memoryCost: 256, timeCost: 1, parallelism: 1 });

  async hash(password: string): Promise<string> {
    this.calls.push({ op: 'hash', password });
    return this.inner.hash(password);
  }

  async verify(encoded: string, password: string): Promise<boolean> {
    this.calls.push({ op: 'verify', password });
    return this.inner.verify(encoded, password);
  }

  needsRehash(encoded: string): boolean {
    return this.inner.needsRehash(encoded);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The app under fuzz, with real secrets to aim at
// ---------------------------------------------------------------------------------------------------------------

interface Seeds {
  readonly users: ReadonlyArray<{ readonly username: string; readonly password: string }>;
  /** Grows as the run creates invitations (admin routes). */
  readonly invitationCodes: string[];
  /** Grows during the run: every token a login or refresh returns is added. */
  readonly refreshTokens: string[];
  /** Tokens never presented yet (a queue: a request takes one when it is generated; successes add theirs). */
  readonly unusedRefreshTokens: string[];
  readonly guestIdentityIds: readonly string[];
  readonly userIdentityIds: readonly string[];
  /** Password-reset tokens: the live one of each seed user and earlier, replaced ones. */
  readonly resetTokens: readonly string[];
  /** Email-verification tokens: spent ones (each seed user verified its address) and fresh ones of the run. */
  readonly verificationTokens: string[];
  /** The ids of `users`, in the same order. */
  readonly userIds: readonly string[];
  /** The administrator: a seed user made `admin` by the operator. */
  readonly admin: { readonly username: string; readonly password: string; readonly userId: string };
  /**
   * The administrator's identities, the current one last. Revoking its own sessions (allowed) unlinks it: the
   * property then logs it in again, and the earlier identity stays here as one that no longer resolves.
   */
  readonly adminIdentityIds: string[];
  /** Users without sessions for the admin routes to act on (change, disable, delete), besides `users`. */
  readonly targets: ReadonlyArray<{ readonly username: string; readonly password: string }>;
  /** Every user an administrator may act on without locking itself out: `users` and `targets` (never `admin`). */
  readonly targetUserIds: readonly string[];
  /** Invitation ids (the digests of `invitationCodes`), growing as the run creates invitations. */
  readonly invitationIds: string[];
  /** Listing cursors handed out (at setup and during the run), with the route and the filters they are bound to. */
  readonly cursors: Array<{ readonly route: Route; readonly filters: ReadonlyArray<[string, string]>; cursor: string }>;
}

interface FuzzApp {
  readonly handlers: AuthHandlers;
  readonly devauth: Devauth;
  readonly users: InMemoryUserStore;
  readonly hasher: RecordingHasher;
  readonly clock: ManualClock;
  readonly seeds: Seeds;
  readonly outbox: InMemoryOutbox;
  readonly accountTokens: InMemoryAccountTokenStore;
  readonly invitations: InMemoryInvitationStore;
  /** Every password hash the user store has held during the run (none may ever be in a response). */
  readonly passwordHashes: Set<string>;
}

const ok = (result: ApiGatewayProxyResult, status: number) => {
  expect(result.statusCode, result.body).toBe(status);
  return JSON.parse(result.body) as Record<string, unknown>;
};

/** Remembers every secret a response carries, and the hash of a user it registered (or an admin route showed). */
async function rememberResponseSecrets(app: FuzzApp, body: Record<string, unknown>): Promise<void> {
  rememberSecrets(body.refreshToken as string | undefined, body.openIdToken as string | undefined);
  const shown = [body.user, ...(Array.isArray(body.users) ? body.users : [])] as Array<{ id?: unknown } | undefined>;
  for (const user of shown) {
    if (typeof user?.id === 'string') rememberSecrets((await app.users.findById(user.id))?.passwordHash);
  }
  const invitation = body.invitation as { code?: unknown } | undefined;
  if (typeof invitation?.code === 'string') rememberSecrets(invitation.code);
}

/** The operator (the CLI's actor, trusted because it holds the store): only setup uses it, never a request. */
const OPERATOR = { kind: 'operator', name: 'fuzz-setup' } as const;

/** Logs the administrator in (at setup, and again after a request unlinked its identity): its new identity is last. */
async function logInAdmin(app: FuzzApp): Promise<void> {
  const { username, password } = app.seeds.admin;
  const session = ok(await app.handlers.login(eventFor(1, { body: JSON.stringify({ username, password }) })), 200);
  await rememberResponseSecrets(app, session);
  app.seeds.adminIdentityIds.push(session.identityId as string);
}

/** Adds the hash of every user stored now to the run's set. */
async function collectPasswordHashes(app: FuzzApp): Promise<void> {
  for (const user of (await app.users.list({ limit: 1_000_000 })).users) app.passwordHashes.add(user.passwordHash);
}

async function buildFuzzApp(): Promise<FuzzApp> {
  const users = new InMemoryUserStore();
  const clock = new ManualClock();
  const broker = new FakeIdentityBroker({ identityPoolId: POOL_ID, clock });
  const hasher = new RecordingHasher();
  const outbox = new InMemoryOutbox();
  const accountTokens = new InMemoryAccountTokenStore();
  const invitations = new InMemoryInvitationStore();
  // The default common-password list (zxcvbn): the real registration path.
  const devauth = createDevauth(
    {
      users,
      refreshTokens: new InMemoryRefreshTokenStore(),
      loginAttempts: new InMemoryLoginAttemptStore(),
      invitations,
      guestLinks: new InMemoryGuestLinkStore(),
      accountTokens,
      messages: outbox,
      broker,
      hasher,
      clock,
    },
    {
      roles: [...CONFIGURED_ROLES],
      passwordResetResponseFloorMs: 0,
      // The fuzzer asks for many reset tokens for the few seed users: no request limit gets in the way.
      passwordResetRateLimit: { freeFailures: 1_000_000 },
      emailVerificationRateLimit: { freeFailures: 1_000_000 },
      loginWithEmail: true,
    },
  );
  const handlers = createAuthHandlers({
    devauth,
    me: { users, identityPoolId: POOL_ID, roles: [...CONFIGURED_ROLES], cacheTtlSeconds: 0 },
    logger: captureLogger(),
    corsOrigins: [ALLOWED_ORIGIN],
  });
  const seeds = {
    users: ['fuzz.alice', 'fuzz.bob', 'Fuzz.Carol'].map((username) => ({
      username,
      password: `fuzz seed ${username} ${crypto.randomUUID()}`,
    })),
    invitationCodes: [] as string[],
    refreshTokens: [] as string[],
    unusedRefreshTokens: [] as string[],
    guestIdentityIds: [] as string[],
    userIdentityIds: [] as string[],
    resetTokens: [] as string[],
    verificationTokens: [] as string[],
    userIds: [] as string[],
    admin: { username: 'fuzz.root', password: `fuzz admin ${crypto.randomUUID()}`, userId: '' },
    adminIdentityIds: [] as string[],
    targets: [0, 1, 2].map((i) => ({ username: `fuzz.target.${i}`, password: `fuzz target ${crypto.randomUUID()}` })),
    targetUserIds: [] as string[],
    invitationIds: [] as string[],
    cursors: [] as Seeds['cursors'],
  };
  const app: FuzzApp = {
    handlers,
    devauth,
    users,
    hasher,
    clock,
    seeds,
    outbox,
    accountTokens,
    invitations,
    passwordHashes: new Set(),
  };
  for (const { username, password } of seeds.users) {
    rememberSecrets(password);
    const registered = ok(
      await handlers.register(
        eventFor(2, {
          path: ROUTES.register,
          body: JSON.stringify({ username, password, email: `${username.toLowerCase()}@fuzz.example.com` }),
        }),
      ),
      201,
    );
    await rememberResponseSecrets(app, registered);
    seeds.userIds.push((registered.user as { id: string }).id);
    // Resets go to verified addresses only: each seed user follows its verification link.
    const verification = outbox.latest('email-verification')!.message.token;
    rememberSecrets(verification);
    seeds.verificationTokens.push(verification);
    await devauth.verifyEmail.execute({ token: verification });
    // Login sessions (refresh-token families) to spend: reuse of a rotated token revokes a whole family.
    for (let i = 0; i < 20 + Math.ceil(RUNS / 150); i++) {
      const session = ok(await handlers.login(eventFor(1, { body: JSON.stringify({ username, password }) })), 200);
      await rememberResponseSecrets(app, session);
      seeds.refreshTokens.push(session.refreshToken as string);
      seeds.unusedRefreshTokens.push(session.refreshToken as string);
      if (i === 0) seeds.userIdentityIds.push(session.identityId as string);
    }
  }
  for (let i = 0; i < 200; i++) {
    const { code } = await devauth.createInvitation.execute({ role: i % 3 === 0 ? 'admin' : 'seller' });
    rememberSecrets(code);
    seeds.invitationCodes.push(code);
    seeds.invitationIds.push(digestSecretToken(code));
  }
  // The administrator, made one the operator's way, and users for it to act on (no sessions: they are never signed
  // in, only changed, disabled, deleted).
  for (const { username, password } of [seeds.admin, ...seeds.targets]) {
    rememberSecrets(password);
    const registered = ok(
      await handlers.register(eventFor(2, { path: ROUTES.register, body: JSON.stringify({ username, password }) })),
      201,
    );
    await rememberResponseSecrets(app, registered);
    const id = (registered.user as { id: string }).id;
    if (username === seeds.admin.username) seeds.admin.userId = id;
    else seeds.targetUserIds.push(id);
  }
  seeds.targetUserIds.push(...seeds.userIds);
  await devauth.admin.setRole(OPERATOR, seeds.admin.userId, 'admin');
  await logInAdmin(app);
  // Cursors to replay, mutate and forge: a page of each listing, without and with a filter.
  for (const [route, filters] of [
    ['adminListUsers', []],
    ['adminListUsers', [['role', 'shopper']]],
    ['adminListUsers', [['usernamePrefix', 'fuzz.']]],
    ['adminListInvitations', []],
  ] as Array<[Route, Array<[string, string]>]>) {
    const input = { ...Object.fromEntries(filters), limit: 1 };
    const page =
      route === 'adminListUsers'
        ? await devauth.admin.listUsers(OPERATOR, input)
        : await devauth.admin.listInvitations(OPERATOR, input);
    seeds.cursors.push({ route, filters, cursor: page.nextCursor! });
  }
  for (let i = 0; i < 5; i++) {
    seeds.guestIdentityIds.push(
      ok(await handlers.guest(eventFor(2, { path: ROUTES.guest })), 200).identityId as string,
    );
  }
  // Two reset requests per user: the first token is replaced (dead), the second is live.
  for (const { username } of seeds.users) {
    for (let i = 0; i < 2; i++) {
      await devauth.requestPasswordReset.execute({ username });
      const token = outbox.latest('password-reset')!.message.token;
      rememberSecrets(token);
      seeds.resetTokens.push(token);
    }
  }
  await devauth.login.warmUp();
  await collectPasswordHashes(app);
  return app;
}

// ---------------------------------------------------------------------------------------------------------------
// Hostile values
// ---------------------------------------------------------------------------------------------------------------

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => String.fromCharCode(from + i));
const CONTROL = [...range(0x00, 0x1f), '\u007f', ...range(0x80, 0x9f)];
const ZERO_WIDTH = ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', '\u180e', '\u034f'];
const BIDI = [
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u200e',
  '\u200f',
  '\u061c',
];
/** Homoglyphs, compatibility forms, case-mapping oddities, combining marks, NFKC expanders, astral characters. */
const CONFUSABLES = [
  // Cyrillic and Greek look-alikes of Latin letters.
  ...'аеорсухіјοανι',
  // Compatibility characters NFKC changes (full-width, superscript, mathematical, ligatures, numerals, units).
  ...'ａＡ０ᴬᴮᴵ𝐚𝖆𝟎ﬁﬀⅨⅰ①²㎏',
  // Case mapping: Kelvin and Angstrom signs, dotted and dotless i, long s, sharp s, title case, final sigma.
  ...'KÅİıſßẞǅΣς',
  // Combining marks, alone and in decomposed and composed forms.
  ...['\u0301', '\u0308', '\u0338', '\u20dd', 'e\u0301', 'é'],
  // NFKC expands these to 18, 8 and 4 code points.
  ...['ﷺ', 'ﷻ', '\u3300'],
  // Astral, emoji sequences, tags, replacement and non-characters.
  ...['😀', '👩‍👩‍👧', '🇫🇷', '\u{10ffff}', '\u{e0001}', '\ufffd', '\uffff'],
];
const INJECTION = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '__defineGetter__',
  'valueOf',
  '"',
  '\\',
  '\\u0000',
  '\\ud800',
  '{',
  '}',
  '[',
  ']',
  "'; DROP TABLE users; --",
  // A log4j lookup (built so that it is not mistaken for a template literal).
  ['$', '{jndi:ldap://x/a}'].join(''),
  '%00',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  'null',
  'undefined',
  'NaN',
  '-0',
  '1e309',
  '\r\n\r\nX-Injected: 1',
];
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));

const piece = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom(...CONTROL) },
  { weight: 1, arbitrary: fc.constantFrom(...ZERO_WIDTH) },
  { weight: 1, arbitrary: fc.constantFrom(...BIDI) },
  { weight: 2, arbitrary: fc.constantFrom(...CONFUSABLES) },
  { weight: 1, arbitrary: fc.constantFrom(...INJECTION) },
  { weight: 1, arbitrary: loneSurrogate },
);
const nastyString = fc.array(piece, { maxLength: 14 }).map((pieces) => pieces.join(''));

/** Strings at, just past and far beyond every limit, in units of different byte and code-point widths. */
const REPEAT_UNITS = ['a', 'é', 'e\u0301', 'а', '😀', 'ﷺ', 'ａ', '\u0000', '\u200b', '\ud800'];
const SIZES = [
  LIMITS.usernameCodePoints - 1,
  LIMITS.usernameCodePoints,
  LIMITS.usernameCodePoints + 1,
  LIMITS.usernameRawUnits,
  LIMITS.usernameRawUnits + 1,
  LIMITS.passwordCodePoints,
  LIMITS.passwordCodePoints + 1,
  Math.floor(LIMITS.passwordBytes / 4),
  Math.floor(LIMITS.passwordBytes / 3),
  Math.floor(LIMITS.passwordBytes / 2),
  LIMITS.passwordBytes,
  LIMITS.passwordBytes + 1,
  4096,
  4097,
  Math.floor(LIMITS.bodyBytes / 3),
  LIMITS.bodyBytes - 40,
  LIMITS.bodyBytes,
  LIMITS.bodyBytes + 1,
  1 << 20,
];
const hugeString = fc
  .tuple(fc.constantFrom(...REPEAT_UNITS), fc.constantFrom(...SIZES), fc.string({ maxLength: 3 }))
  .map(([unit, count, tail]) => unit.repeat(count) + tail);

const protoKey = fc.constantFrom('__proto__', 'constructor', 'prototype');
const objectKey = fc.oneof(
  { weight: 2, arbitrary: protoKey },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'username',
      'password',
      'email',
      'role',
      'invitationCode',
      'guestIdentityId',
      'refreshToken',
      'isAdministrator',
      'admin',
      'status',
      'passwordHash',
      'identityId',
      'toString',
      'hasOwnProperty',
    ),
  },
  { weight: 3, arbitrary: nastyString },
);

/** Any JSON value: every wrong type for every field. */
const { value: jsonValue } = fc.letrec<{ value: unknown; array: unknown[]; object: Record<string, unknown> }>(
  (tie) => ({
    value: fc.oneof(
      { depthSize: 'small', maxDepth: 4 },
      fc.constant(null),
      fc.boolean(),
      fc.integer(),
      fc.double(),
      fc.constantFrom(0, -1, 2 ** 53, Number.MAX_VALUE, 1e-320),
      nastyString,
      tie('array'),
      tie('object'),
    ),
    array: fc.array(tie('value'), { maxLength: 4 }),
    object: fc.dictionary(objectKey, tie('value'), { maxKeys: 5 }),
  }),
);

const fieldValue = (...specific: Array<fc.Arbitrary<unknown>>) =>
  fc.oneof(
    ...specific.map((arbitrary) => ({ weight: 6, arbitrary })),
    { weight: 2, arbitrary: nastyString },
    { weight: 1, arbitrary: hugeString },
    { weight: 1, arbitrary: jsonValue },
  );

const validUsername = fc.oneof(
  fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}[a-z0-9]$/),
  fc.constantFrom('josé', 'müller', 'даша', 'ελένη', '山田たろう', 'ｆｕｌｌ', 'ᴮᴵᴳᴮᴵᴿᴰ', 'pаypal', 'straße', 'KELVIN'),
  fc.constantFrom(
    'a'.repeat(LIMITS.usernameCodePoints),
    'a'.repeat(LIMITS.usernameCodePoints + 1),
    `${'e\u0301'.repeat(40)}x`,
  ),
);
const passwordLike = (app: FuzzApp) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...app.seeds.users.map((user) => user.password)) },
    { weight: 3, arbitrary: fc.string({ unit: 'grapheme', minLength: 12, maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 8, maxLength: 40 }) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        'x'.repeat(LIMITS.passwordCodePoints),
        'x'.repeat(LIMITS.passwordCodePoints + 1),
        '😀'.repeat(LIMITS.passwordBytes / 4),
        '😀'.repeat(LIMITS.passwordBytes / 4 + 1),
        'x'.repeat(LIMITS.passwordBytes),
        'x'.repeat(LIMITS.passwordBytes + 1),
        'ﷺ'.repeat(Math.floor(LIMITS.passwordBytes / 3)),
        'ｐａｓｓｗｏｒｄ-ｆｕｌｌ-ｗｉｄｔｈ',
        'password1234',
        '            ',
      ),
    },
  );
type Miss = 'same' | 'flip' | 'cut' | 'extend' | 'upper';
const MISSES: readonly Miss[] = ['same', 'flip', 'cut', 'extend', 'upper'];
/** `value`, or one character off, truncated, extended, re-cased. */
function missOf(value: string, at: number, how: Miss): string {
  const i = at % Math.max(1, value.length);
  if (how === 'flip') return value.slice(0, i) + (value[i] === 'A' ? 'B' : 'A') + value.slice(i + 1);
  if (how === 'cut') return value.slice(0, i);
  if (how === 'extend') return `${value}A`;
  if (how === 'upper') return value.toUpperCase();
  return value;
}
/** Real secrets, and near misses of them (one character off, truncated, extended, re-cased). */
const nearMiss = (values: readonly string[]) =>
  fc
    .tuple(fc.constantFrom(...values), fc.nat(), fc.constantFrom(...MISSES))
    .map(([value, at, how]) => missOf(value, at, how));
const identityIdLike = (ids: readonly string[]) =>
  fc.oneof(
    nearMiss(ids),
    fc.uuid().map((uuid) => `us-east-1:${uuid}`),
    fc.constantFrom('us-east-1:', ':', 'a'.repeat(56), `${POOL_ID}:extra`),
  );

/**
 * A value from a pool that changes during the run (refresh tokens rotate, invitation codes get used), read when the
 * request is generated, i.e. just before it runs. (A replayed counterexample may then pick another token; the
 * printed counterexample shows the body that failed.)
 */
const live = (pool: readonly string[]) => fc.nat().map((index) => pool[index % pool.length]!);
/** A refresh token never presented before (taken from the queue when the request is generated). */
const unused = (seeds: Seeds) =>
  fc.nat().map(() => seeds.unusedRefreshTokens.shift() ?? seeds.refreshTokens[seeds.refreshTokens.length - 1]!);
/** One of the newest values of a growing pool (the refresh tokens a rotation just returned, likely still unused). */
const newest = (pool: readonly string[]) =>
  fc.nat({ max: 2 }).map((back) => pool[Math.max(0, pool.length - 1 - back)]!);

// ---------------------------------------------------------------------------------------------------------------
// The admin routes' path parameters and query strings
// ---------------------------------------------------------------------------------------------------------------

/**
 * How a request carries its `{userId}` / `{invitationId}`:
 * - `both`: API Gateway's shape for a templated route, the value in `pathParameters` and in the path;
 * - `path`: a greedy (`/{proxy+}`, v1) or `$default` (v2) route: only the path has it;
 * - `conflict`: `pathParameters` names one target and the path another (`pathParameters` is the one that counts);
 * - `wrongType`: `pathParameters` is not a map of strings (the path is read instead).
 */
type PathMode = 'both' | 'path' | 'conflict' | 'wrongType';

interface AdminTarget {
  /** The id the request names: encoded as a client encodes a segment, or sent as is when `raw`. */
  readonly value: string;
  readonly raw: boolean;
  readonly mode: PathMode;
  /** `conflict`: the id in the path instead; `wrongType`: the `pathParameters` value. */
  readonly other: unknown;
}

type QueryString =
  | { readonly kind: 'none' }
  /** Name/value pairs as a client sends them (in order, a name may repeat), carried as API Gateway carries them. */
  | { readonly kind: 'pairs'; readonly pairs: ReadonlyArray<readonly [string, string]> }
  /** Forms API Gateway would not send: any v2 `rawQueryString`, and any v1/v2 parameter maps. */
  | { readonly kind: 'raw'; readonly rawQueryString: string; readonly single: unknown; readonly multi: unknown };

interface AdminParts {
  readonly target: AdminTarget | undefined;
  readonly query: QueryString;
}

/** A path segment as a client encodes it (a string that is not well-formed cannot be: it goes as is). */
const segmentOf = (value: string) => (value.isWellFormed() ? encodeURIComponent(value) : value);

/** The id the handler should see for a target: the decoded segment (undefined when it does not decode). */
function intendedId(target: AdminTarget): string | undefined {
  if (!target.raw) return target.value;
  try {
    return decodeURIComponent(target.value);
  } catch {
    return undefined;
  }
}

const roleLike = fc.constantFrom(
  ...CONFIGURED_ROLES,
  'guest',
  'Admin',
  'ADMIN',
  'root',
  '',
  ' admin',
  'admin\u0000',
  'аdmin',
  'a'.repeat(64),
  'a'.repeat(65),
  '__proto__',
  'constructor',
);

/** Ids that are nobody's: path tricks, escapes, names of other things, sizes around the schema's bound. */
const HOSTILE_IDS = [
  '',
  ' ',
  '.',
  '..',
  '%',
  '%zz',
  '%E0%A4%A',
  '%2F',
  '%2e%2e',
  '/',
  '?',
  '#',
  'me',
  'admin',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  '*',
  '%00',
  '\u0000',
  'a'.repeat(128),
  'a'.repeat(129),
  'a'.repeat(600),
];

/** Values for a `{userId}`: the real ones (targets and the administrator itself), near misses, others' ids, junk. */
const userIdLike = (app: FuzzApp) => {
  const real = [...app.seeds.targetUserIds, app.seeds.admin.userId];
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...real) },
    { weight: 3, arbitrary: nearMiss(real) },
    { weight: 1, arbitrary: fc.uuid({ version: 7 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        ...app.seeds.users.map((user) => user.username),
        app.seeds.admin.username,
        ...app.seeds.userIdentityIds,
        ...app.seeds.invitationIds.slice(0, 2),
      ),
    },
    { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_IDS) },
    { weight: 2, arbitrary: nastyString },
    { weight: 1, arbitrary: hugeString },
  );
};

/** Values for an `{invitationId}`: live ids (revoked ones stay in the pool), near misses, codes instead of ids, junk. */
const invitationIdLike = (app: FuzzApp) =>
  fc.oneof(
    { weight: 6, arbitrary: live(app.seeds.invitationIds) },
    { weight: 3, arbitrary: nearMiss(app.seeds.invitationIds) },
    { weight: 2, arbitrary: live(app.seeds.invitationCodes) },
    { weight: 1, arbitrary: fc.base64String({ minLength: 44, maxLength: 44 }).map((text) => text.slice(0, 43)) },
    { weight: 1, arbitrary: fc.constantFrom(...app.seeds.targetUserIds) },
    { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_IDS) },
    { weight: 2, arbitrary: nastyString },
    { weight: 1, arbitrary: hugeString },
  );

/** The targets a coherent request names: real ones, the administrator itself now and then (allowed or 409). */
function coherentTarget(route: Route, app: FuzzApp): fc.Arbitrary<AdminTarget | undefined> {
  const name = PATH_PARAMETER[route];
  if (!name) return fc.constant(undefined);
  const value =
    name === 'invitationId'
      ? live(app.seeds.invitationIds)
      : fc.oneof(
          { weight: 6, arbitrary: fc.constantFrom(...app.seeds.targetUserIds) },
          { weight: 1, arbitrary: fc.constant(app.seeds.admin.userId) },
        );
  return fc
    .tuple(value, fc.constantFrom<PathMode>('both', 'both', 'both', 'path'))
    .map(([id, mode]) => ({ value: id, raw: false, mode, other: undefined }));
}

/** Any target: a coherent one or a fuzzed id, carried in any of the path modes. */
function fuzzedTarget(route: Route, app: FuzzApp): fc.Arbitrary<AdminTarget | undefined> {
  const name = PATH_PARAMETER[route];
  if (!name) return fc.constant(undefined);
  const ids = name === 'invitationId' ? invitationIdLike(app) : userIdLike(app);
  const pathParameters = fc.oneof(
    fc.constant(null),
    fc.constant([]),
    fc.constant(name),
    fc.dictionary(protoKey, fc.string(), { minKeys: 1 }),
    fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }), fc.boolean()).map((value) => ({
      [name]: value,
    })),
    fc.constant({ proxy: 'admin/users' }),
  );
  return fc.oneof(
    { weight: 2, arbitrary: coherentTarget(route, app) },
    {
      weight: 5,
      arbitrary: fc
        .record({
          value: ids,
          raw: fc.constantFrom(false, false, false, true),
          mode: fc.constantFrom<PathMode>('both', 'both', 'path', 'conflict', 'wrongType'),
          conflicting: ids,
          pathParameters,
        })
        .map(({ value, raw, mode, conflicting, pathParameters: given }) => ({
          value,
          // A raw `/` would be another segment of the path, another route: not this one's target.
          raw: raw && !value.includes('/'),
          mode,
          other: mode === 'conflict' ? conflicting : mode === 'wrongType' ? given : undefined,
        })),
    },
  );
}

/** A listing cursor handed out during the run (any listing, any filters), read when the request is generated. */
const liveCursor = (app: FuzzApp) =>
  fc.nat().map((index) => app.seeds.cursors[index % app.seeds.cursors.length]!.cursor);

/**
 * Cursors: real ones (perhaps of the other listing or other filters), near misses, and forged ones (a real cursor
 * with its store position, listing, version or filter digest replaced, or `__proto__` added), and junk.
 */
const cursorLike = (app: FuzzApp) =>
  fc.oneof(
    { weight: 3, arbitrary: liveCursor(app) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(liveCursor(app), fc.nat(), fc.constantFrom(...MISSES))
        .map(([cursor, at, how]) => missOf(cursor, at, how)),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(
          liveCursor(app),
          fc.constantFrom('position', 'a', 'k', 'v', 'f', 'proto'),
          fc.oneof(nastyString, jsonValue, fc.constantFrom('users', 'invitations', 1, 2, '', 'm1.', '[0,"x"]')),
        )
        .map(([cursor, field, value]) => {
          const payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
          let json: string;
          if (field === 'proto') json = JSON.stringify(payload).replace(/^\{/, '{"__proto__":{"k":"users"},');
          else {
            if (field === 'position') {
              // A store position of any username (users) or any [time, id] (invitations), well-formed as a store's.
              const name = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
              const position = payload.k === 'invitations' ? JSON.stringify([name.length, name]) : name;
              payload.a = `m1.${Buffer.from(position, 'utf8').toString('base64url')}`;
            } else payload[field] = value;
            json = JSON.stringify(payload);
          }
          return Buffer.from(json, 'utf8').toString('base64url');
        }),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        'm1.',
        'm1.ZnV6eg',
        'null',
        '{}',
        'eyJ2IjoxfQ',
        '=',
        'A'.repeat(2048),
        'A'.repeat(2049),
      ),
    },
    { weight: 1, arbitrary: nastyString },
  );

const LIMIT_VALUES = ['1', '2', '3', '10', '50', '100', '01'];
const HOSTILE_LIMITS = [
  '0',
  '-0',
  '-1',
  '101',
  '1e2',
  '1.5',
  '+1',
  ' 1',
  '1 ',
  '0x10',
  '١',
  '999999999999999',
  '9999999999999999',
  '',
  'NaN',
  'Infinity',
  '[]',
];

/** Filters of the users listing that match some seed users (or none), in any combination. */
const userFilters = (app: FuzzApp) =>
  fc
    .record(
      {
        usernamePrefix: fc.constantFrom(
          'fuzz',
          'fuzz.',
          'fuzz.a',
          'FUZZ.',
          'fuzz.t',
          'fuzz.target.',
          'fuzz.root',
          'f',
          'nobody',
        ),
        email: fc.constantFrom(
          ...app.seeds.users.map((user) => `${user.username.toLowerCase()}@fuzz.example.com`),
          'FUZZ.ALICE@FUZZ.EXAMPLE.COM',
          'nobody@fuzz.example.com',
        ),
        role: fc.constantFrom(...CONFIGURED_ROLES),
        status: fc.constantFrom('active', 'disabled'),
      },
      { requiredKeys: [] },
    )
    .map((filters) => Object.entries(filters) as Array<[string, string]>);

/** A listing's query that should succeed: fresh filters and limit, or a cursor replayed with the filters it came with. */
function validQuery(route: Route, app: FuzzApp): fc.Arbitrary<QueryString> {
  const limit = fc.option(fc.constantFrom(...LIMIT_VALUES), { nil: undefined });
  const fresh = route === 'adminListUsers' ? userFilters(app) : fc.constant([] as Array<[string, string]>);
  const replay = fc.nat().map((index) => {
    const own = app.seeds.cursors.filter((entry) => entry.route === route);
    const entry = own[index % own.length]!;
    return [...entry.filters, ['cursor', entry.cursor]] as Array<[string, string]>;
  });
  return fc.tuple(fc.oneof(fresh, replay), limit).map(
    ([pairs, size]): QueryString => ({
      kind: 'pairs',
      pairs: size === undefined ? pairs : [...pairs, ['limit', size]],
    }),
  );
}

/** Any query string: unknown and repeated names, prototype keys, bad limits, foreign and forged cursors, junk. */
function hostileQuery(app: FuzzApp): fc.Arbitrary<QueryString> {
  const name = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('usernamePrefix', 'email', 'role', 'status', 'cursor', 'limit') },
    {
      weight: 2,
      arbitrary: fc.constantFrom('prefix', 'Limit', 'limit[]', '__proto__', 'constructor', 'toString', '', 'userId'),
    },
    { weight: 1, arbitrary: nastyString },
  );
  const value = fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...LIMIT_VALUES, ...HOSTILE_LIMITS) },
    { weight: 2, arbitrary: cursorLike(app) },
    { weight: 2, arbitrary: userFilters(app).map((pairs) => pairs[0]?.[1] ?? '') },
    { weight: 1, arbitrary: roleLike },
    { weight: 2, arbitrary: nastyString },
    { weight: 1, arbitrary: hugeString },
  );
  const pairs = fc
    .tuple(validQuery('adminListUsers', app), fc.array(fc.tuple(name, value), { minLength: 1, maxLength: 4 }))
    .map(
      ([base, more]): QueryString => ({
        kind: 'pairs',
        pairs: [...(base.kind === 'pairs' ? base.pairs.slice(0, more.length % 3) : []), ...more],
      }),
    );
  const raw = fc.record({
    kind: fc.constant('raw' as const),
    rawQueryString: fc.oneof(
      nastyString,
      fc.constantFrom(
        '%',
        '%zz=1',
        'limit=1&limit=2',
        'limit=1&LIMIT=2',
        '&&',
        '=',
        'limit',
        '__proto__=1',
        'constructor=x&limit=1',
        'limit=%00',
        'cursor=%E0%A4%A',
        'limit=1;role=admin',
        'role=admin%26status%3Ddisabled',
        'usernamePrefix=fuzz.&usernamePrefix=fuzz.a',
      ),
      hugeString.map((huge) => `cursor=${huge}`),
    ),
    single: fc.oneof(fc.constant(null), fc.dictionary(objectKey, jsonValue, { maxKeys: 3 }), fc.constant('limit=1')),
    multi: fc.oneof(
      fc.constant(null),
      fc.dictionary(objectKey, fc.oneof(fc.array(jsonValue, { maxLength: 3 }), jsonValue), { maxKeys: 3 }),
    ),
  });
  return fc.oneof({ weight: 3, arbitrary: pairs }, { weight: 1, arbitrary: raw });
}

/** The path and query parts of an admin request: coherent ones (valid target and query) or fuzzed ones. */
function adminParts(route: Route, app: FuzzApp, coherent: boolean): fc.Arbitrary<AdminParts | undefined> {
  if (!ADMIN.has(route)) return fc.constant(undefined);
  const none = fc.constant<QueryString>({ kind: 'none' });
  const query: fc.Arbitrary<QueryString> = LISTINGS.has(route)
    ? coherent
      ? validQuery(route, app)
      : fc.oneof(
          { weight: 3, arbitrary: validQuery(route, app) },
          { weight: 4, arbitrary: hostileQuery(app) },
          { weight: 1, arbitrary: none },
        )
    : coherent
      ? none
      : fc.oneof({ weight: 6, arbitrary: none }, { weight: 1, arbitrary: hostileQuery(app) });
  return fc.record({ target: coherent ? coherentTarget(route, app) : fuzzedTarget(route, app), query });
}

/** Requests that should succeed, or fail only on what the server knows (wrong password, used invitation, ...). */
function valid(route: Route, app: FuzzApp): fc.Arbitrary<Record<string, unknown>> {
  const seedUser = fc.constantFrom(...app.seeds.users);
  switch (route) {
    case 'register':
      return fc
        .tuple(
          validUsername,
          fc.oneof(
            fc.constantFrom(...app.seeds.users.map((user) => user.password)),
            fc.string({ unit: 'grapheme', minLength: 12, maxLength: 40 }),
          ),
          fc.option(fc.emailAddress(), { nil: undefined }),
          fc.oneof(
            fc.constant({}),
            fc.constant({ role: 'shopper' }),
            fc
              .tuple(fc.constantFrom('seller', 'admin'), live(app.seeds.invitationCodes))
              .map(([role, invitationCode]) => ({ role, invitationCode })),
          ),
        )
        .map(([username, password, email, grant]) => ({ username, password, ...(email ? { email } : {}), ...grant }));
    case 'login':
      return fc
        .tuple(
          seedUser,
          fc.constantFrom('right', 'right', 'wrong', 'unknown'),
          fc.boolean(),
          fc.option(fc.constantFrom(...app.seeds.guestIdentityIds), { nil: undefined }),
        )
        .map(([user, kind, upper, guestIdentityId]) => ({
          username:
            kind === 'unknown'
              ? `${user.username}.ghost`
              : upper
                ? `${user.username.toUpperCase()}@FUZZ.example.com`
                : user.username,
          password: kind === 'right' ? user.password : `${user.password} wrong`,
          ...(guestIdentityId ? { guestIdentityId } : {}),
        }));
    case 'refresh':
    case 'logout':
      return fc
        .oneof(
          { weight: 6, arbitrary: unused(app.seeds) },
          { weight: 1, arbitrary: newest(app.seeds.refreshTokens) },
          { weight: 1, arbitrary: live(app.seeds.refreshTokens) },
        )
        .map((refreshToken) => ({ refreshToken }));
    case 'guest':
    case 'me':
      return fc.constant({});
    case 'passwordForgot':
      return fc
        .tuple(seedUser, fc.boolean())
        .map(([user, known]) => ({ username: known ? user.username : `${user.username}.ghost` }));
    case 'passwordReset':
      return fc
        .tuple(
          fc.oneof({ weight: 3, arbitrary: fc.constant(FRESH_RESET_TOKEN) }, live(app.seeds.resetTokens)),
          fc.string({ unit: 'grapheme', minLength: 12, maxLength: 40 }),
        )
        .map(([token, newPassword]) => ({ token, newPassword }));
    case 'changePassword':
      return fc
        .tuple(seedUser, fc.boolean(), fc.string({ unit: 'grapheme', minLength: 12, maxLength: 40 }))
        .map(([user, right, newPassword]) => ({
          currentPassword: right ? user.password : `${user.password} wrong`,
          newPassword,
        }));
    case 'listSessions':
    case 'revokeSession':
    case 'signOutEverywhere':
      return fc.constant({});
    case 'revokeOtherSessions':
      return fc
        .oneof({ weight: 3, arbitrary: live(app.seeds.refreshTokens) }, { weight: 1, arbitrary: unused(app.seeds) })
        .map((refreshToken) => ({ refreshToken }));
    case 'deleteAccount':
      return fc
        .tuple(seedUser, fc.constantFrom(true, false, false))
        .map(([user, right]) => ({ password: right ? user.password : `${user.password} wrong` }));
    case 'verifyEmail':
      return fc
        .oneof({ weight: 3, arbitrary: fc.constant(FRESH_VERIFICATION_TOKEN) }, live(app.seeds.verificationTokens))
        .map((token) => ({ token }));
    case 'changeEmail':
      return fc
        .tuple(seedUser, fc.boolean(), fc.emailAddress())
        .map(([user, right, newEmail]) => ({ password: right ? user.password : `${user.password} wrong`, newEmail }));
    case 'resendEmailVerification':
      return fc.constant({});
    // The admin routes without a body (their input is the path and the query string): none, or `{}`.
    case 'adminListUsers':
    case 'adminGetUser':
    case 'adminDeleteUser':
    case 'adminRevokeSessions':
    case 'adminListInvitations':
    case 'adminRevokeInvitation':
      return fc.constant({});
    case 'adminSetRole':
      return fc.constantFrom(...CONFIGURED_ROLES).map((role) => ({ role }));
    case 'adminSetStatus':
      return fc.constantFrom('active', 'disabled').map((status) => ({ status }));
    case 'adminCreateInvitation':
      return fc.record(
        {
          role: fc.constantFrom(...CONFIGURED_ROLES),
          ttlSeconds: fc.oneof(
            fc.integer({ min: INVITATION_TTL.min, max: INVITATION_TTL.max }),
            fc.constantFrom(INVITATION_TTL.min, INVITATION_TTL.max),
          ),
        },
        { requiredKeys: ['role'] },
      );
  }
}

/** Bodies shaped like each route's real request: valid ones, and ones with some fields hostile, missing or extra. */
const nearValid = (route: Route, app: FuzzApp): fc.Arbitrary<Record<string, unknown>> =>
  fc.oneof(valid(route, app), mutated(route, app));

function mutated(route: Route, app: FuzzApp): fc.Arbitrary<Record<string, unknown>> {
  const extra = fc.dictionary(objectKey, jsonValue, { maxKeys: 2 });
  const withExtra = (record: fc.Arbitrary<Record<string, unknown>>) =>
    fc
      .tuple(record, fc.option(extra, { freq: 4, nil: undefined }))
      .map(([fields, more]) => (more === undefined ? fields : { ...fields, ...more }));
  const seedUsernames = app.seeds.users.map((user) => user.username);
  switch (route) {
    case 'register':
      return withExtra(
        fc.record(
          {
            username: fieldValue(validUsername, nearMiss(seedUsernames)),
            password: fieldValue(passwordLike(app)),
            email: fieldValue(fc.emailAddress(), fc.constantFrom('a@b.co', 'ALICE@Example.com', 'no-at-sign')),
            role: fieldValue(fc.constantFrom('shopper', 'seller', 'admin', 'guest', 'Admin', 'root')),
            invitationCode: fieldValue(nearMiss(app.seeds.invitationCodes)),
          },
          { requiredKeys: ['username', 'password'] },
        ),
      );
    case 'login':
      return withExtra(
        fc.record(
          {
            username: fieldValue(nearMiss(seedUsernames), validUsername),
            password: fieldValue(passwordLike(app)),
            guestIdentityId: fieldValue(identityIdLike(app.seeds.guestIdentityIds)),
          },
          { requiredKeys: ['username', 'password'] },
        ),
      );
    case 'refresh':
    case 'logout':
      return withExtra(
        fc.record({
          refreshToken: fieldValue(
            nearMiss(app.seeds.refreshTokens),
            fc.base64String({ minLength: 44, maxLength: 44 }).map((text) => `rt_${text.slice(0, 43)}`),
          ),
        }),
      );
    case 'guest':
    case 'me':
      return fc.dictionary(objectKey, jsonValue, { maxKeys: 3 });
    case 'passwordForgot':
      return withExtra(fc.record({ username: fieldValue(nearMiss(seedUsernames), validUsername) }));
    case 'passwordReset':
      return withExtra(
        fc.record(
          {
            token: fieldValue(
              nearMiss(app.seeds.resetTokens),
              fc.base64String({ minLength: 44, maxLength: 44 }).map((text) => `pwr_${text.slice(0, 43)}`),
            ),
            newPassword: fieldValue(passwordLike(app)),
          },
          { requiredKeys: ['token', 'newPassword'] },
        ),
      );
    case 'changePassword':
      return withExtra(
        fc.record(
          { currentPassword: fieldValue(passwordLike(app)), newPassword: fieldValue(passwordLike(app)) },
          { requiredKeys: ['currentPassword', 'newPassword'] },
        ),
      );
    case 'deleteAccount':
      return withExtra(fc.record({ password: fieldValue(passwordLike(app)) }, { requiredKeys: ['password'] }));
    case 'listSessions':
    case 'revokeSession':
    case 'signOutEverywhere':
      return fc.dictionary(objectKey, jsonValue, { maxKeys: 3 });
    case 'revokeOtherSessions':
      return withExtra(fc.record({ refreshToken: fieldValue(nearMiss(app.seeds.refreshTokens)) }));
    case 'verifyEmail':
      return withExtra(
        fc.record({
          token: fieldValue(
            nearMiss(app.seeds.verificationTokens),
            fc.base64String({ minLength: 44, maxLength: 44 }).map((text) => `emv_${text.slice(0, 43)}`),
          ),
        }),
      );
    case 'changeEmail':
      return withExtra(
        fc.record(
          {
            password: fieldValue(passwordLike(app)),
            newEmail: fieldValue(fc.emailAddress(), fc.constantFrom('a@b.co', 'FUZZ.ALICE@fuzz.example.com', 'no-at')),
          },
          { requiredKeys: ['password', 'newEmail'] },
        ),
      );
    case 'resendEmailVerification':
      return fc.dictionary(objectKey, jsonValue, { maxKeys: 3 });
    case 'adminListUsers':
    case 'adminGetUser':
    case 'adminDeleteUser':
    case 'adminRevokeSessions':
    case 'adminListInvitations':
    case 'adminRevokeInvitation':
      // Bodies where none belongs (the ids and filters are not read from a body): refused, never acted on.
      return fc.oneof(
        fc.dictionary(objectKey, jsonValue, { maxKeys: 3 }),
        fc
          .tuple(
            fc.constantFrom('userId', 'invitationId', 'id', 'role', 'status', 'limit', 'cursor', 'usernamePrefix'),
            fc.oneof(fc.constantFrom(...app.seeds.targetUserIds, ...app.seeds.invitationIds.slice(0, 3)), jsonValue),
          )
          .map(([name, value]) => ({ [name]: value })),
      );
    case 'adminSetRole':
      return withExtra(fc.record({ role: fieldValue(roleLike) }, { requiredKeys: [] }));
    case 'adminSetStatus':
      return withExtra(
        fc.record(
          {
            status: fieldValue(
              fc.constantFrom(
                'active',
                'disabled',
                'Disabled',
                'ACTIVE',
                'deleted',
                'locked',
                '',
                'disabled ',
                'admin',
              ),
            ),
          },
          { requiredKeys: [] },
        ),
      );
    case 'adminCreateInvitation':
      return withExtra(
        fc.record(
          {
            role: fieldValue(roleLike),
            ttlSeconds: fieldValue(
              fc.integer(),
              fc.constantFrom(
                INVITATION_TTL.min - 1,
                INVITATION_TTL.min,
                INVITATION_TTL.max,
                INVITATION_TTL.max + 1,
                0,
                -1,
                1.5,
                1e21,
                2 ** 53,
                -(2 ** 53),
                Number.MAX_SAFE_INTEGER,
                '3600',
                null,
                true,
              ),
            ),
          },
          { requiredKeys: [] },
        ),
      );
  }
}

interface GeneratedBody {
  readonly body: string | null;
  readonly isBase64Encoded: boolean;
}

const text = (body: string): GeneratedBody => ({ body, isBase64Encoded: false });
const base64 = (bytes: Buffer | string): GeneratedBody => ({
  body: (typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes).toString('base64'),
  isBase64Encoded: true,
});

const INVALID_UTF8 = [
  [0xff],
  [0xfe],
  [0x80],
  [0xbf],
  [0xc0, 0x80],
  [0xc0, 0xaf],
  [0xc1, 0xbf],
  [0xe0, 0x80, 0x80],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xc2],
  [0xe2, 0x82],
  [0xf0, 0x9f],
];

function bodies(route: Route, app: FuzzApp): fc.Arbitrary<GeneratedBody> {
  const near = nearValid(route, app);
  const protoPayload = (key: string) =>
    key === 'constructor'
      ? '{"prototype":{"polluted":"yes","isAdministrator":true}}'
      : '{"polluted":"yes","isAdministrator":true,"role":"admin"}';
  return fc.oneof(
    { weight: 8, arbitrary: near.map((value) => text(JSON.stringify(value))) },
    { weight: 3, arbitrary: jsonValue.map((value) => text(JSON.stringify(value) ?? 'null')) },
    // Prototype-pollution keys as raw JSON text (own "__proto__" keys survive JSON.parse), top level or nested.
    {
      weight: 2,
      arbitrary: fc
        .tuple(near, protoKey, fc.constantFrom('first', 'last', 'nested', 'array'))
        .map(([base, key, where]) => {
          const fields = Object.entries(base).map(
            ([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(value)}`,
          );
          const evil = `${JSON.stringify(key)}:${protoPayload(key)}`;
          if (where === 'first') fields.unshift(evil);
          else if (where === 'last') fields.push(evil);
          else if (where === 'nested' && fields.length > 0) fields[0] = `${fields[0]!.split(':')[0]}:{${evil}}`;
          else return text(`[{${evil}},{${fields.join(',')}}]`);
          return text(`{${fields.join(',')}}`);
        }),
    },
    // Deep nesting, closed or not, within and beyond the body limit.
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.integer({ min: 1, max: 20_000 }),
          fc.constantFrom('[', '{"a":', '{"__proto__":', '{"username":'),
          fc.boolean(),
        )
        .map(([depth, open, closed]) =>
          text(`${open.repeat(depth)}1${closed ? (open === '[' ? ']' : '}').repeat(depth) : ''}`),
        ),
    },
    // Near-valid bodies with one field replaced by a huge string.
    {
      weight: 2,
      arbitrary: fc.tuple(near, objectKey, hugeString).map(([base, key, huge]) => {
        const fields = Object.keys(base);
        const target = fields.length > 0 && key.length % 2 === 0 ? fields[0]! : key;
        return text(JSON.stringify(Object.fromEntries([...Object.entries(base), [target, huge]])));
      }),
    },
    // Invalid UTF-8 inside a string of a near-valid body, or as the whole body; always base64 (API Gateway's way).
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          near,
          fc.array(fc.constantFrom(...INVALID_UTF8), { minLength: 1, maxLength: 4 }),
          fc.boolean(),
          fc.uint8Array({ maxLength: 64 }),
        )
        .map(([base, sequences, inField, random]) => {
          const bad = Buffer.from(sequences.flat());
          if (!inField) return base64(Buffer.concat([bad, Buffer.from(random)]));
          const marker = '\u0001MARK\u0001';
          const first = Object.keys(base)[0] ?? 'username';
          const json = JSON.stringify({ ...base, [first]: marker });
          const [before, after] = json.split(JSON.stringify(marker).slice(1, -1));
          return base64(Buffer.concat([Buffer.from(before ?? '', 'utf8'), bad, Buffer.from(after ?? '', 'utf8')]));
        }),
    },
    // Lone surrogates: escaped in JSON (parse to ill-formed strings) or raw in the body text.
    {
      weight: 1,
      arbitrary: fc.tuple(near, loneSurrogate, fc.boolean()).map(([base, unit, escaped]) => {
        const first = Object.keys(base)[0] ?? 'username';
        const json = JSON.stringify({ ...base, [first]: `ab${unit}cd-long-enough-value` });
        return text(escaped ? json : json.replace(/\\ud[89a-f][0-9a-f]{2}/gi, unit));
      }),
    },
    { weight: 1, arbitrary: near.map((value) => base64(JSON.stringify(value))) },
    // Garbage: not JSON, empty, a BOM, base64 that is not base64, huge text.
    {
      weight: 2,
      arbitrary: fc.oneof(
        fc.string({ unit: 'binary', maxLength: 64 }).map(text),
        fc.constantFrom('', ' ', 'null', '[]', '{}', '""', '\ufeff{}', '{"username":', '{,}', 'undefined').map(text),
        fc.string({ maxLength: 40 }).map((value) => ({ body: value, isBase64Encoded: true })),
        hugeString.map(text),
      ),
    },
    { weight: 1, arbitrary: fc.constant({ body: null, isBase64Encoded: false }) },
  );
}

const headerValue = fc.oneof(nastyString, fc.constantFrom('application/json', ''));
const headersArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        fc.option(
          fc.oneof(
            fc.constantFrom(
              'application/json',
              'application/json; charset=utf-8',
              'APPLICATION/JSON',
              'application/json; charset=utf-16le',
              'text/plain',
              'application/x-www-form-urlencoded',
              'multipart/form-data; boundary=x',
              '',
            ),
            nastyString,
          ),
          { nil: undefined },
        ),
        fc.option(
          fc.oneof(
            fc.constantFrom(ALLOWED_ORIGIN, 'https://evil.example', 'null', `${ALLOWED_ORIGIN}.evil`),
            nastyString,
          ),
          {
            nil: undefined,
          },
        ),
        fc.dictionary(
          fc.oneof(
            fc.constantFrom('__proto__', 'constructor', 'Content-Type', 'ORIGIN', 'content-length', 'x-forwarded-for'),
            nastyString,
          ),
          headerValue,
          { maxKeys: 3 },
        ),
        fc.boolean(),
      )
      .map(([contentType, origin, more, upper]) => {
        const entries: Array<[string, string]> = Object.entries(more);
        if (contentType !== undefined) entries.push([upper ? 'Content-Type' : 'content-type', contentType]);
        if (origin !== undefined) entries.push([upper ? 'Origin' : 'origin', origin]);
        return Object.fromEntries(entries) as Record<string, string>;
      }),
  },
);

interface FuzzRequest extends GeneratedBody {
  readonly version: 1 | 2;
  readonly method: string;
  readonly headers: Record<string, string> | null;
  readonly sourceIp: string;
  readonly clockAdvance: number;
  readonly iam: GatewayRequest['iam'] | undefined;
  /** Admin routes: the target in the path and the query string. */
  readonly admin: AdminParts | undefined;
}

/** IAM fields of a request signed with the credentials Cognito gives a logged-in identity of the pool. */
const signedBy = (identityId: string): NonNullable<FuzzRequest['iam']> => ({
  identityId,
  identityPoolId: POOL_ID,
  authenticationType: 'authenticated',
  amr: ['authenticated', 'login.devauth.test'],
});

function requests(route: Route, app: FuzzApp): fc.Arbitrary<FuzzRequest> {
  const wrongTyped = fc.oneof(
    fc.integer(),
    fc.constant(null),
    fc.array(fc.string(), { maxLength: 2 }),
    fc.dictionary(protoKey, fc.string()),
  );
  const iam = SIGNED.has(route)
    ? fc.option(
        fc.record({
          identityId: fc.oneof(
            { weight: 4, arbitrary: fc.constantFrom(...app.seeds.userIdentityIds, ...app.seeds.guestIdentityIds) },
            { weight: 2, arbitrary: identityIdLike(app.seeds.userIdentityIds) },
            { weight: 1, arbitrary: nastyString },
            { weight: 1, arbitrary: hugeString },
            { weight: 1, arbitrary: wrongTyped },
            // The administrator's identities (the current one and any it lost), and near misses of them.
            ...(ADMIN.has(route)
              ? [
                  { weight: 3, arbitrary: newest(app.seeds.adminIdentityIds) },
                  { weight: 1, arbitrary: live(app.seeds.adminIdentityIds) },
                  { weight: 1, arbitrary: identityIdLike(app.seeds.adminIdentityIds) },
                ]
              : []),
          ),
          identityPoolId: fc.oneof(
            { weight: 4, arbitrary: fc.constant(POOL_ID) },
            {
              weight: 1,
              arbitrary: fc.constantFrom('us-east-1:99999999-0000-4000-8000-000000000000', null, undefined),
            },
            { weight: 1, arbitrary: nastyString },
            { weight: 1, arbitrary: wrongTyped },
          ),
          authenticationType: fc.oneof(
            fc.constantFrom('authenticated', 'unauthenticated', 'Authenticated', null),
            nastyString,
            wrongTyped,
          ),
          amr: fc.oneof(
            fc.constantFrom(['authenticated'], ['unauthenticated'], [], ['authenticated', 'login.devauth.test']),
            fc.array(fc.oneof(nastyString, fc.constant('authenticated')), { maxLength: 3 }),
            wrongTyped,
          ),
        }),
        { freq: 6, nil: undefined },
      )
    : fc.constant(undefined);
  const generic = fc
    .record({
      version: fc.constantFrom(1 as const, 2 as const),
      method: fc.constantFrom(METHOD[route], METHOD[route], 'OPTIONS', 'GET', 'PUT', 'post'),
      generated: bodies(route, app),
      headers: headersArb,
      sourceIp: fc.oneof(
        { weight: 4, arbitrary: fc.ipV4() },
        { weight: 1, arbitrary: fc.ipV6() },
        { weight: 1, arbitrary: fc.constant('') },
      ),
      clockAdvance: fc.constantFrom(0, 0, 0, 1, 2, 30, 900, 86_400),
      iam,
      admin: adminParts(route, app, false),
    })
    .map(({ generated, ...rest }) => ({ ...rest, ...generated }));
  if (ADMIN.has(route)) {
    // A share signed by the administrator's current identity, with the route's method, a valid target and query and
    // mostly a valid body (what an admin console sends); a share of the same requests signed by someone else: a
    // shopper, a guest, an identity the administrator lost, or the administrator's id claimed as a guest or from
    // another pool.
    const emptyBody = fc.constantFrom<GeneratedBody>(text('{}'), text(''), { body: null, isBase64Encoded: false });
    const takesBody = route === 'adminSetRole' || route === 'adminSetStatus' || route === 'adminCreateInvitation';
    const coherentBody = takesBody
      ? fc.oneof(
          { weight: 4, arbitrary: valid(route, app).map((value) => text(JSON.stringify(value))) },
          { weight: 1, arbitrary: mutated(route, app).map((value) => text(JSON.stringify(value))) },
        )
      : emptyBody;
    const coherentParts = fc.record({ request: generic, admin: adminParts(route, app, true), body: coherentBody });
    const currentAdmin = () => app.seeds.adminIdentityIds.at(-1)!;
    // The administrator's requests: coherent ones, and (so that fuzzed ids, queries and bodies reach the core past
    // the guard) ones with any part fuzzed.
    const fuzzedParts = fc.record({
      request: generic,
      admin: adminParts(route, app, false),
      body: fc.oneof({ weight: 2, arbitrary: coherentBody }, { weight: 1, arbitrary: bodies(route, app) }),
    });
    const asAdmin = fc.oneof({ weight: 3, arbitrary: coherentParts }, { weight: 2, arbitrary: fuzzedParts }).map(
      ({ request, admin, body }): FuzzRequest => ({
        ...request,
        ...body,
        method: METHOD[route],
        admin,
        iam: signedBy(currentAdmin()),
      }),
    );
    const someoneElse = fc.oneof(
      fc.constantFrom(...app.seeds.userIdentityIds).map(signedBy),
      fc.constantFrom(...app.seeds.guestIdentityIds).map((identityId) => ({
        ...signedBy(identityId),
        authenticationType: 'unauthenticated',
        amr: ['unauthenticated'],
      })),
      fc.nat().map((index) => {
        const lost = app.seeds.adminIdentityIds.slice(0, -1);
        return signedBy(lost.length > 0 ? lost[index % lost.length]! : app.seeds.userIdentityIds[0]!);
      }),
      fc.constant(null).map(() => ({
        ...signedBy(currentAdmin()),
        authenticationType: 'unauthenticated',
        amr: ['unauthenticated'],
      })),
      fc.constant(null).map(() => ({
        ...signedBy(currentAdmin()),
        identityPoolId: 'us-east-1:99999999-0000-4000-8000-000000000000',
      })),
    );
    const asSomeoneElse = fc
      .tuple(coherentParts, someoneElse)
      .map(
        ([{ request, admin, body }, iam]): FuzzRequest => ({ ...request, ...body, method: METHOD[route], admin, iam }),
      );
    return fc.oneof(
      { weight: 3, arbitrary: generic },
      { weight: 3, arbitrary: asAdmin },
      { weight: 1, arbitrary: asSomeoneElse },
    );
  }
  if (!SIGNED.has(route) || route === 'me') return generic;
  // The account routes act only for a resolved user: a share of requests are signed by a seed user's own identity
  // (with its right or a wrong password, or hostile password fields), so the verify and hash paths are reached too.
  const coherent = fc
    .record({
      generic,
      user: fc.integer({ min: 0, max: app.seeds.users.length - 1 }),
      right: fc.boolean(),
      hostile: mutated(route, app),
      useHostile: fc.boolean(),
    })
    .map(({ generic: request, user, right, hostile, useHostile }): FuzzRequest => {
      const seed = app.seeds.users[user]!;
      const password = right ? seed.password : `${seed.password} wrong`;
      const fields =
        route === 'changePassword'
          ? { currentPassword: password, newPassword: `${seed.password} next` }
          : route === 'deleteAccount' || route === 'changeEmail'
            ? { password, ...(route === 'changeEmail' ? { newEmail: `next.${user}@fuzz.example.com` } : {}) }
            : route === 'revokeOtherSessions'
              ? { refreshToken: app.seeds.refreshTokens[user] ?? '' }
              : {};
      return {
        ...request,
        method: METHOD[route],
        ...text(JSON.stringify(useHostile ? hostile : fields)),
        iam: {
          identityId: app.seeds.userIdentityIds[user],
          identityPoolId: POOL_ID,
          authenticationType: 'authenticated',
          amr: ['authenticated', 'login.devauth.test'],
        },
      };
    });
  return fc.oneof({ weight: 2, arbitrary: generic }, { weight: 1, arbitrary: coherent });
}

// ---------------------------------------------------------------------------------------------------------------
// The oracle: which inputs are over the limits (written from the documented limits, not from the handler code)
// ---------------------------------------------------------------------------------------------------------------

const utf8Bytes = (value: string) => Buffer.byteLength(value, 'utf8');
const codePoints = (value: string) => [...value].length;
/** Username folding as documented (core README: NFC + lower case, the PRECIS UsernameCaseMapped order). */
const foldUsername = (value: string) => value.normalize('NFC').toLowerCase().normalize('NFC');

interface Decoded {
  readonly bytes: number;
  readonly value: unknown;
  readonly json: boolean;
}

function decode(request: FuzzRequest): Decoded | null {
  if (request.body === null) return null;
  const buffer = request.isBase64Encoded ? Buffer.from(request.body, 'base64') : Buffer.from(request.body, 'utf8');
  const bodyText = request.isBase64Encoded ? buffer.toString('utf8') : request.body;
  try {
    return { bytes: buffer.byteLength, value: JSON.parse(bodyText) as unknown, json: true };
  } catch {
    return { bytes: buffer.byteLength, value: undefined, json: false };
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Why this request must not reach the hasher; empty when it may. */
function overLimits(route: Route, request: FuzzRequest): string[] {
  const fields = PASSWORD_FIELDS[route];
  if (!fields) return [];
  const decoded = decode(request);
  const problems: string[] = [];
  if (decoded === null) return ['no body'];
  if (decoded.bytes > LIMITS.bodyBytes) problems.push('body over the body limit');
  if (!decoded.json) return [...problems, 'body is not JSON'];
  const { value } = decoded;
  if (!isPlainObject(value)) return [...problems, 'body is not an object'];
  if (USERNAME_ROUTES.has(route)) {
    const { username } = value;
    if (typeof username !== 'string') problems.push('username is not a string');
    else if (route === 'login' && username.includes('@')) {
      // loginWithEmail is on: an address, bounded by the schema and then by the address rules.
      if (username.length > LOGIN_IDENTIFIER_RAW_UNITS) problems.push('email over the raw length limit');
      else if (canonicalizeEmail(username) === null) problems.push('not a valid email address');
    } else {
      if (username.length > LIMITS.usernameRawUnits) problems.push('username over the raw length limit');
      else if (username.isWellFormed() && codePoints(foldUsername(username)) > LIMITS.usernameCodePoints)
        problems.push('username over the length limit');
      if (!username.isWellFormed()) problems.push('username is not well-formed');
    }
  }
  for (const { name, isNew } of fields) {
    const password = value[name];
    if (typeof password !== 'string') problems.push(`${name} is not a string`);
    else {
      if (utf8Bytes(password) > LIMITS.passwordBytes) problems.push(`${name} over the byte limit`);
      if (!password.isWellFormed()) problems.push(`${name} is not well-formed`);
      // Registration checks the length limit before it hashes; the other routes check it on the new password only
      // after verifying the current one (a verify, never a hash, of an over-long new password).
      else if (isNew && route === 'register' && codePoints(password.normalize('NFKC')) > LIMITS.passwordCodePoints)
        problems.push(`${name} over the length limit`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Process-level watchdogs
// ---------------------------------------------------------------------------------------------------------------

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const prototypeShape = () => ({
  object: Object.getOwnPropertyNames(Object.prototype).sort(),
  array: Object.getOwnPropertyNames(Array.prototype).sort(),
  objectProto: Object.getPrototypeOf(Object.prototype) as unknown,
});
const PRISTINE = prototypeShape();

async function settle(): Promise<void> {
  // Rejections are reported after the microtask queue drains: give them two turns of the event loop.
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
}

interface Stats {
  runs: number;
  statuses: Record<string, number>;
  hashCalls: number;
  refusedOverLimits: number;
  largestVerifiedBytes: number;
  /** Admin routes: requests signed by an active administrator, and the 2xx (not preflights) they got. */
  adminSigned: number;
  adminSuccesses: number;
  /** Admin routes: requests by anyone else, all refused (none got a 2xx). */
  othersRefused: number;
}

// ---------------------------------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------------------------------

/**
 * The request's body with FRESH_RESET_TOKEN and FRESH_VERIFICATION_TOKEN (plain JSON bodies only) replaced by tokens
 * requested now.
 */
async function withFreshTokens(app: FuzzApp, request: FuzzRequest): Promise<string | null> {
  if (request.body === null || request.isBase64Encoded) return request.body;
  if (request.body.includes(FRESH_VERIFICATION_TOKEN)) {
    const seed = app.seeds.users[app.seeds.verificationTokens.length % app.seeds.users.length]!;
    const user = (await app.users.findByUsername(seed.username.toLowerCase()))!;
    const minted = mintAccountToken({
      purpose: 'email-verification',
      userId: user.id,
      email: user.email,
      now: app.clock.now(),
      ttlSeconds: app.devauth.config.emailVerificationTtlSeconds,
    });
    await app.accountTokens.issue(minted.record);
    rememberSecrets(minted.token);
    app.seeds.verificationTokens.push(minted.token);
    return request.body.replaceAll(FRESH_VERIFICATION_TOKEN, minted.token);
  }
  if (!request.body.includes(FRESH_RESET_TOKEN)) return request.body;
  const seed = app.seeds.users[app.seeds.resetTokens.length % app.seeds.users.length]!;
  await app.devauth.requestPasswordReset.execute({ username: seed.username });
  const token = app.outbox.latest('password-reset')!.message.token;
  rememberSecrets(token);
  (app.seeds.resetTokens as string[]).push(token);
  return request.body.replaceAll(FRESH_RESET_TOKEN, token);
}

// ---------------------------------------------------------------------------------------------------------------
// The admin routes: events as API Gateway shapes them, and their oracle
// ---------------------------------------------------------------------------------------------------------------

/** The request's path: an admin route's template with the target in its place, as the client encoded it. */
function requestPath(route: Route, request: FuzzRequest): string {
  const name = PATH_PARAMETER[route];
  const target = request.admin?.target;
  if (name === undefined || target === undefined) return ROUTES[route];
  const segment =
    target.mode === 'conflict'
      ? segmentOf(target.other as string)
      : target.raw
        ? target.value
        : segmentOf(target.value);
  return templateOf(route).replace(`{${name}}`, segment);
}

/** Name/value pairs grouped by name (own properties, so `__proto__` stays a plain key). */
function grouped(pairs: ReadonlyArray<readonly [string, string]>): Record<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const [name, value] of pairs) groups.set(name, [...(groups.get(name) ?? []), value]);
  return Object.fromEntries(groups);
}

/**
 * Adds to an admin route's event what API Gateway adds: the template it matched (v1 `resource`, v2 `routeKey`; a
 * greedy or `$default` route in `path` mode), `pathParameters`, and the query string in each payload version's forms
 * (v1: `queryStringParameters` keeps a repeated name's last value, `multiValueQueryStringParameters` all of them; v2:
 * `rawQueryString`, and `queryStringParameters` joining repeated values with commas).
 */
function addGatewayParts(route: Route, request: FuzzRequest, event: ApiGatewayProxyEvent): void {
  const name = PATH_PARAMETER[route];
  const target = request.admin?.target;
  const query = request.admin?.query ?? { kind: 'none' };
  const greedy = target?.mode === 'path';
  const path = requestPath(route, request);
  let pathParameters: unknown = null;
  if (name !== undefined && target !== undefined) {
    if (target.mode === 'both' || target.mode === 'conflict') {
      pathParameters = { [name]: target.raw ? target.value : segmentOf(target.value) };
    } else if (target.mode === 'wrongType') pathParameters = target.other;
    else if (request.version === 1) pathParameters = { proxy: path.slice(1) };
  }
  const fields = event as unknown as Record<string, unknown> & { requestContext: Record<string, unknown> };
  if (request.version === 1) {
    const resource = greedy ? '/{proxy+}' : templateOf(route);
    fields.resource = resource;
    fields.requestContext.resourcePath = resource;
    fields.pathParameters = pathParameters;
    if (query.kind === 'pairs' && query.pairs.length > 0) {
      const groups = grouped(query.pairs);
      fields.multiValueQueryStringParameters = groups;
      fields.queryStringParameters = Object.fromEntries(
        Object.entries(groups).map(([key, values]) => [key, values.at(-1)!]),
      );
    } else if (query.kind === 'raw') {
      fields.queryStringParameters = query.single;
      fields.multiValueQueryStringParameters = query.multi;
    } else {
      fields.queryStringParameters = null;
      fields.multiValueQueryStringParameters = null;
    }
  } else {
    const routeKey = greedy ? '$default' : `${request.method} ${templateOf(route)}`;
    fields.routeKey = routeKey;
    fields.requestContext.routeKey = routeKey;
    if (pathParameters !== null) fields.pathParameters = pathParameters;
    if (query.kind === 'pairs' && query.pairs.length > 0) {
      fields.rawQueryString = new URLSearchParams(
        query.pairs.map(([key, value]): [string, string] => [key, value]),
      ).toString();
      fields.queryStringParameters = Object.fromEntries(
        Object.entries(grouped(query.pairs)).map(([key, values]) => [key, values.join(',')]),
      );
    } else if (query.kind === 'raw') {
      fields.rawQueryString = query.rawQueryString;
      if (query.single !== null) fields.queryStringParameters = query.single;
    }
  }
}

/**
 * Whether the request is signed, as the guard reads the event, by an identity whose stored user is an active
 * administrator right now (read before the request is sent): the only callers the admin routes serve.
 */
async function signedByActiveAdmin(app: FuzzApp, request: FuzzRequest): Promise<boolean> {
  const iam = request.iam;
  if (iam === undefined || typeof iam.identityId !== 'string' || iam.identityPoolId !== POOL_ID) return false;
  const authenticated =
    request.version === 1
      ? iam.authenticationType === 'authenticated'
      : Array.isArray(iam.amr) &&
        iam.amr.every((entry) => typeof entry === 'string') &&
        iam.amr.includes('authenticated');
  if (!authenticated) return false;
  const user = await app.users.findByIdentityId(iam.identityId);
  return user?.role === 'admin' && user.status === 'active';
}

/** Everything an admin route could change: the users and the invitations, as stored. */
async function storeFingerprint(app: FuzzApp): Promise<string> {
  const users = (await app.users.list({ limit: 1_000_000 })).users;
  const invitations = (await app.invitations.list({ limit: 1_000_000 })).invitations;
  return JSON.stringify([users, invitations]);
}

/** What the admin oracle needs from before a request. */
interface AdminBefore {
  readonly byAdmin: boolean;
  readonly fingerprint: string | undefined;
  /** The id the request names (decoded), and whether a user / an invitation had it. */
  readonly id: string | undefined;
  readonly existed: boolean;
}

async function beforeAdminRequest(app: FuzzApp, route: Route, request: FuzzRequest): Promise<AdminBefore> {
  const byAdmin = await signedByActiveAdmin(app, request);
  const target = request.admin?.target;
  const id = target === undefined ? undefined : intendedId(target);
  let existed = false;
  if (id !== undefined && PATH_PARAMETER[route] === 'userId') existed = (await app.users.findById(id)) !== null;
  if (id !== undefined && PATH_PARAMETER[route] === 'invitationId') {
    existed = (await app.invitations.list({ limit: 1_000_000 })).invitations.some((record) => record.codeHash === id);
  }
  return { byAdmin, fingerprint: byAdmin ? undefined : await storeFingerprint(app), id, existed };
}

/** Field names a user or invitation object of an admin answer must never have. */
const SECRET_FIELD = /password|hash|secret|token|code/i;

/** The query pairs the handler saw, when the request sent plain pairs (null for the other forms). */
const queryPairs = (request: FuzzRequest) =>
  request.admin?.query.kind === 'pairs' ? Object.fromEntries(request.admin.query.pairs) : null;

/**
 * The admin oracle. Anyone but an active administrator: refused before the input's fields are looked at, nothing
 * changed. An administrator: never refused as a caller, and every success did exactly what it says.
 */
async function checkAdminResponse(
  app: FuzzApp,
  route: Route,
  request: FuzzRequest,
  before: AdminBefore,
  result: ApiGatewayProxyResult,
  body: Record<string, unknown>,
  stats: Stats,
): Promise<void> {
  const status = result.statusCode;
  const preflight = request.method === 'OPTIONS';
  const error = (body.error ?? {}) as { code?: unknown; issues?: Array<{ path: unknown[] }> };
  if (!before.byAdmin) {
    if (preflight) expect(result.body).toBe('');
    else {
      stats.othersRefused++;
      // Only a refusal of the body (size, JSON, a body where none belongs) comes before the caller's check.
      expect([400, 401, 403, 413], result.body.slice(0, 300)).toContain(status);
      if (status === 400) for (const issue of error.issues ?? []) expect(issue.path).toEqual([]);
      if (status === 403) expect(['FORBIDDEN', 'ADMIN_REQUIRED']).toContain(error.code);
    }
    expect(await storeFingerprint(app)).toBe(before.fingerprint);
    return;
  }
  if (preflight) return;
  stats.adminSigned++;
  expect(status, result.body.slice(0, 300)).not.toBe(401);
  if (status === 403) expect(error.code).toBe('ROLE_NOT_ALLOWED');
  if (status >= 300) return;
  stats.adminSuccesses++;
  const sent = decode(request)?.value as Record<string, unknown> | undefined;
  const id = before.id;
  if (PATH_PARAMETER[route] !== undefined) {
    // The target acted on is the one the request names (pathParameters, else the path), and it existed.
    expect(id).toBeDefined();
    expect(before.existed).toBe(true);
  }
  const user = body.user as Record<string, unknown> | undefined;
  const stored = id === undefined ? null : await app.users.findById(id);
  switch (route) {
    case 'adminGetUser':
      expect(user?.id).toBe(id);
      expect(user?.username).toBe(stored?.username);
      break;
    case 'adminSetRole':
      expect(user?.id).toBe(id);
      expect(stored?.role).toBe(sent?.role);
      expect(user?.role).toBe(sent?.role);
      break;
    case 'adminSetStatus':
      expect(user?.id).toBe(id);
      expect(stored?.status).toBe(sent?.status);
      expect(user?.status).toBe(sent?.status);
      break;
    case 'adminDeleteUser':
      expect(status).toBe(204);
      expect(id).not.toBe(app.seeds.admin.userId);
      expect(stored).toBeNull();
      break;
    case 'adminRevokeSessions':
      expect(typeof body.revokedSessions).toBe('number');
      expect(stored?.identityId).toBeNull();
      break;
    case 'adminRevokeInvitation': {
      expect(status).toBe(204);
      const left = (await app.invitations.list({ limit: 1_000_000 })).invitations;
      expect(left.some((record) => record.codeHash === id)).toBe(false);
      break;
    }
    case 'adminCreateInvitation': {
      const invitation = body.invitation as { id: string; code: string; role: string; expiresAt: string };
      expect(status).toBe(201);
      expect(invitation.id).toBe(digestSecretToken(invitation.code));
      expect(invitation.role).toBe(sent?.role);
      if (typeof sent?.ttlSeconds === 'number') {
        expect(Date.parse(invitation.expiresAt) - app.clock.now().getTime()).toBe(sent.ttlSeconds * 1000);
      }
      const all = (await app.invitations.list({ limit: 1_000_000 })).invitations;
      expect(all.find((record) => record.codeHash === invitation.id)?.role).toBe(sent?.role);
      app.seeds.invitationCodes.push(invitation.code);
      app.seeds.invitationIds.push(invitation.id);
      break;
    }
    case 'adminListUsers': {
      const users = body.users as Array<Record<string, unknown>>;
      const query = queryPairs(request);
      if (query !== null) {
        expect(users.length).toBeLessThanOrEqual(
          query.limit === undefined ? ADMIN_DEFAULT_PAGE_SIZE : Number(query.limit),
        );
        for (const listed of users) {
          const record = await app.users.findById(listed.id as string);
          expect(record?.username).toBe(listed.username);
          if (query.role !== undefined) expect(listed.role).toBe(query.role);
          if (query.status !== undefined) expect(listed.status).toBe(query.status);
          if (query.email !== undefined) expect(listed.email).toBe(canonicalizeEmail(query.email));
          if (query.usernamePrefix !== undefined && /^[\x20-\x7e]*$/.test(query.usernamePrefix)) {
            expect((listed.username as string).startsWith(query.usernamePrefix.toLowerCase())).toBe(true);
          }
        }
      }
      for (const listed of users) expect(Object.keys(listed).filter((key) => SECRET_FIELD.test(key))).toEqual([]);
      break;
    }
    case 'adminListInvitations': {
      const invitations = body.invitations as Array<Record<string, unknown>>;
      const query = queryPairs(request);
      if (query !== null) {
        expect(invitations.length).toBeLessThanOrEqual(
          query.limit === undefined ? ADMIN_DEFAULT_PAGE_SIZE : Number(query.limit),
        );
      }
      for (const listed of invitations) {
        expect(Object.keys(listed).filter((key) => SECRET_FIELD.test(key))).toEqual([]);
      }
      // Never a code, of any invitation.
      for (const code of app.seeds.invitationCodes) expect(result.body.includes(code)).toBe(false);
      break;
    }
    default:
      break;
  }
  if (user !== undefined) expect(Object.keys(user).filter((key) => SECRET_FIELD.test(key))).toEqual([]);
  // A cursor handed out joins the pool, with the filters it is bound to.
  if (LISTINGS.has(route) && typeof body.nextCursor === 'string' && request.admin?.query.kind === 'pairs') {
    const filters = request.admin.query.pairs.filter(([key]) => key !== 'cursor' && key !== 'limit');
    app.seeds.cursors.push({ route, filters: filters.map(([key, value]) => [key, value]), cursor: body.nextCursor });
  }
}

async function fuzzRoute(route: Route, app: FuzzApp): Promise<Stats> {
  const stats: Stats = {
    runs: 0,
    statuses: {},
    hashCalls: 0,
    refusedOverLimits: 0,
    largestVerifiedBytes: 0,
    adminSigned: 0,
    adminSuccesses: 0,
    othersRefused: 0,
  };
  const handler = app.handlers[route];
  const poolPasswords = [app.seeds.users, app.seeds.targets, [app.seeds.admin]].flat().map((user) => user.password);
  await fc.assert(
    fc.asyncProperty(requests(route, app), async (request) => {
      stats.runs++;
      app.clock.advance(request.clockAdvance);
      const sentBody = await withFreshTokens(app, request);
      app.hasher.calls.length = 0;
      const event = eventFor(request.version, {
        method: request.method,
        path: requestPath(route, request),
        body: sentBody,
        isBase64Encoded: request.isBase64Encoded,
        sourceIp: request.sourceIp,
        ...(request.iam ? { iam: request.iam } : {}),
        ...(request.headers ? { headers: request.headers } : {}),
      });
      if (request.headers === null) Object.assign(event, { headers: null, multiValueHeaders: null });
      if (ADMIN.has(route)) addGatewayParts(route, request, event);
      const adminBefore = ADMIN.has(route) ? await beforeAdminRequest(app, route, request) : undefined;
      const result = await handler(event, { awsRequestId: crypto.randomUUID() });

      // Never a 5xx; always a well-formed, uncacheable response.
      expect(result.statusCode).toBeGreaterThanOrEqual(200);
      expect(result.statusCode, result.body.slice(0, 300)).toBeLessThan(500);
      expect(result.headers['cache-control']).toBe('no-store');
      // CORS never opens up to an origin that is not configured, whatever the Origin header says.
      const allowOrigin = result.headers['access-control-allow-origin'];
      if (allowOrigin !== undefined) expect(allowOrigin).toBe(ALLOWED_ORIGIN);
      const body = result.body === '' ? {} : (JSON.parse(result.body) as Record<string, unknown>);
      for (const password of poolPasswords) expect(result.body.includes(password)).toBe(false);
      // No password hash, ever: none the store has held during the run, nor any field for one in a success.
      await collectPasswordHashes(app);
      for (const hash of app.passwordHashes) expect(result.body.includes(hash)).toBe(false);
      expect(result.body).not.toContain('$argon2');
      if (result.statusCode < 300) expect(result.body).not.toContain('"passwordHash"');
      stats.statuses[result.statusCode] = (stats.statuses[result.statusCode] ?? 0) + 1;
      // The admin routes: only an administrator gets anything done, and what it gets done is what it asked.
      if (adminBefore) await checkAdminResponse(app, route, request, adminBefore, result, body, stats);

      // Nothing polluted.
      expect(prototypeShape()).toEqual(PRISTINE);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).isAdministrator).toBeUndefined();

      // Never a hash for an input over the limits.
      const calls = app.hasher.calls;
      stats.hashCalls += calls.length;
      const problems = overLimits(route, request);
      if (problems.length > 0 && request.method !== 'OPTIONS') {
        stats.refusedOverLimits++;
        expect({ problems, calls: calls.length }).toEqual({ problems, calls: 0 });
        // A signed route refuses a caller it cannot resolve (401/403) before it reads the fields.
        expect(SIGNED.has(route) ? [400, 401, 403, 413] : [400, 413]).toContain(result.statusCode);
      }
      // A refusal of the input (400/413) costs no hash, except where the new password's policy is checked after the
      // current one was verified (change password): then only that one verify.
      if (result.statusCode === 413 || (result.statusCode === 400 && route !== 'changePassword')) {
        expect(calls).toEqual([]);
      }
      if (!PASSWORD_FIELDS[route]) expect(calls).toEqual([]);
      if (calls.length > 0) {
        const value = decode(request)?.value as Record<string, string>;
        expect(problems).toEqual([]);
        const fields = PASSWORD_FIELDS[route]!;
        for (const call of calls) {
          // A verify is of the current password (login, change, delete), a hash of the new one (register, reset,
          // change): each exactly the NFKC form of that field of the request.
          const field = fields.find((candidate) => (call.op === 'hash') === candidate.isNew)!;
          expect(field, `${route} ${call.op}`).toBeDefined();
          expect(call.password).toBe(value[field.name]!.normalize('NFKC'));
          if (call.op === 'hash') expect(codePoints(call.password)).toBeLessThanOrEqual(LIMITS.passwordCodePoints);
          stats.largestVerifiedBytes = Math.max(stats.largestVerifiedBytes, utf8Bytes(call.password));
        }
        // A password that made it to the hasher and got accepted is a real secret now.
        if (result.statusCode === 201 || result.statusCode === 200 || result.statusCode === 204) {
          for (const { name } of fields) rememberSecrets(value[name]);
        }
      }
      if (result.statusCode === 200 || result.statusCode === 201) {
        await rememberResponseSecrets(app, body);
        // New refresh tokens join the pool the next requests draw from.
        if (typeof body.refreshToken === 'string') {
          app.seeds.refreshTokens.push(body.refreshToken);
          app.seeds.unusedRefreshTokens.push(body.refreshToken);
        }
      }
      // The administrator revoked its own sessions (allowed): its identity is unlinked, so it logs in again, as it
      // would, and keeps administering under its new identity.
      if (ADMIN.has(route) && (await app.users.findById(app.seeds.admin.userId))?.identityId === null) {
        await logInAdmin(app);
      }
    }),
    { numRuns: RUNS },
  );
  // Every reset and verification token the run mailed is a secret too: the file's log capture searches for them.
  for (const entry of app.outbox.sent) rememberSecrets((entry.message as { token?: string }).token);
  await settle();
  expect(unhandled).toEqual([]);
  return stats;
}

function report(route: Route, stats: Stats): void {
  const admin = ADMIN.has(route)
    ? `, ${stats.adminSigned} signed by the administrator (${stats.adminSuccesses} succeeded), ` +
      `${stats.othersRefused} by others (all refused)`
    : '';
  console.info(
    `[fuzz] ${route}: ${stats.runs} runs, statuses ${JSON.stringify(stats.statuses)}, ${stats.hashCalls} hasher calls, ` +
      `${stats.refusedOverLimits} over-limit inputs refused unhashed, largest hasher input ${stats.largestVerifiedBytes} bytes` +
      admin,
  );
}

describe('Fuzzing every handler', () => {
  beforeAll(() => {
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(async () => {
    await settle();
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
    expect(prototypeShape()).toEqual(PRISTINE);
    expect(rememberedSecretCount()).toBeGreaterThan(0);
  });

  it('covers every route createAuthHandlers exposes', async () => {
    const app = await buildFuzzApp();
    expect(Object.keys(app.handlers).sort()).toEqual(Object.keys(ROUTES).sort());
    // Each route as it is mounted: its method, a concrete path of its template, signed iff it is an AWS_IAM route.
    for (const route of Object.keys(ROUTES) as Route[]) {
      const { method, path, access } = HANDLER_ROUTES[route];
      expect(METHOD[route], route).toBe(method);
      const pattern = new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`);
      expect(ROUTES[route], route).toMatch(pattern);
      expect(SIGNED.has(route), route).toBe(access !== 'public');
      expect(ADMIN.has(route), route).toBe(access === 'admin');
    }
    // The administrator is one, signed in; the users it acts on are not administrators.
    expect(await app.users.findById(app.seeds.admin.userId)).toMatchObject({ role: 'admin', status: 'active' });
    expect(await app.users.findByIdentityId(app.seeds.adminIdentityIds.at(-1)!)).toMatchObject({ role: 'admin' });
    for (const id of app.seeds.targetUserIds) expect((await app.users.findById(id))?.role).toBe('shopper');
  });

  for (const route of Object.keys(ROUTES) as Route[]) {
    it(
      `${route}: ${RUNS} generated requests, never a 5xx, no unhandled rejection, no pollution, no hash over the limits`,
      async () => {
        const app = await buildFuzzApp();
        const stats = await fuzzRoute(route, app);
        report(route, stats);
        expect(stats.runs).toBe(RUNS);
        // The generators reach the interesting paths, not only the refusals.
        if (PASSWORD_FIELDS[route]) {
          expect(stats.hashCalls).toBeGreaterThan(0);
          expect(stats.refusedOverLimits).toBeGreaterThan(0);
        }
        const successes = [200, 201, 202, 204].reduce((sum, status) => sum + (stats.statuses[status] ?? 0), 0);
        expect(successes).toBeGreaterThan(0);
      },
      TIMEOUT,
    );
  }
});
