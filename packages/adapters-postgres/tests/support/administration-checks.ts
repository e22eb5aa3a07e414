import { createPostgresStores, fromPgClient, fromPgPool, type SqlClient } from '@devauth/adapters-postgres';
import { type InvitationRecord, type UserRecord, ValidationError } from '@devauth/core';
import { InMemoryInvitationStore, InMemoryUserStore, sampleUser, uniqueSuffix } from '@devauth/core/testing';
import { expect, it } from 'vitest';
import type { Pool } from './pg.js';

/**
 * The administration's listings and import beyond the core contract, on the real statements: the order and the
 * literal prefix whatever the database's collation, the indexes the statements read, and createMany's edge cases.
 */

interface Statement {
  readonly text: string;
  readonly values: readonly unknown[];
}

/** A client that records every statement it passes on. */
function recording(client: SqlClient): { client: SqlClient; statements: Statement[] } {
  const statements: Statement[] = [];
  return {
    statements,
    client: {
      query: (text, values) => {
        statements.push({ text, values: values ?? [] });
        return client.query(text, values);
      },
      transaction: (work) => client.transaction(work),
    },
  };
}

/**
 * The plan of `statement` with its values, sequential and bitmap scans disabled: on a table of a few thousand rows
 * the planner would rightly read it all, and what matters here is which ordered index paths exist at all.
 */
async function planOf(client: SqlClient, statement: Statement): Promise<string> {
  return client.transaction(async (tx) => {
    await tx.query('SET LOCAL enable_seqscan = off');
    await tx.query('SET LOCAL enable_bitmapscan = off');
    const { rows } = await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${statement.text}`, statement.values);
    return rows.map((row) => row['QUERY PLAN']).join('\n');
  });
}

/** Every user `list` answers for `filter`, following cursors to the end. */
async function listAll(
  client: SqlClient,
  filter: { usernamePrefix?: string; role?: string; status?: 'active' | 'disabled' },
  limit: number,
): Promise<UserRecord[]> {
  const { users } = createPostgresStores(client);
  const collected: UserRecord[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await users.list({ ...filter, limit, ...(after === undefined ? {} : { after }) });
    collected.push(...page.users);
    if (page.nextCursor === null) return collected;
    after = page.nextCursor;
  }
}

export function itListsThroughIndexes(client: () => SqlClient): void {
  it('reads every listing in index order: no sort of the matching rows, the filters in the index condition', async () => {
    const recorder = recording(client());
    const stores = createPostgresStores(recorder.client);
    const prefix = `ix${uniqueSuffix()}`;
    const users = ['a', 'b', 'c'].map((rest) =>
      sampleUser({ username: `${prefix}${rest}`, role: 'auditor', status: 'disabled' }),
    );
    await stores.users.createMany(users);
    const first = await stores.users.list({ usernamePrefix: prefix, limit: 1 });
    await stores.invitations.create({
      codeHash: `inv_${uniqueSuffix()}`,
      role: 'seller',
      createdAt: new Date(),
      expiresAt: new Date(),
      usedAt: null,
    });
    const invitations = await stores.invitations.list({ limit: 1 });
    recorder.statements.length = 0;
    const after = first.nextCursor!;
    await stores.users.list({ limit: 5, after });
    await stores.users.list({ usernamePrefix: prefix, limit: 5, after });
    await stores.users.list({ role: 'auditor', limit: 5, after });
    await stores.users.list({ status: 'disabled', limit: 5, after });
    await stores.users.list({ email: users[0]!.email!, limit: 5 });
    await stores.invitations.list({ limit: 5, after: invitations.nextCursor! });
    const [all, byPrefix, byRole, disabled, byEmail, invitationPage] = await Promise.all(
      recorder.statements.map((statement) => planOf(client(), statement)),
    );

    for (const plan of [all, byPrefix, byRole, disabled, invitationPage]) {
      expect(plan).toMatch(/Index (Only )?Scan/);
      expect(plan).not.toMatch(/Sort|Seq Scan/);
    }
    // The planner's own range for the prefix (>= prefix AND < the next string), on an index in "C" order.
    expect(byPrefix).toMatch(/Index Cond: .*>= .*< /);
    expect(byRole).toContain('devauth_users_role_username_idx');
    expect(byRole).toMatch(/Index Cond: .*role = /);
    expect(disabled).toContain('devauth_users_disabled_username_idx');
    expect(byEmail).toContain('devauth_users_email_key');
    expect(invitationPage).toContain('devauth_invitations_listing_idx');
    expect(invitationPage).toMatch(/Index Cond: .*ROW/);
  });
}

export function itListsLikeTheOtherStores(client: () => SqlClient): void {
  it('lists users in code point order, as memory and DynamoDB do, whatever the collation of the database', async () => {
    const prefix = `cp${uniqueSuffix()}`;
    // Orders that differ between "C" and linguistic collations: case, punctuation, accents, beyond the BMP.
    const users = ['a', 'B', '_x', '-x', '0', 'é', 'e', 'ﬀ', '😀', 'z', 'Z', 'ab', 'a-b'].map((rest) =>
      sampleUser({ username: `${prefix}${rest}` }),
    );
    const memory = new InMemoryUserStore();
    await memory.createMany(users);
    await createPostgresStores(client()).users.createMany(users);
    const expected = (await memory.list({ usernamePrefix: prefix, limit: 100 })).users.map((user) => user.username);
    for (const limit of [1, 4, 100]) {
      expect((await listAll(client(), { usernamePrefix: prefix }, limit)).map((user) => user.username)).toEqual(
        expected,
      );
    }
  });

  it('matches a username prefix literally: "%", "\\" and "_" are no wildcards nor escapes', async () => {
    const base = `lit${uniqueSuffix()}`;
    const usernames = ['%a', '\\a', '_a', 'xa', '\\%a', '%%a'].map((rest) => `${base}${rest}`);
    await createPostgresStores(client()).users.createMany(usernames.map((username) => sampleUser({ username })));
    const listed = async (rest: string) =>
      (await listAll(client(), { usernamePrefix: `${base}${rest}` }, 2)).map((user) =>
        user.username.slice(base.length),
      );
    expect(await listed('%')).toEqual(['%%a', '%a']);
    expect(await listed('\\')).toEqual(['\\%a', '\\a']);
    expect(await listed('_')).toEqual(['_a']);
    expect(await listed('\\%')).toEqual(['\\%a']);
    expect(await listed('%%')).toEqual(['%%a']);
  });

  it('lists invitations of one instant by digest in code point order, descending, as memory does', async () => {
    const { invitations } = createPostgresStores(client());
    // Older than the contract's listing tests (a century ahead), newer than anything else: met early in a listing.
    const createdAt = new Date(Date.UTC(2120, 0, 1) + Math.floor(Math.random() * 86_400_000));
    const base = `inv_${uniqueSuffix()}`;
    const records: InvitationRecord[] = ['a', 'A', '_', 'Z', '-', '0', 'b-', 'bA'].map((rest) => ({
      codeHash: `${base}${rest}`,
      role: 'seller',
      createdAt,
      expiresAt: new Date(createdAt.getTime() + 1000),
      usedAt: null,
    }));
    const memory = new InMemoryInvitationStore();
    for (const record of records) {
      await memory.create(record);
      await invitations.create(record);
    }
    const expected = (await memory.list({ limit: 100 })).invitations.map((record) => record.codeHash);
    const mine: string[] = [];
    let after: string | undefined;
    for (let pages = 0; mine.length < records.length; pages++) {
      expect(pages).toBeLessThan(1000);
      const page = await invitations.list({ limit: 3, ...(after === undefined ? {} : { after }) });
      mine.push(...page.invitations.map((record) => record.codeHash).filter((hash) => hash.startsWith(base)));
      if (page.nextCursor === null) break;
      after = page.nextCursor;
    }
    expect(mine).toEqual(expected);
  });
}

export function itImportsLikeCreate(client: () => SqlClient): void {
  it('tells apart users of one batch sharing an id: the first that fits is created, an id taken is username_taken', async () => {
    const { users } = createPostgresStores(client());
    const holder = sampleUser();
    await users.create(holder);
    const sameId = sampleUser();
    const tag = uniqueSuffix();
    const cases: [readonly UserRecord[], readonly string[]][] = [
      // Two with one id: the second collides with the first.
      [
        [sameId, { ...sampleUser(), id: sameId.id }],
        ['created', 'username_taken'],
      ],
      // The first is refused for its username, so the second, with the same id, fits.
      [
        [
          { ...sampleUser({ username: holder.username }), id: `${tag}-1` },
          { ...sampleUser(), id: `${tag}-1` },
        ],
        ['username_taken', 'created'],
      ],
      // Same id and username: the first is refused for its address, the second (another address) is created.
      [
        [
          { ...sampleUser({ username: `${tag}-2`, email: holder.email }), id: `${tag}-2` },
          { ...sampleUser({ username: `${tag}-2` }), id: `${tag}-2` },
        ],
        ['email_taken', 'created'],
      ],
      // Identical twice: once.
      [
        [sampleUser({ id: `${tag}-3`, username: `${tag}-3` })].flatMap((user) => [user, user]),
        ['created', 'username_taken'],
      ],
      // An id stored already (an import run again) is reported as its username would be.
      [[{ ...sampleUser(), id: holder.id }], ['username_taken']],
    ];
    for (const [batch, outcomes] of cases) expect(await users.createMany(batch)).toEqual(outcomes);
    expect(await users.findById(sameId.id)).toEqual(sameId);
    expect(await users.findById(`${tag}-1`)).toEqual(cases[1]![0][1]);
    expect(await users.findById(`${tag}-2`)).toEqual(cases[2]![0][1]);
    expect(await users.findById(holder.id)).toEqual(holder);
  });

  it('frees what a refused user of the batch would have held for the users after it', async () => {
    const { users } = createPostgresStores(client());
    const holder = sampleUser();
    await users.create(holder);
    const refused = sampleUser({ username: holder.username });
    const later = sampleUser({ email: refused.email });
    const laterStill = sampleUser({ username: later.username });
    expect(await users.createMany([refused, later, laterStill])).toEqual([
      'username_taken',
      'created',
      'username_taken',
    ]);
    expect(await users.findByEmail(refused.email!)).toEqual(later);
  });

  it('answers an import run again with username_taken for every user, writing nothing', async () => {
    const { users } = createPostgresStores(client());
    const batch = Array.from({ length: 5 }, () => sampleUser());
    expect(await users.createMany(batch)).toEqual(batch.map(() => 'created'));
    expect(await users.createMany(batch)).toEqual(batch.map(() => 'username_taken'));
    for (const user of batch) expect(await users.findById(user.id)).toEqual(user);
  });

  it('takes createManyLimit users in one statement, and refuses more, or users that are not new, writing nothing', async () => {
    const recorder = recording(client());
    const { users } = createPostgresStores(recorder.client);
    expect(users.createManyLimit).toBe(1000);
    const prefix = `full${uniqueSuffix()}`;
    const batch = Array.from({ length: users.createManyLimit }, (_, index) => {
      const username = `${prefix}${String(index).padStart(4, '0')}`;
      return index % 2 === 0 ? sampleUser({ username }) : sampleUser({ username, email: null });
    });
    expect(await users.createMany(batch)).toEqual(batch.map(() => 'created'));
    expect(recorder.statements).toHaveLength(1);
    // One bind parameter whatever the batch size: the users as one JSON array.
    expect(recorder.statements[0]!.values).toHaveLength(1);
    expect(JSON.parse(recorder.statements[0]!.values[0] as string)).toHaveLength(users.createManyLimit);
    expect(await users.findById(batch[999]!.id)).toEqual(batch[999]);

    const tooMany = Array.from({ length: users.createManyLimit + 1 }, () => sampleUser());
    const notNew = [sampleUser(), sampleUser({ identityId: `us-east-1:${uniqueSuffix()}` })];
    const stale = [sampleUser(), sampleUser({ version: 2 })];
    recorder.statements.length = 0;
    for (const refused of [tooMany, notNew, stale]) {
      const attempt = users.createMany(refused);
      await expect(attempt).rejects.toBeInstanceOf(ValidationError);
      await expect(attempt).rejects.toMatchObject({
        issues: [expect.objectContaining({ path: expect.arrayContaining(['users']) })],
      });
      expect(await users.findById(refused[0]!.id)).toBeNull();
    }
    // Refused before any statement (the lookups above are the only ones).
    expect(recorder.statements.map((statement) => statement.text)).toEqual(
      Array.from({ length: 3 }, () => expect.stringMatching(/^SELECT .* WHERE id = \$1$/)),
    );
  });
}

/**
 * createMany against users another session commits while its statement runs (a pg server: PGlite has one session).
 * The statement's snapshot predates them, so it cannot say why it skipped a user; the second statement can.
 */
export function itResolvesConflictsCommittedMeanwhile(pool: () => Pool): void {
  /** Until the createMany statement waits on the other session's row lock. */
  async function untilWaiting(): Promise<void> {
    for (let attempt = 0; attempt < 250; attempt++) {
      const { rows } = await pool().query<{ waiting: number }>(
        "SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'WITH input AS%'",
      );
      if (rows[0]!.waiting > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('createMany never waited on the other session');
  }

  /**
   * createMany of `batch` while another session inserts `blocker` and commits once the statement waits on it;
   * `between` runs after createMany's first statement. Answers the outcomes and the number of statements sent.
   */
  async function raced(batch: readonly UserRecord[], blocker: UserRecord, between?: () => Promise<void>) {
    const other = await pool().connect();
    try {
      await other.query('BEGIN');
      await createPostgresStores(fromPgClient(other)).users.create(blocker);
      const base = fromPgPool(pool());
      let statements = 0;
      const hooked: SqlClient = {
        query: async <Row>(text: string, values?: readonly unknown[]) => {
          const result = await base.query<Row>(text, values);
          if (++statements === 1) await between?.();
          return result;
        },
        transaction: (work) => base.transaction(work),
      };
      const pending = createPostgresStores(hooked).users.createMany(batch);
      await untilWaiting();
      await other.query('COMMIT');
      return { outcomes: await pending, statements };
    } finally {
      other.release();
    }
  }

  it('reports a username or an address committed meanwhile as taken, with one more statement', async () => {
    const blocker = sampleUser();
    const free = sampleUser();
    expect(await raced([sampleUser({ username: blocker.username }), free], blocker)).toEqual({
      outcomes: ['username_taken', 'created'],
      statements: 2,
    });
    const other = sampleUser();
    expect(await raced([sampleUser({ email: other.email }), sampleUser()], other)).toEqual({
      outcomes: ['email_taken', 'created'],
      statements: 2,
    });
    expect(await createPostgresStores(fromPgPool(pool())).users.findById(free.id)).toEqual(free);
  });

  it('creates a user whose conflicting row was committed and deleted again meanwhile', async () => {
    const blocker = sampleUser();
    const user = sampleUser({ username: blocker.username });
    const users = createPostgresStores(fromPgPool(pool())).users;
    expect(await raced([user], blocker, () => users.delete(blocker.id))).toEqual({
      outcomes: ['created'],
      statements: 2,
    });
    expect(await users.findByUsername(user.username)).toEqual(user);
  });
}
