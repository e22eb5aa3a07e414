import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ALL_HASHES, devauth, FOREIGN, lines, openPglite, pgliteEnv, scratch } from './support.js';

/** Nothing a run printed or wrote may hold a hash, nor a recognizable piece of one. */
function expectNoHash(...texts: string[]) {
  const all = texts.join('\n');
  for (const hash of ALL_HASHES) {
    expect(all).not.toContain(hash);
    expect(all).not.toContain(hash.slice(-16));
  }
}

async function usernames(env: Readonly<Record<string, string | undefined>>) {
  const listed = await devauth(['list-users', '--all', '--json'], { env });
  expect(listed.code).toBe(0);
  return lines(listed.stdout).map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('devauth import-users and export-users', () => {
  const { dir, cleanup } = scratch('import');
  afterAll(cleanup);

  const jsonl = [
    { username: 'Argon', email: 'argon@example.com', emailVerified: true, passwordHash: FOREIGN.argon2id.hash },
    { username: 'argoni', passwordHash: FOREIGN.argon2i.hash, role: 'seller' },
    { username: 'scrypt', passwordHash: FOREIGN.scrypt.hash },
    { username: 'bcrypt', email: 'bcrypt@example.com', passwordHash: FOREIGN.bcrypt.hash },
    { username: 'django', passwordHash: FOREIGN.django.hash, status: 'disabled' },
    { username: 'nopass', noPassword: true },
    // Bad rows, one reason each:
    { username: 'bad email', passwordHash: FOREIGN.bcrypt.hash },
    { username: 'wizard', role: 'wizard', passwordHash: FOREIGN.argon2id.hash },
    { username: 'nohash' },
    { username: 'unknownhash', passwordHash: `$md5$${FOREIGN.argon2id.hash.slice(10)}` },
    { username: 'both', passwordHash: FOREIGN.scrypt.hash, noPassword: true },
    { username: 'dupemail', email: 'argon@example.com', passwordHash: FOREIGN.django.hash },
  ].map((row) => JSON.stringify(row));
  // Line 13: not JSON at all, with a hash in it; line 14: blank; line 15: an over-long line.
  jsonl.push(
    `{"username": "broken", "passwordHash": "${FOREIGN.bcrypt.hash}"`,
    '',
    `{"username":"${'x'.repeat(70_000)}"}`,
  );

  it('imports JSON Lines: every hash format, bad rows reported by line and reason (never a hash), exit 3', async () => {
    const env = pgliteEnv(dir);
    writeFileSync(join(dir, 'users.jsonl'), `${jsonl.join('\n')}\n`);
    const result = await devauth(['import-users', 'users.jsonl', '--rejects', 'rejects.jsonl', '--json'], {
      env,
      cwd: dir,
    });
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)).toEqual({ read: 14, created: 6, updated: 0, skipped: 0, rejected: 8 });
    const reported = lines(result.stderr);
    expect(reported).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^line 7: username: /),
        'line 8: role: is not a configured role',
        expect.stringMatching(/^line 9: passwordHash: is required/),
        expect.stringMatching(/^line 10: passwordHash: is not a well-formed hash/),
        expect.stringMatching(/^line 11: noPassword: /),
        'line 12: email: belongs to another user',
        'line 13: row: not valid JSON',
        'line 15: row: longer than 65536 bytes',
      ]),
    );
    expect(reported).toHaveLength(8);
    const rejects = lines(readFileSync(join(dir, 'rejects.jsonl'), 'utf8')).map((line) => JSON.parse(line));
    expect(rejects).toHaveLength(8);
    expect(rejects).toContainEqual({ line: 13, field: 'row', reason: 'not valid JSON' });
    expectNoHash(result.stdout, result.stderr, readFileSync(join(dir, 'rejects.jsonl'), 'utf8'));

    // Imported hashes verify: each user logs in with the password the other tool hashed.
    const composition = await openPglite(env);
    try {
      for (const [username, foreign] of [
        ['argon', FOREIGN.argon2id],
        ['argoni', FOREIGN.argon2i],
        ['scrypt', FOREIGN.scrypt],
        ['bcrypt', FOREIGN.bcrypt],
      ] as const) {
        const login = await composition.devauth.login.execute({ username, password: foreign.password });
        expect(login.user.username).toBe(username);
      }
      const django = await composition.users.findByUsername('django');
      expect(django?.status).toBe('disabled');
      expect((await composition.users.findByUsername('argoni'))?.role).toBe('seller');
    } finally {
      await composition.close();
    }
  });

  it('a re-run skips existing users (no duplicates); --on-existing update applies the file', async () => {
    const env = pgliteEnv(dir);
    const before = await usernames(env);
    const again = await devauth(['import-users', 'users.jsonl', '--json'], { env, cwd: dir });
    expect(again.code).toBe(3);
    expect(JSON.parse(again.stdout)).toMatchObject({ created: 0, skipped: 6, updated: 0 });
    expect(await usernames(env)).toEqual(before);

    writeFileSync(
      join(dir, 'update.jsonl'),
      `${JSON.stringify({ username: 'scrypt', role: 'seller', passwordHash: FOREIGN.scrypt.hash })}\n` +
        `${JSON.stringify({ username: 'newcomer', noPassword: true })}\n`,
    );
    const updated = await devauth(['import-users', 'update.jsonl', '--on-existing', 'update', '--json'], {
      env,
      cwd: dir,
    });
    expect(updated.stderr).toBe('');
    expect(updated.code).toBe(0);
    expect(JSON.parse(updated.stdout)).toEqual({ read: 2, created: 1, updated: 1, skipped: 0, rejected: 0 });
    const after = await usernames(env);
    expect(after.find((user) => user.username === 'scrypt')?.role).toBe('seller');
    expect(after).toHaveLength(before.length + 1);
  });

  it('imports CSV (RFC 4180: quotes, CRLF, a quoted line break) with bad rows by their first line', async () => {
    const env = pgliteEnv(join(dir, 'csv'));
    const csv =
      'username,email,emailVerified,role,passwordHash,noPassword\r\n' +
      `carla,carla@example.com,true,seller,"${FOREIGN.bcrypt.hash}",\r\n` +
      `"o""hara",,false,,${FOREIGN.django.hash},\r\n` +
      'dora,"dora@example.com",,,,true\r\n' +
      // A scrypt PHC hash has commas in its parameters: quoted, as RFC 4180 wants.
      `"multi\nline",,,,"${FOREIGN.scrypt.hash}",\r\n` +
      'eli,eli@example.com,maybe,,,true\r\n' +
      'fay,,,,,\r\n' +
      'short,row\r\n' +
      `gil,"gil@example.com"x,,,${FOREIGN.argon2id.hash},\r\n` +
      'hal,,,,,true\r\n';
    writeFileSync(join(dir, 'users.csv'), csv);
    const result = await devauth(['import-users', 'users.csv', '--json'], { env, cwd: dir });
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)).toMatchObject({ read: 9, created: 3, rejected: 6 });
    const reported = lines(result.stderr);
    expect(reported).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^line 3: username: /),
        expect.stringMatching(/^line 5: username: /),
        'line 7: emailVerified: must be true or false',
        expect.stringMatching(/^line 8: passwordHash: is required/),
        'line 9: row: has 2 fields, the header has 6',
        'line 10: row: text after the closing quote of a field',
      ]),
    );
    expectNoHash(result.stdout, result.stderr);
    const imported = await usernames(env);
    expect(imported.map((user) => user.username)).toEqual(['carla', 'dora', 'hal']);
    expect(imported[0]).toMatchObject({ email: 'carla@example.com', emailVerified: true, role: 'seller' });
  });

  it('a CSV header naming an unknown column stops before any write, with exit 1', async () => {
    writeFileSync(join(dir, 'bad-header.csv'), 'username,password\r\nann,secret\r\n');
    const result = await devauth(['import-users', 'bad-header.csv'], { env: pgliteEnv(join(dir, 'bh')), cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('bad-header.csv: line 1: the header names unknown columns ("password")');
    const missing = await devauth(['import-users', 'missing.jsonl'], { env: pgliteEnv(join(dir, 'bh')), cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cannot read missing.jsonl: no such file');
  });

  it('export-users writes the import format: hashes only with --include-hashes, and it imports back', async () => {
    const env = pgliteEnv(dir);
    const plain = await devauth(['export-users'], { env, cwd: dir });
    expect(plain.code).toBe(0);
    expectNoHash(plain.stdout);
    const plainRows = lines(plain.stdout).map((line) => JSON.parse(line) as Record<string, unknown>);
    // What the store holds now (the first test's logins upgraded the imported hashes to argon2id).
    const source = await openPglite(env);
    const storedHash = (await source.users.findByUsername('bcrypt'))?.passwordHash;
    await source.close();
    expect(storedHash).toMatch(/^\$/);
    for (const row of plainRows) {
      expect(Object.keys(row).sort()).toEqual(expect.arrayContaining(['emailVerified', 'role', 'status', 'username']));
      expect(row).not.toHaveProperty('passwordHash');
    }

    for (const format of ['jsonl', 'csv'] as const) {
      const file = `export.${format}`;
      const exported = await devauth(['export-users', '--include-hashes', '--output', file], { env, cwd: dir });
      expect(exported.code).toBe(0);
      expect(exported.stderr).toContain('with their password hashes');
      expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
      const text = readFileSync(join(dir, file), 'utf8');
      expect(text).toContain(storedHash);
      if (format === 'csv')
        expect(text.split('\r\n')[0]).toBe(
          'username,email,emailVerified,role,status,passwordHash,passwordNormalization,noPassword',
        );

      const target = pgliteEnv(join(dir, `roundtrip-${format}`));
      const imported = await devauth(['import-users', file, '--json'], { env: target, cwd: dir });
      expect(imported.stderr).toBe('');
      expect(imported.code).toBe(0);
      expect(JSON.parse(imported.stdout)).toMatchObject({ rejected: 0, created: plainRows.length });
      const strip = (users: Record<string, unknown>[]) =>
        users.map(({ username, email, emailVerified, role, status }) => ({
          username,
          email,
          emailVerified,
          role,
          status,
        }));
      expect(strip(await usernames(target))).toEqual(strip(await usernames(env)));

      const composition = await openPglite(target);
      try {
        const login = await composition.devauth.login.execute({
          username: 'bcrypt',
          password: FOREIGN.bcrypt.password,
        });
        expect(login.user.username).toBe('bcrypt');
        expect((await composition.users.findByUsername('nopass'))?.passwordHash).toBe('!');
      } finally {
        await composition.close();
      }
    }
  });
});
