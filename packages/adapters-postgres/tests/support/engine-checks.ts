import { inspect } from 'node:util';
import { createPostgresStores, PostgresFailure, type SqlClient } from '@devauth/adapters-postgres';
import { ConfigurationError, nextVersion, UsernameTakenError, VersionConflictError } from '@devauth/core';
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
  it('looks a user up for login in one statement and registers one in one statement', async () => {
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
      'refreshTokens.rotate': () =>
        stores.refreshTokens.rotate(token.tokenHash, sampleRefreshToken({ familyId: token.familyId })),
      'refreshTokens.revokeFamily': () => stores.refreshTokens.revokeFamily(token.familyId),
      'loginAttempts.recordFailure': () => stores.loginAttempts.recordFailure(keys, sampleDate(), 60),
      'loginAttempts.get': () => stores.loginAttempts.get(keys),
      'loginAttempts.reset': () => stores.loginAttempts.reset(keys[0]!),
      'loginAttempts.get([])': () => stores.loginAttempts.get([]),
      'loginAttempts.recordFailure([])': () => stores.loginAttempts.recordFailure([], sampleDate(), 60),
      'invitations.create': () => stores.invitations.create(invitation),
      'invitations.consume': () => stores.invitations.consume(invitation.codeHash, 'seller', sampleDate(1)),
      'invitations.release': () => stores.invitations.release(invitation.codeHash),
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
