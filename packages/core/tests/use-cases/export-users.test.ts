import { createDefaultPasswordHasher, USER_PAGE_LIMIT, type UserListQuery, uuidv7Generator } from '@devauth/core';
import { describe, expect, it } from 'vitest';
import { type ExportedUser, ExportUsers } from '../../src/use-cases/export-users.use-case.js';
import { type ImportUserRow, ImportUsers } from '../../src/use-cases/import-users.use-case.js';
import { legacyHashes } from '../hashing/fixtures/legacy-hashes.js';
import { FAST_ARGON2, makeDevauth, STRONG_PASSWORD } from '../support.js';

function setup() {
  const hasher = createDefaultPasswordHasher({ argon2id: FAST_ARGON2 });
  const context = makeDevauth({}, { hasher });
  const importer = new ImportUsers(
    {
      users: context.users,
      hasher,
      revokeAccess: context.devauth.revokeAccess,
      clock: context.clock,
      ids: uuidv7Generator,
      events: context.events,
    },
    context.devauth.config,
  );
  return { ...context, hasher, importer, exporter: new ExportUsers({ users: context.users }) };
}

async function collect(rows: AsyncIterable<ExportedUser>): Promise<ExportedUser[]> {
  const all: ExportedUser[] = [];
  for await (const row of rows) all.push(row);
  return all;
}

describe('ExportUsers', () => {
  it('pages through every user in username order, lazily, one page at a time', async () => {
    const { importer, exporter, users } = setup();
    const total = USER_PAGE_LIMIT * 2 + 50;
    await importer.execute(
      Array.from({ length: total }, (_, index) => ({
        line: index + 1,
        username: `u${String(total - index).padStart(4, '0')}`,
        noPassword: true,
      })),
      { onExisting: 'skip' },
    );
    const queries: UserListQuery[] = [];
    const list = users.list.bind(users);
    users.list = async (query) => {
      queries.push(query);
      return list(query);
    };
    const iterator = exporter.rows({ includeHashes: false })[Symbol.asyncIterator]();
    await iterator.next();
    expect(queries).toHaveLength(1); // nothing read ahead of the consumer
    const rest: ExportedUser[] = [];
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) rest.push(next.value);
    expect(rest).toHaveLength(total - 1);
    expect(queries.map(({ limit }) => limit)).toEqual([USER_PAGE_LIMIT, USER_PAGE_LIMIT, USER_PAGE_LIMIT]);
    expect(queries[0]?.after).toBeUndefined();
    expect(queries[1]?.after).toEqual(expect.any(String));
    const names = rest.map(({ username }) => username);
    expect(names).toEqual([...names].sort());
    expect(names[0]).toBe('u0002');
  });

  it('leaves hashes out unless includeHashes is exactly true (noPassword, no secret, is always there)', async () => {
    const { devauth, importer, exporter } = setup();
    await devauth.register.execute({ username: 'alice', password: STRONG_PASSWORD, email: 'Alice@example.com' });
    await importer.execute([{ line: 1, username: 'nopass', role: 'seller', noPassword: true }], { onExisting: 'skip' });
    const expected = [
      { username: 'alice', email: 'alice@example.com', emailVerified: false, role: 'shopper', status: 'active' },
      { username: 'nopass', email: null, emailVerified: false, role: 'seller', status: 'active', noPassword: true },
    ];
    expect(await collect(exporter.rows({ includeHashes: false }))).toEqual(expected);
    expect(await collect(exporter.rows({ includeHashes: 'yes' as unknown as boolean }))).toEqual(expected);
    const withHashes = await collect(exporter.rows({ includeHashes: true }));
    expect(withHashes).toEqual([
      { ...expected[0], passwordHash: expect.stringMatching(/^\$argon2id\$/), passwordNormalization: 'NFKC' },
      expected[1],
    ]);
  });

  it('writes what the import reads: an export with hashes imports into another store, and everyone logs in', async () => {
    const source = setup();
    const fullWidth = 'ｆｕｌｌ ｗｉｄｔｈ ｐａｓｓｐｈｒａｓｅ';
    await source.devauth.register.execute({ username: 'alice', password: fullWidth, email: 'alice@example.com' });
    const { django } = await legacyHashes('an old password from before');
    await source.importer.execute(
      [
        { line: 1, username: 'legacy', passwordHash: django, role: 'seller', status: 'disabled' },
        { line: 2, username: 'nopass', noPassword: true },
      ],
      { onExisting: 'skip' },
    );
    const exported = await collect(source.exporter.rows({ includeHashes: true }));

    const target = setup();
    const rejected: unknown[] = [];
    const report = await target.importer.execute(
      exported.map((row, index): ImportUserRow => ({ line: index + 1, ...row })),
      { onExisting: 'skip', onRejected: (rejection) => rejected.push(rejection) },
    );
    expect(rejected).toEqual([]);
    expect(report).toMatchObject({ created: 3 });
    expect(await collect(target.exporter.rows({ includeHashes: true }))).toEqual(exported);
    // Alice's hash was made from NFKC: it still verifies after the move (the normalization travelled with it).
    await expect(target.devauth.login.execute({ username: 'alice', password: fullWidth })).resolves.toBeDefined();
    expect((await target.users.findByUsername('legacy'))?.status).toBe('disabled');
  });
});
