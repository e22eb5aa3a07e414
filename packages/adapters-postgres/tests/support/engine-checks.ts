import { inspect } from 'node:util';
import { createPostgresStores, PostgresFailure, type SqlClient } from '@devauth/adapters-postgres';
import {
  type AttemptState,
  ConfigurationError,
  DEFAULT_GUEST_RATE_LIMIT,
  DEFAULT_REGISTRATION_RATE_LIMIT,
  DEFAULT_THROTTLE_POLICY,
  IdentityTakenError,
  mintAccountToken,
  nextReservedState,
  nextVersion,
  retryAfterSeconds,
  type ThrottlePolicy,
  UsernameTakenError,
  VersionConflictError,
  waitAfter,
} from '@devauth/core';
import { sampleDate, sampleRefreshToken, sampleUser, uniqueSuffix } from '@devauth/core/testing';
import { expect, it } from 'vitest';

/** A SqlClient built on a driver wrapper that counts the statements reaching the driver (pool.query, db.query). */
export interface CountingClient {
  readonly client: SqlClient;
  count(): number;
  reset(): void;
}

/** Round trips per operation, counted at the driver, below the adapter: one statement is one round trip. */
export function itCountsRoundTrips(counting: () => CountingClient): void {
  it('looks a user up for login (by username or email) in one statement and registers one in one statement', async () => {
    const { client, count, reset } = counting();
    const { users } = createPostgresStores(client);
    const user = sampleUser();

    reset();
    await users.create(user);
    expect(count()).toBe(1);

    reset();
    expect(await users.findByUsername(user.username)).toEqual(user);
    expect(count()).toBe(1);

    reset();
    expect(await users.findByEmail(user.email!)).toEqual(user);
    expect(count()).toBe(1);

    reset();
    await expect(users.create(sampleUser({ username: user.username }))).rejects.toBeInstanceOf(UsernameTakenError);
    expect(count()).toBe(1);
  });

  it('uses one statement for every other operation, and none for empty key lists', async () => {
    const { client, count, reset } = counting();
    const stores = createPostgresStores(client);
    const user = sampleUser({ identityId: `us-east-1:${uniqueSuffix()}` });
    await stores.users.create(user);
    const token = sampleRefreshToken();
    const invitation = {
      codeHash: `inv_${uniqueSuffix()}`,
      role: 'seller',
      createdAt: sampleDate(),
      expiresAt: sampleDate(60),
      usedAt: null,
    };
    const keys = [`user:${uniqueSuffix()}`, `addr:${uniqueSuffix()}`];
    const reserved = `user:${uniqueSuffix()}`;
    const onePerMinute: ThrottlePolicy = { ...DEFAULT_THROTTLE_POLICY, freeFailures: 1 };
    const link = {
      secretHash: `gl_${uniqueSuffix()}`,
      identityId: `us-east-1:${uniqueSuffix()}`,
      createdAt: sampleDate(),
      expiresAt: sampleDate(60),
      usedAt: null,
    };
    const resetToken = mintAccountToken({
      purpose: 'password-reset',
      userId: user.id,
      now: sampleDate(),
      ttlSeconds: 60,
    });
    const replacement = mintAccountToken({
      purpose: 'password-reset',
      userId: user.id,
      now: sampleDate(1),
      ttlSeconds: 60,
    });
    // The administration's listings and import: one statement per page, one per batch.
    const prefix = `rt${uniqueSuffix()}`;
    const imported = [sampleUser({ username: `${prefix}a` }), sampleUser({ username: `${prefix}b`, role: 'seller' })];
    let userCursor: string | null = null;
    // A second invitation (beside the one created below), so a page of one has a next page.
    await stores.invitations.create({ ...invitation, codeHash: `inv_${uniqueSuffix()}` });
    let invitationCursor: string | null = null;
    const operations: Record<string, () => Promise<unknown>> = {
      'users.findById': () => stores.users.findById(user.id),
      'users.findByIdentityId': () => stores.users.findByIdentityId(user.identityId!),
      'users.update': () => stores.users.update(nextVersion(user, { status: 'disabled' }, sampleDate(1))),
      'users.update (stale)': () =>
        expect(stores.users.update(nextVersion(user, { role: 'seller' }, sampleDate(2)))).rejects.toBeInstanceOf(
          VersionConflictError,
        ),
      'users.delete': () => stores.users.delete(user.id),
      'refreshTokens.issue': () => stores.refreshTokens.issue(token),
      'refreshTokens.find': () => stores.refreshTokens.find(token.tokenHash),
      'refreshTokens.listSessions': () =>
        expect(stores.refreshTokens.listSessions(token.userId, sampleDate())).resolves.toHaveLength(1),
      'refreshTokens.rotate': () =>
        stores.refreshTokens.rotate(token.tokenHash, sampleRefreshToken({ familyId: token.familyId })),
      'refreshTokens.revokeFamily': () => stores.refreshTokens.revokeFamily(token.familyId),
      'refreshTokens.revokeAllForUser': () =>
        expect(stores.refreshTokens.revokeAllForUser(token.userId)).resolves.toBe(1),
      'loginAttempts.recordFailure': () => stores.loginAttempts.recordFailure(keys, sampleDate(), 60),
      'loginAttempts.get': () => stores.loginAttempts.get(keys),
      'loginAttempts.reset': () => stores.loginAttempts.reset(keys[0]!),
      'loginAttempts.reserve': () =>
        expect(stores.loginAttempts.reserve(reserved, sampleDate(), onePerMinute)).resolves.toEqual({ reserved: true }),
      'loginAttempts.reserve (refused)': () =>
        expect(stores.loginAttempts.reserve(reserved, sampleDate(), onePerMinute)).resolves.toEqual({
          reserved: false,
          retryAfterSeconds: 1,
        }),
      'loginAttempts.release': () => stores.loginAttempts.release(reserved),
      'loginAttempts.get([])': () => stores.loginAttempts.get([]),
      'loginAttempts.recordFailure([])': () => stores.loginAttempts.recordFailure([], sampleDate(), 60),
      'invitations.create': () => stores.invitations.create(invitation),
      'invitations.consume': () => stores.invitations.consume(invitation.codeHash, 'seller', sampleDate(1)),
      'invitations.release': () => stores.invitations.release(invitation.codeHash),
      'guestLinks.create': () => stores.guestLinks.create(link),
      'guestLinks.consume': () =>
        expect(stores.guestLinks.consume(link.secretHash, link.identityId, sampleDate(1))).resolves.toBe(true),
      'guestLinks.consume (spent)': () =>
        expect(stores.guestLinks.consume(link.secretHash, link.identityId, sampleDate(1))).resolves.toBe(false),
      'guestLinks.release': () => stores.guestLinks.release(link.secretHash),
      'accountTokens.issue': () => stores.accountTokens.issue(resetToken.record),
      'accountTokens.issue (replacing)': () => stores.accountTokens.issue(replacement.record),
      'accountTokens.consume (replaced)': () =>
        expect(
          stores.accountTokens.consume(resetToken.record.tokenHash, 'password-reset', sampleDate(2)),
        ).resolves.toBeNull(),
      'accountTokens.consume': () =>
        expect(
          stores.accountTokens.consume(replacement.record.tokenHash, 'password-reset', sampleDate(2)),
        ).resolves.toEqual(replacement.record),
      'accountTokens.deleteAllForUser': () => stores.accountTokens.deleteAllForUser(user.id),
      'users.createMany': () => expect(stores.users.createMany(imported)).resolves.toEqual(['created', 'created']),
      'users.createMany (conflicts)': () =>
        expect(
          stores.users.createMany([
            sampleUser({ username: imported[0]!.username }),
            sampleUser({ email: imported[1]!.email }),
            sampleUser(),
          ]),
        ).resolves.toEqual(['username_taken', 'email_taken', 'created']),
      'users.createMany([])': () => expect(stores.users.createMany([])).resolves.toEqual([]),
      'users.list': async () => {
        const page = await stores.users.list({ usernamePrefix: prefix, limit: 1 });
        expect(page.users.map((listed) => listed.username)).toEqual([imported[0]!.username]);
        userCursor = page.nextCursor;
      },
      'users.list (next page, filtered)': () =>
        expect(
          stores.users.list({ usernamePrefix: prefix, role: 'seller', limit: 1, after: userCursor! }),
        ).resolves.toEqual({
          users: [imported[1]],
          nextCursor: null,
        }),
      'invitations.list': async () => {
        const page = await stores.invitations.list({ limit: 1 });
        expect(page.invitations).toHaveLength(1);
        invitationCursor = page.nextCursor;
      },
      'invitations.list (next page)': async () => {
        expect((await stores.invitations.list({ limit: 1, after: invitationCursor! })).invitations).toHaveLength(1);
      },
      'invitations.revoke': () => expect(stores.invitations.revoke(invitation.codeHash)).resolves.toBe(true),
    };
    const counts: Record<string, number> = {};
    for (const [name, operation] of Object.entries(operations)) {
      reset();
      await operation();
      counts[name] = count();
    }
    const expected = Object.fromEntries(Object.keys(operations).map((name) => [name, name.endsWith('([])') ? 0 : 1]));
    expect(counts).toEqual(expected);
  });
}

/** A driver error carries the statement's values (PGlite even the parameters): none may reach a thrown error. */
export function itKeepsValuesOutOfErrors(client: () => SqlClient): void {
  it('reports an unexpected violation by SQLSTATE and constraint only, without the values involved', async () => {
    const { invitations } = createPostgresStores(client());
    const codeHash = `secret_digest_${uniqueSuffix()}`;
    const invitation = { codeHash, role: 'seller', createdAt: sampleDate(), expiresAt: sampleDate(60), usedAt: null };
    await invitations.create(invitation);

    const error = await invitations.create(invitation).then(
      () => expect.fail('a second invitation with the same digest was stored'),
      (thrown: unknown) => thrown,
    );

    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe(
      'PostgreSQL failed invitations.create (SQLSTATE 23505 on devauth_invitations_pkey).',
    );
    expect((error as Error).cause).toBeInstanceOf(PostgresFailure);
    expect((error as Error).cause).toMatchObject({ operation: 'invitations.create', code: '23505' });
    // Everything an operator's logger could print: message, own properties, the cause chain, the stack.
    expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(codeHash);
    expect(JSON.stringify(error)).not.toContain(codeHash);
  });
}

/** Refresh-token behaviour beyond the core contract, on the real statements. */
export function itGuardsRefreshFamilies(client: () => SqlClient): void {
  it('refuses to rotate into another family (fails closed) and changes nothing', async () => {
    const { refreshTokens } = createPostgresStores(client());
    const current = sampleRefreshToken();
    await refreshTokens.issue(current);
    const stranger = sampleRefreshToken();

    expect(await refreshTokens.rotate(current.tokenHash, stranger)).toBe('not_active');

    expect(await refreshTokens.find(current.tokenHash)).toEqual(current);
    expect(await refreshTokens.find(stranger.tokenHash)).toBeNull();
  });

  it('keeps hints in two columns: an all-null hint reads as no hint, an over-long one is refused by its CHECK', async () => {
    const sql = client();
    const { refreshTokens } = createPostgresStores(sql);
    const empty = sampleRefreshToken({ clientHint: { userAgent: null, addressPrefix: null } });
    await refreshTokens.issue(empty);
    expect(await refreshTokens.find(empty.tokenHash)).toEqual({ ...empty, clientHint: null });
    const hinted = sampleRefreshToken({ clientHint: { userAgent: 'Firefox on Linux', addressPrefix: null } });
    await refreshTokens.issue(hinted);
    const { rows } = await sql.query(
      'SELECT client_user_agent, client_address_prefix FROM devauth_refresh_tokens WHERE token_hash = $1',
      [hinted.tokenHash],
    );
    expect(rows).toEqual([{ client_user_agent: 'Firefox on Linux', client_address_prefix: null }]);

    const tooLong = sampleRefreshToken({ clientHint: { userAgent: 'x'.repeat(65), addressPrefix: null } });
    const error = await refreshTokens.issue(tooLong).then(
      () => expect.fail('a 65-character user agent was stored'),
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe(
      'PostgreSQL failed refreshTokens.issue (SQLSTATE 23514 on devauth_refresh_tokens_client_user_agent_check).',
    );
    expect(await refreshTokens.find(tooLong.tokenHash)).toBeNull();
  });

  it('lists a session once with its latest token, and never one of a family revoked before a late issue', async () => {
    const { refreshTokens } = createPostgresStores(client());
    const userId = `user_${uniqueSuffix()}`;
    const first = sampleRefreshToken({ userId, issuedAt: sampleDate(0), expiresAt: sampleDate(3600) });
    await refreshTokens.issue(first);
    const hint = { userAgent: 'Safari on iOS', addressPrefix: '2001:db8:1::/48' };
    let current = first;
    for (let step = 1; step <= 3; step++) {
      const next = sampleRefreshToken({
        userId,
        familyId: first.familyId,
        issuedAt: sampleDate(step * 60),
        expiresAt: sampleDate(3600 + step * 60),
        clientHint: hint,
      });
      expect(await refreshTokens.rotate(current.tokenHash, next)).toBe('rotated');
      current = next;
    }
    const revoked = sampleRefreshToken({ userId });
    await refreshTokens.revokeFamily(revoked.familyId);
    // Issued after the revocation: stored active, but its family's marker keeps it out of the list.
    await refreshTokens.issue(revoked);
    expect(await refreshTokens.listSessions(userId, sampleDate(600))).toEqual([
      {
        familyId: first.familyId,
        createdAt: first.issuedAt,
        lastUsedAt: current.issuedAt,
        expiresAt: current.expiresAt,
        clientHint: hint,
      },
    ]);
    expect(await refreshTokens.revokeAllForUser(userId)).toBe(2);
    expect(await refreshTokens.listSessions(userId, sampleDate(600))).toEqual([]);
  });

  it('leaves no usable token when a revocation races rotations of the family', async () => {
    const { refreshTokens } = createPostgresStores(client());
    const current = sampleRefreshToken();
    await refreshTokens.issue(current);
    const successors = Array.from({ length: 10 }, () => sampleRefreshToken({ familyId: current.familyId }));

    const outcomes = await Promise.all([
      ...successors.map((next) => refreshTokens.rotate(current.tokenHash, next)),
      refreshTokens.revokeFamily(current.familyId).then(() => 'revoked' as const),
    ]);

    expect(outcomes.filter((outcome) => outcome === 'rotated').length).toBeLessThanOrEqual(1);
    for (const token of [current, ...successors]) {
      const found = await refreshTokens.find(token.tokenHash);
      if (found) expect(found.status).toBe('revoked');
      if (found)
        expect(await refreshTokens.rotate(token.tokenHash, sampleRefreshToken({ familyId: token.familyId }))).toBe(
          'not_active',
        );
    }
  });
}

/**
 * `reserve`'s SQL against the core's TypeScript (`nextReservedState`, `retryAfterSeconds`), state by state: every
 * policy curve's thresholds (free allowance, doubling, cap, consecutive-failure limit) and times around each
 * boundary, to the millisecond, before and after the last failure.
 */
export function itReservesLikeTheCore(client: () => SqlClient): void {
  it('decides reservations and waits exactly as the core does, to the millisecond', async () => {
    const sql = client();
    const { loginAttempts } = createPostgresStores(sql);
    const policies: ThrottlePolicy[] = [
      DEFAULT_THROTTLE_POLICY,
      DEFAULT_REGISTRATION_RATE_LIMIT,
      DEFAULT_GUEST_RATE_LIMIT,
      {
        freeFailures: 0,
        baseDelaySeconds: 3,
        maxDelaySeconds: 7,
        maxConsecutiveFailures: 4,
        resetAfterIdleSeconds: 20,
      },
      { freeFailures: 2, baseDelaySeconds: 0, maxDelaySeconds: 0, maxConsecutiveFailures: 3, resetAfterIdleSeconds: 5 },
      {
        freeFailures: 1,
        baseDelaySeconds: 1,
        maxDelaySeconds: 900,
        maxConsecutiveFailures: 100,
        resetAfterIdleSeconds: 900,
      },
    ];
    const lastFailureAt = sampleDate();
    interface Case {
      readonly key: string;
      readonly policy: ThrottlePolicy;
      readonly state: AttemptState | null;
      readonly now: Date;
    }
    const cases: Case[] = [];
    for (const policy of policies) {
      const { freeFailures: free, maxConsecutiveFailures: cap } = policy;
      const counts = [0, 1, free - 1, free, free + 1, free + 2, free + 10, free + 45, cap - 1, cap, cap + 1];
      for (const failures of [null, ...new Set(counts.filter((count) => count >= 0))]) {
        const waitMs = waitAfter(failures ?? 0, policy) * 1000;
        const idleMs = policy.resetAfterIdleSeconds * 1000;
        const offsets = [-1500, -1, 0, 1, 999, 1000, 1001, waitMs - 1001, waitMs - 1, waitMs, waitMs + 1];
        for (const offsetMs of new Set([...offsets, idleMs - 1, idleMs, idleMs + 1])) {
          const key = `user:${uniqueSuffix()}`;
          const state = failures === null ? null : { key, consecutiveFailures: failures, lastFailureAt };
          cases.push({ key, policy, state, now: new Date(lastFailureAt.getTime() + offsetMs) });
        }
      }
    }
    // The states in one statement, the reservations in parallel (one key each), the outcome in one read.
    const seeded = cases.flatMap(({ state }) => (state ? [state] : []));
    await sql.query(
      `INSERT INTO devauth_login_attempts (key, consecutive_failures, last_failure_at, expires_at)
       SELECT key, failures, $3::timestamptz, $3::timestamptz
         FROM unnest($1::text[], $2::integer[]) AS seeded (key, failures)`,
      [seeded.map((state) => state.key), seeded.map((state) => state.consecutiveFailures), lastFailureAt.toISOString()],
    );
    const answers = await Promise.all(cases.map(({ key, now, policy }) => loginAttempts.reserve(key, now, policy)));
    const stored = new Map(
      (await loginAttempts.get(cases.map(({ key }) => key))).map((state) => [state.key, state] as const),
    );

    const mismatches = cases.flatMap(({ key, policy, state, now }, index) => {
      const next = nextReservedState(state, key, now, policy);
      const expected = {
        answer: next
          ? { reserved: true }
          : { reserved: false, retryAfterSeconds: retryAfterSeconds(state, now, policy) },
        stored: next ?? state,
      };
      const actual = { answer: answers[index], stored: stored.get(key) ?? null };
      return JSON.stringify(actual) === JSON.stringify(expected) ? [] : [{ policy, state, now, actual, expected }];
    });
    expect(mismatches).toEqual([]);
    expect(cases.length).toBeGreaterThan(400);
  });

  it('reserves a key left at zero by releases from one, or refuses it while its last failure imposes a wait', async () => {
    const { loginAttempts } = createPostgresStores(client());
    const key = `addr:${uniqueSuffix()}`;
    const noneFree: ThrottlePolicy = { ...DEFAULT_THROTTLE_POLICY, freeFailures: 0 };
    await loginAttempts.recordFailure([key], sampleDate(0), noneFree.resetAfterIdleSeconds);
    await loginAttempts.release(key);
    expect(await loginAttempts.get([key])).toEqual([{ key, consecutiveFailures: 0, lastFailureAt: sampleDate(0) }]);
    // With no free failures even zero waits baseDelaySeconds from the last failure, as the core computes it.
    const state = { key, consecutiveFailures: 0, lastFailureAt: sampleDate(0) };
    expect(retryAfterSeconds(state, sampleDate(0), noneFree)).toBe(1);
    expect(await loginAttempts.reserve(key, sampleDate(0), noneFree)).toEqual({
      reserved: false,
      retryAfterSeconds: 1,
    });
    expect(await loginAttempts.reserve(key, sampleDate(1), noneFree)).toEqual({ reserved: true });
    expect(await loginAttempts.get([key])).toEqual([{ key, consecutiveFailures: 1, lastFailureAt: sampleDate(1) }]);
  });
}

/** UserStore behaviour beyond the core contract, on the real statements and constraint names. */
export function itKeepsIdentityIdsUnique(client: () => SqlClient): void {
  it('maps the unique index on identity_id to IdentityTakenError, the other rules keeping their own errors', async () => {
    const { users } = createPostgresStores(client());
    const identityId = `us-east-1:${uniqueSuffix()}`;
    const holder = sampleUser({ identityId });
    await users.create(holder);
    await expect(users.create(sampleUser({ identityId }))).rejects.toBeInstanceOf(IdentityTakenError);
    // Any number of users without an IdentityId.
    await users.create(sampleUser());
    await users.create(sampleUser());
    // A username clash is still a username clash.
    await expect(users.create(sampleUser({ username: holder.username }))).rejects.toBeInstanceOf(UsernameTakenError);
    // Deleting the holder frees its IdentityId.
    await users.delete(holder.id);
    const next = sampleUser({ identityId });
    await users.create(next);
    expect(await users.findByIdentityId(identityId)).toEqual(next);
  });
}

/** AccountTokenStore behaviour beyond the core contract, on the real rows and constraints. */
export function itKeepsOneAccountTokenRowPerUserAndPurpose(client: () => SqlClient): void {
  it('keeps one row per user and purpose: refusals leave an expired row inert, the next issue overwrites it', async () => {
    const sql = client();
    const { accountTokens } = createPostgresStores(sql);
    const userId = `user_${uniqueSuffix()}`;
    const rows = async () =>
      (
        await sql.query<{ token_hash: string; purpose: string }>(
          'SELECT token_hash, purpose FROM devauth_account_tokens WHERE user_id = $1 ORDER BY purpose',
          [userId],
        )
      ).rows;
    const mint = (purpose: 'password-reset' | 'email-verification', offsetSeconds: number) =>
      mintAccountToken({ purpose, userId, now: sampleDate(offsetSeconds), ttlSeconds: 60 }).record;

    const expired = mint('password-reset', 0);
    const verification = mint('email-verification', 0);
    await accountTokens.issue(expired);
    await accountTokens.issue(verification);
    expect(await accountTokens.consume(expired.tokenHash, 'password-reset', sampleDate(60))).toBeNull();
    expect(await rows()).toEqual([
      { token_hash: verification.tokenHash, purpose: 'email-verification' },
      { token_hash: expired.tokenHash, purpose: 'password-reset' },
    ]);

    const next = mint('password-reset', 120);
    await accountTokens.issue(next);
    expect(await rows()).toEqual([
      { token_hash: verification.tokenHash, purpose: 'email-verification' },
      { token_hash: next.tokenHash, purpose: 'password-reset' },
    ]);
    // Issuing the same record again (a caller putting back a token it spent) is accepted.
    expect(await accountTokens.consume(next.tokenHash, 'password-reset', sampleDate(121))).toEqual(next);
    await accountTokens.issue(next);
    await accountTokens.issue(next);
    expect(await accountTokens.consume(next.tokenHash, 'password-reset', sampleDate(122))).toEqual(next);

    await accountTokens.deleteAllForUser(userId);
    expect(await rows()).toEqual([]);
  });

  it('refuses a purpose outside the domain at the CHECK constraint, naming only the constraint', async () => {
    const { accountTokens } = createPostgresStores(client());
    const record = {
      ...mintAccountToken({ purpose: 'password-reset', userId: 'u', now: sampleDate(), ttlSeconds: 60 }).record,
    };
    const error = await accountTokens.issue({ ...record, purpose: 'magic-link' as 'password-reset' }).then(
      () => expect.fail('an unknown purpose was stored'),
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe(
      'PostgreSQL failed accountTokens.issue (SQLSTATE 23514 on devauth_account_tokens_purpose_check).',
    );
    expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(record.tokenHash);
  });
}
