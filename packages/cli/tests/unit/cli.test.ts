import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devauth, lines, openPglite, pgliteEnv, scratch } from './support.js';

const ADMIN_PASSWORD = 'a long admin passphrase 42';

describe('devauth: help and usage', () => {
  it('--help lists every command, the environment and the exit codes; a command has its own help', async () => {
    const global = await devauth(['--help']);
    expect(global.code).toBe(0);
    for (const name of [
      'create-admin',
      'create-invitation',
      'list-users',
      'set-role',
      'disable',
      'enable',
      'migrate',
      'doctor',
      'import-users',
      'export-users',
    ]) {
      expect(global.stdout).toContain(`  ${name} `);
    }
    expect(global.stdout).toContain('DEVAUTH_STORE');
    expect(global.stdout).toContain('3  import-users finished with rejected rows');

    const command = await devauth(['import-users', '--help']);
    expect(command.code).toBe(0);
    expect(command.stdout).toMatch(/^Usage: devauth import-users <file>/);
    expect(command.stdout).toContain('--on-existing <mode>');
    expect((await devauth(['help', 'doctor'])).stdout).toMatch(/^Usage: devauth doctor/);
    expect((await devauth(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each([
    [[], /Usage: devauth <command>/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['list-users', '--nope'], /unknown option --nope/],
    [['list-users', '--limit', '500'], /--limit must be a number from 1 to 100/],
    [['list-users', 'extra'], /takes no arguments/],
    [['import-users'], /missing <file>/],
    [['import-users', 'users.txt'], /cannot tell the format of "users.txt"/],
    [['import-users', 'users.csv', '--on-existing', 'merge'], /--on-existing must be skip or update/],
    [['create-invitation'], /--role is required/],
    [['create-invitation', '--role', 'seller', '--expires', 'soon'], /--expires: "soon" is not a duration/],
    [['set-role', 'alice'], /--role is required/],
    [['list-users', '--json=yes'], /--json takes no value/],
  ])('%j is a usage error: exit 2, what is wrong and where help is', async (args, message) => {
    const result = await devauth(args, { env: { DEVAUTH_STORE: 'memory' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    if (args.length > 0) expect(result.stderr).toMatch(/Run `devauth .*--help` for usage\./);
  });

  it('never echoes a password given on the command line, and refuses it', async () => {
    for (const args of [
      ['create-admin', '--username', 'alice', '--password', 'hunter2-secret'],
      ['create-admin', '--username', 'alice', '--password=hunter2-secret'],
      ['create-admin', '--username', 'alice', '--passwd=hunter2-secret'],
    ]) {
      const result = await devauth(args, { env: { DEVAUTH_STORE: 'memory' } });
      expect(result.code).toBe(2);
      expect(result.stdout + result.stderr).not.toContain('hunter2-secret');
    }
  });
});

describe('devauth: configuration errors in words', () => {
  it.each([
    [{}, 'DEVAUTH_STORE is not set: set it to dynamodb, postgres, pglite or memory'],
    [{ DEVAUTH_STORE: 'mysql' }, 'DEVAUTH_STORE is "mysql": set it to dynamodb, postgres, pglite or memory'],
    [{ DEVAUTH_STORE: 'dynamodb' }, 'DEVAUTH_TABLE_NAME: required when store is "dynamodb"'],
    [
      { DEVAUTH_STORE: 'postgres' },
      'DEVAUTH_DATABASE_URL or DEVAUTH_DATABASE_SECRET_ARN: required when store is "postgres"',
    ],
    [{ DEVAUTH_STORE: 'memory', DEVAUTH_TOKEN_DURATION_SECONDS: 'soon' }, 'DEVAUTH_TOKEN_DURATION_SECONDS:'],
  ])('%j: exit 1 with %j', async (env, message) => {
    const result = await devauth(['list-users'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
  });

  it('asks for the identity pool only where Cognito is called (set-role, disable), naming its variables', async () => {
    const result = await devauth(['disable', 'alice'], { env: { DEVAUTH_STORE: 'memory' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DEVAUTH_IDENTITY_POOL_ID: required when broker is "cognito"');
    expect(result.stderr).toContain('DEVAUTH_DEVELOPER_PROVIDER_NAME: required when broker is "cognito"');
  });

  it('an unreachable database is one sentence and never shows the password in its URL', async () => {
    const result = await devauth(['list-users'], {
      env: { DEVAUTH_STORE: 'postgres', DEVAUTH_DATABASE_URL: 'postgres://app:hunter2-db@127.0.0.1:1/devauth' },
    });
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/^devauth list-users: /);
    expect(result.stderr).not.toContain('hunter2-db');
  });
});

describe('devauth: administering users on PGlite', () => {
  const { dir, cleanup } = scratch('admin');
  const env = pgliteEnv(dir);
  let adminId = '';

  beforeAll(async () => {
    const users = [
      { username: 'amy', email: 'amy@example.com', role: 'shopper', noPassword: true },
      { username: 'ben', role: 'seller', noPassword: true },
      { username: 'cat', role: 'shopper', noPassword: true },
      { username: 'dan', role: 'shopper', status: 'disabled', noPassword: true },
      { username: 'eve', role: 'seller', noPassword: true },
    ];
    writeFileSync(join(dir, 'users.jsonl'), `${users.map((user) => JSON.stringify(user)).join('\n')}\n`);
    const imported = await devauth(['import-users', 'users.jsonl'], { env, cwd: dir });
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
  }, 120_000);
  afterAll(cleanup);

  it('create-admin reads the password from stdin; the admin then logs in through the core', async () => {
    const created = await devauth(
      ['create-admin', '--username', 'Root', '--email', 'root@example.com', '--password-stdin', '--json'],
      { env, input: `${ADMIN_PASSWORD}\n` },
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const admin = JSON.parse(created.stdout) as { id: string; username: string; role: string };
    expect(admin).toMatchObject({ username: 'root', role: 'admin', status: 'active' });
    expect(created.stdout).not.toContain(ADMIN_PASSWORD);
    adminId = admin.id;

    const composition = await openPglite(env);
    try {
      const login = await composition.devauth.login.execute({ username: 'root', password: ADMIN_PASSWORD });
      expect(login.role).toBe('admin');
      expect(login.user.id).toBe(adminId);
    } finally {
      await composition.close();
    }
  });

  it('create-admin refuses a weak password, a taken name and a missing terminal, in words', async () => {
    const weak = await devauth(['create-admin', '--username', 'weak', '--password-stdin'], { env, input: 'short\n' });
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/^devauth create-admin: invalid password: /);
    const taken = await devauth(['create-admin', '--username', 'root', '--password-stdin'], {
      env,
      input: ADMIN_PASSWORD,
    });
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('USERNAME_TAKEN');
    const noTerminal = await devauth(['create-admin', '--username', 'nobody'], { env });
    expect(noTerminal.code).toBe(2);
    expect(noTerminal.stderr).toContain('no terminal to prompt for the password: pipe it with --password-stdin');
  });

  it('create-invitation prints the code once, alone on stdout; it registers a seller exactly once', async () => {
    const result = await devauth(['create-invitation', '--role', 'seller', '--expires', '7d'], { env });
    expect(result.code).toBe(0);
    const printed = lines(result.stdout);
    expect(printed).toHaveLength(1);
    const code = printed[0]!;
    expect(code).toMatch(/^inv_/);
    expect(result.stderr).toContain('invitation for role seller, single use, expires');
    expect(result.stderr).toContain('shown only this once');
    expect(result.stderr).not.toContain(code);
    const expires = /expires (\S+)/.exec(result.stderr)![1]!;
    expect(Math.abs(Date.parse(expires) - (Date.now() + 7 * 86_400_000))).toBeLessThan(120_000);

    const composition = await openPglite(env);
    try {
      const register = (username: string) =>
        composition.devauth.register.execute({
          username,
          password: 'another long passphrase 7',
          role: 'seller',
          invitationCode: code,
        });
      await expect(register('invited')).resolves.toMatchObject({ role: 'seller' });
      await expect(register('again')).rejects.toMatchObject({ code: 'ROLE_NOT_ALLOWED' });
    } finally {
      await composition.close();
    }
  });

  it('list-users pages with --limit and --cursor, filters, and follows every page with --all', async () => {
    const first = await devauth(['list-users', '--limit', '2'], { env });
    expect(first.code).toBe(0);
    const table = lines(first.stdout);
    expect(table[0]).toMatch(/^USERNAME\s+ROLE\s+STATUS\s+EMAIL\s+ID$/);
    expect(table.slice(1).map((line) => line.split(/\s+/)[0])).toEqual(['amy', 'ben']);
    expect(table[1]).toContain('amy@example.com (unverified)');
    const cursor = /--cursor (\S+)/.exec(first.stderr)?.[1];
    expect(cursor).toBeDefined();

    const second = await devauth(['list-users', '--limit', '2', '--cursor', cursor!, '--json'], { env });
    expect(lines(second.stdout).map((line) => JSON.parse(line).username)).toEqual(['cat', 'dan']);

    const all = await devauth(['list-users', '--all', '--limit', '2', '--json'], { env });
    const everyone = lines(all.stdout).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(everyone.map((user) => user.username)).toEqual(['amy', 'ben', 'cat', 'dan', 'eve', 'invited', 'root']);
    for (const user of everyone) expect(Object.keys(user)).not.toContain('passwordHash');
    expect(all.stderr).not.toContain('--cursor');

    const sellers = await devauth(['list-users', '--role', 'seller', '--status', 'active', '--json'], { env });
    expect(lines(sellers.stdout).map((line) => JSON.parse(line).username)).toEqual(['ben', 'eve', 'invited']);
    const prefix = await devauth(['list-users', '--prefix', 'E', '--json'], { env });
    expect(lines(prefix.stdout).map((line) => JSON.parse(line).username)).toEqual(['eve']);
    const none = await devauth(['list-users', '--prefix', 'zz'], { env });
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('no users match');
    const badRole = await devauth(['list-users', '--role', 'wizard'], { env });
    expect(badRole.code).toBe(1);
    expect(badRole.stderr).toContain('invalid role: is not a configured role');
  });

  it('set-role, disable and enable change a user named by username or --id, and say when nothing changed', async () => {
    const promoted = await devauth(['set-role', 'Cat', '--role', 'seller', '--actor', 'ops-test'], { env });
    expect(promoted.code).toBe(0);
    expect(promoted.stdout).toContain('cat: role seller (was shopper); sessions revoked');
    // The audit trail: a JSON line on stderr naming the operator, the target and the change (never stdout).
    const audit = lines(promoted.stderr).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(audit).toContainEqual(
      expect.objectContaining({
        message: 'audit',
        source: 'devauth-cli',
        audit: expect.objectContaining({
          type: 'AdminAction',
          actor: { kind: 'operator', name: 'ops-test' },
          action: 'set_role',
          changes: { role: { from: 'shopper', to: 'seller' } },
        }),
      }),
    );
    expect(promoted.stdout).not.toContain('"audit"');
    const again = await devauth(['set-role', 'cat', '--role', 'seller'], { env });
    expect(again.stdout).toContain('cat already has the role seller: nothing changed');

    const auditFile = join(dir, 'audit', 'trail.jsonl');
    mkdirSync(join(dir, 'audit'));
    const disabled = await devauth(['disable', 'cat', '--json', '--audit-log', auditFile], { env });
    expect(disabled.stderr).toBe('');
    const trail = lines(readFileSync(auditFile, 'utf8')).map((line) => JSON.parse(line) as { audit: unknown });
    expect(trail).toEqual([
      expect.objectContaining({
        audit: expect.objectContaining({
          action: 'set_status',
          changes: { status: { from: 'active', to: 'disabled' } },
        }),
      }),
    ]);
    // Owner-only: the trail names users' ids.
    expect(statSync(auditFile).mode & 0o077).toBe(0);
    expect(JSON.parse(disabled.stdout)).toMatchObject({ username: 'cat', status: 'disabled', role: 'seller' });
    const catId = JSON.parse(disabled.stdout).id as string;
    const enabled = await devauth(['enable', '--id', catId], { env });
    expect(enabled.stdout).toContain('cat: enabled');
    const enabledAgain = await devauth(['enable', 'cat'], { env });
    expect(enabledAgain.stdout).toContain('cat is already enabled: nothing changed');

    const unknown = await devauth(['disable', 'nobody'], { env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no user named "nobody"');
    const unknownRole = await devauth(['set-role', 'cat', '--role', 'wizard'], { env });
    expect(unknownRole.code).toBe(1);
    expect(unknownRole.stderr).toContain('wizard');
    const both = await devauth(['disable', 'cat', '--id', catId], { env });
    expect(both.code).toBe(2);
    expect(adminId).not.toBe('');
  });

  it('migrate brings a PGlite data directory up to date, twice without harm; DynamoDB has nothing to migrate', async () => {
    const first = await devauth(['migrate'], { env });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/the schema is up to date \(\d+ migrations applied before\)/);
    const dynamo = await devauth(['migrate'], { env: { DEVAUTH_STORE: 'dynamodb', DEVAUTH_TABLE_NAME: 'devauth' } });
    expect(dynamo.code).toBe(1);
    expect(dynamo.stderr).toContain('migrate is for PostgreSQL');
  });
});
