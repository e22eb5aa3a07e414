import {
  createArgon2idHasher,
  createDefaultPasswordHasher,
  createPasswordHashing,
  type DevauthConfigInput,
  InvalidCredentialsError,
  type PasswordHasher,
  type PrimaryPasswordHasher,
  RefreshTokenInvalidError,
  type UserRecord,
  uuidv7Generator,
  ValidationError,
} from '@devauth/core';
import { describe, expect, it } from 'vitest';
import { NO_PASSWORD_HASH } from '../../src/domain/unusable-password.js';
import {
  type ImportRejection,
  type ImportReport,
  type ImportUserRow,
  ImportUsers,
  type ImportUsersOptions,
} from '../../src/use-cases/import-users.use-case.js';
import { legacyHashes } from '../hashing/fixtures/legacy-hashes.js';
import { FAST_ARGON2, makeDevauth, STRONG_PASSWORD } from '../support.js';

const OLD_PASSWORD = 'an old password from the previous system';
const NEW_PASSWORD = 'a brand new long passphrase 42';

/** The default composition (every legacy family) at small argon2id parameters, its primary's verifications counted. */
function countingDefaultHasher() {
  const primary = createArgon2idHasher(FAST_ARGON2);
  const primaryVerifies: string[] = [];
  const counted: PrimaryPasswordHasher = {
    ...primary,
    verify: (encoded, password) => {
      primaryVerifies.push(encoded);
      return primary.verify(encoded, password);
    },
  };
  const reference = createDefaultPasswordHasher({ argon2id: FAST_ARGON2 });
  // The same verifiers as the default, behind a primary that counts: the legacy families dispatch as in production.
  const hasher = createPasswordHashing({
    primary: counted,
    verifiers: [
      {
        algorithm: 'legacy',
        recognizes: (encoded) => !/^\$argon2/.test(encoded) && reference.recognizes!(encoded),
        verify: (encoded, password) => reference.verify(encoded, password),
      },
    ],
  });
  return { hasher, primaryVerifies };
}

function setup(config: DevauthConfigInput = {}, hasherOverride?: PasswordHasher) {
  const counting = countingDefaultHasher();
  const hasher = hasherOverride ?? counting.hasher;
  const context = makeDevauth({ passwordResetResponseFloorMs: 0, ...config }, { hasher });
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
  const rejections: ImportRejection[] = [];
  const progress: ImportReport[] = [];
  const run = (
    rows: AsyncIterable<ImportUserRow> | Iterable<ImportUserRow>,
    options: Partial<ImportUsersOptions> = {},
  ) =>
    importer.execute(rows, {
      onExisting: 'skip',
      onRejected: (rejection) => rejections.push(rejection),
      onProgress: (report) => progress.push(report),
      ...options,
    });
  return { ...context, hasher, importer, run, rejections, progress, primaryVerifies: counting.primaryVerifies };
}

const rows = (...values: Omit<ImportUserRow, 'line'>[]): ImportUserRow[] =>
  values.map((value, index) => ({ line: index + 1, ...value }));

describe('ImportUsers: legacy hashes', () => {
  it.each(['argon2id', 'argon2i', 'scrypt', 'bcrypt2a', 'bcrypt2b', 'bcrypt2y', 'django'] as const)(
    'a %s user logs in with the old password and gets an argon2id hash on that first login',
    async (family) => {
      const { run, devauth, users, events } = setup();
      const encoded = (await legacyHashes(OLD_PASSWORD))[family];
      const report = await run(rows({ username: 'Alice', email: 'Alice@Example.com', passwordHash: encoded }));
      expect(report).toEqual({ read: 1, created: 1, updated: 0, skipped: 0, rejected: 0 });
      const imported = await users.findByUsername('alice');
      expect(imported).toMatchObject({
        email: 'alice@example.com',
        emailVerified: false,
        role: 'shopper',
        status: 'active',
        passwordHash: encoded,
        passwordNormalization: 'none',
        identityId: null,
        version: 1,
      });

      await expect(devauth.login.execute({ username: 'alice', password: `${OLD_PASSWORD}!` })).rejects.toBeInstanceOf(
        InvalidCredentialsError,
      );
      const session = await devauth.login.execute({ username: 'alice', password: OLD_PASSWORD });
      expect(session.user.id).toBe(imported?.id);
      const upgraded = await users.findByUsername('alice');
      expect(upgraded?.passwordHash).toMatch(/^\$argon2id\$v=19\$/);
      expect(upgraded?.passwordNormalization).toBe('NFKC');
      expect(events.ofType('PasswordRehashed')).toEqual([expect.objectContaining({ userId: imported?.id })]);
      // And the new hash keeps working.
      await expect(devauth.login.execute({ username: 'alice', password: OLD_PASSWORD })).resolves.toBeDefined();
    },
  );

  it('checks a legacy hash against the raw password (normalization none), as the old system made it', async () => {
    const fullWidth = 'ｐａｓｓｗｏｒｄ ｆｒｏｍ ｂｅｆｏｒｅ'; // NFKC would turn it into ASCII
    const { run, devauth } = setup();
    const { django } = await legacyHashes(fullWidth);
    await run(rows({ username: 'bob', passwordHash: django }));
    await expect(
      devauth.login.execute({ username: 'bob', password: fullWidth.normalize('NFKC') }),
    ).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(devauth.login.execute({ username: 'bob', password: fullWidth })).resolves.toBeDefined();
  });

  it("takes passwordNormalization 'NFKC' for hashes devauth made (an export), and refuses other values", async () => {
    const { run, devauth, hasher, rejections } = setup();
    const fullWidth = 'ｐａｓｓｗｏｒｄ ｆｒｏｍ ｄｅｖａｕｔｈ';
    const encoded = await hasher.hash(fullWidth.normalize('NFKC'));
    const report = await run(
      rows(
        { username: 'carol', passwordHash: encoded, passwordNormalization: 'NFKC' },
        { username: 'dave', passwordHash: encoded, passwordNormalization: 'NFC' },
      ),
    );
    expect(report).toMatchObject({ created: 1, rejected: 1 });
    expect(rejections).toEqual([
      { line: 2, field: 'passwordNormalization', code: 'invalid_value', reason: expect.any(String) },
    ]);
    await expect(devauth.login.execute({ username: 'carol', password: fullWidth })).resolves.toBeDefined();
  });

  it('refuses hashes the hasher does not recognize, over-long ones first, and never puts a hash in a report', async () => {
    const { run, rejections, events, users } = setup();
    const { bcrypt2b, argon2id } = await legacyHashes(OLD_PASSWORD);
    const refused = [
      'md5$salt$5f4dcc3b5aa765d61d8327deb882cf99',
      '$1$saltsalt$qjXMvbEw8oaL.CzflDugX/',
      bcrypt2b.replace(/^\$2b\$/, '$2x$'),
      bcrypt2b.slice(0, -2),
      argon2id.replace(/m=128/, 'm=4194304'),
      `$2b$04$${'a'.repeat(2000)}`,
      '!',
      '!legacyunusable',
    ];
    const report = await run(
      refused.map((passwordHash, index) => ({ line: 10 + index, username: `user${index}`, passwordHash })),
    );
    expect(report).toEqual({ read: refused.length, created: 0, updated: 0, skipped: 0, rejected: refused.length });
    expect(users.size).toBe(0);
    expect(rejections.map(({ line, field, code }) => ({ line, field, code }))).toEqual([
      { line: 10, field: 'passwordHash', code: 'unrecognized_hash' },
      { line: 11, field: 'passwordHash', code: 'unrecognized_hash' },
      { line: 12, field: 'passwordHash', code: 'unrecognized_hash' },
      { line: 13, field: 'passwordHash', code: 'unrecognized_hash' },
      { line: 14, field: 'passwordHash', code: 'unrecognized_hash' },
      { line: 15, field: 'passwordHash', code: 'too_long' },
      { line: 16, field: 'passwordHash', code: 'unusable_hash' },
      { line: 17, field: 'passwordHash', code: 'unusable_hash' },
    ]);
    const reported = JSON.stringify([rejections, events.events]);
    for (const encoded of refused) expect(reported).not.toContain(encoded.slice(0, 24));
    expect(reported).not.toContain('5f4dcc3b');
    expect(reported).not.toContain('saltsalt');
  });

  it('never puts a valid hash into an event or a rejection either', async () => {
    const { run, rejections, events } = setup();
    const hashes = await legacyHashes(OLD_PASSWORD);
    await run([
      { line: 1, username: 'erin', passwordHash: hashes.django },
      { line: 2, username: 'frank', email: 'not an address', passwordHash: hashes.bcrypt2b },
      { line: 3, username: 'ge', passwordHash: hashes.scrypt },
      { line: 4, username: 'erin2', passwordHash: hashes.argon2i, noPassword: true },
    ]);
    expect(rejections.map(({ field }) => field)).toEqual(['email', 'username', 'noPassword']);
    const reported = JSON.stringify([rejections, events.events]);
    for (const encoded of Object.values(hashes)) {
      expect(reported).not.toContain(encoded);
      expect(reported).not.toContain(encoded.split('$').at(-1));
    }
  });

  it('without recognizes() on the hasher, refuses rows with hashes and still imports users without a password', async () => {
    const inner = createDefaultPasswordHasher({ argon2id: FAST_ARGON2 });
    const blind: PasswordHasher = {
      hash: (password) => inner.hash(password),
      verify: (encoded, password) => inner.verify(encoded, password),
      needsRehash: (encoded) => inner.needsRehash(encoded),
    };
    const { run, rejections } = setup({}, blind);
    const { django } = await legacyHashes(OLD_PASSWORD);
    const report = await run(rows({ username: 'hank', passwordHash: django }, { username: 'ivy', noPassword: true }));
    expect(report).toMatchObject({ created: 1, rejected: 1 });
    expect(rejections).toEqual([
      {
        line: 1,
        field: 'passwordHash',
        code: 'hasher_cannot_recognize',
        reason: expect.stringContaining('recognizes()'),
      },
    ]);
  });
});

describe('ImportUsers: row validation (the registration rules)', () => {
  it('canonicalizes usernames and emails as registration does and reports every bad row with its line', async () => {
    const { run, rejections, users } = setup({ roles: ['shopper', 'seller', 'admin'] });
    const { django } = await legacyHashes(OLD_PASSWORD);
    const report = await run([
      { line: 2, username: 'ＡＬＩＣＥ', passwordHash: django }, // full-width: refused, not folded
      { line: 3, username: 'pаypal', passwordHash: django }, // Cyrillic а
      { line: 4, username: 'ab', passwordHash: django },
      { line: 5, username: 42, passwordHash: django },
      { line: 6, username: 'x'.repeat(300), passwordHash: django },
      { line: 7, username: 'okname', email: 'nope', passwordHash: django },
      { line: 8, username: 'okname', email: 7, passwordHash: django },
      { line: 9, username: 'okname', role: 'guest', passwordHash: django },
      { line: 10, username: 'okname', role: 'superuser', passwordHash: django },
      { line: 11, username: 'okname', emailVerified: 'yes', passwordHash: django },
      { line: 12, username: 'okname', emailVerified: true, passwordHash: django },
      { line: 13, username: 'okname', status: 'banned', passwordHash: django },
      { line: 14, username: 'okname' },
      { line: 15, username: 'okname', passwordHash: 12 },
      { line: 16, username: 'okname', noPassword: 'true' },
      { line: 17, username: 'okname', passwordHash: django, noPassword: true },
      null as unknown as ImportUserRow,
      {
        line: 19,
        username: '  Émile.Zola ',
        email: '  Emile@Example.COM ',
        emailVerified: true,
        role: 'seller',
        status: 'disabled',
        passwordHash: django,
      },
      { line: 20, username: 'Émile.Zola2', email: '', role: '', emailVerified: null, passwordHash: django },
    ]);
    expect(rejections.map(({ line, field, code }) => [line, field, code])).toEqual([
      [2, 'username', 'compatibility_character'],
      [3, 'username', 'mixed_scripts'],
      [4, 'username', 'too_short'],
      [5, 'username', 'invalid_type'],
      [6, 'username', 'too_long'],
      [7, 'email', 'invalid_email'],
      [8, 'email', 'invalid_type'],
      [9, 'role', 'unknown_role'],
      [10, 'role', 'unknown_role'],
      [11, 'emailVerified', 'invalid_type'],
      [12, 'emailVerified', 'without_email'],
      [13, 'status', 'invalid_value'],
      [14, 'passwordHash', 'required'],
      [15, 'passwordHash', 'invalid_type'],
      [16, 'noPassword', 'invalid_type'],
      [17, 'noPassword', 'exclusive'],
      [17, 'row', 'invalid_type'], // no line of its own: its ordinal among the rows read
      [19, 'username', 'disallowed_character'], // spaces are not trimmed from usernames, as in registration
    ]);
    for (const rejection of rejections) expect(rejection.reason).toEqual(expect.any(String));
    expect(rejections[0]?.reason).toContain('compatibility character');
    expect(report).toEqual({ read: 19, created: 1, updated: 0, skipped: 0, rejected: 18 });
    expect((await users.findByUsername('émile.zola2'))?.email).toBeNull();
  });

  it('imports what registration would accept, with the defaults for absent fields', async () => {
    const { run, users, events } = setup({ roles: ['shopper', 'seller', 'admin'] });
    const { django } = await legacyHashes(OLD_PASSWORD);
    const report = await run([
      {
        line: 1,
        username: 'Émile.Zola',
        email: '  Emile@Example.COM ',
        emailVerified: true,
        role: 'seller',
        status: 'disabled',
        passwordHash: django,
      },
      {
        line: 2,
        username: 'Emile2',
        email: '',
        role: '',
        emailVerified: null,
        passwordHash: django,
      },
      { line: 3, username: 'root', role: 'admin', noPassword: true },
    ]);
    expect(report).toEqual({ read: 3, created: 3, updated: 0, skipped: 0, rejected: 0 });
    expect(await users.findByUsername('émile.zola')).toMatchObject({
      email: 'emile@example.com',
      emailVerified: true,
      role: 'seller',
      status: 'disabled',
    });
    expect(await users.findByUsername('emile2')).toMatchObject({ email: null, emailVerified: false, role: 'shopper' });
    expect(await users.findByUsername('root')).toMatchObject({ role: 'admin', passwordHash: NO_PASSWORD_HASH });
    expect(events.ofType('UserImported').map(({ role }) => role)).toEqual(['seller', 'shopper', 'admin']);
  });

  it('requires an email when requireVerifiedEmail is on, as registration does', async () => {
    const { run, rejections } = setup({ requireVerifiedEmail: true });
    await run(
      rows({ username: 'nomail', noPassword: true }, { username: 'mail', email: 'm@example.com', noPassword: true }),
    );
    expect(rejections).toEqual([{ line: 1, field: 'email', code: 'required', reason: expect.any(String) }]);
  });

  it("refuses an onExisting other than 'skip' or 'update' before reading anything", async () => {
    const { importer } = setup();
    let pulled = 0;
    function* source(): Generator<ImportUserRow> {
      pulled++;
      yield { line: 1, username: 'someone', noPassword: true };
    }
    await expect(importer.execute(source(), { onExisting: 'overwrite' as 'skip' })).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(pulled).toBe(0);
  });
});

describe('ImportUsers: users without a password', () => {
  it('stores an unusable marker: no password logs in, and each attempt costs one real verification (the dummy)', async () => {
    const { run, devauth, users, primaryVerifies } = setup();
    await run(rows({ username: 'nopass', noPassword: true }));
    expect((await users.findByUsername('nopass'))?.passwordHash).toBe(NO_PASSWORD_HASH);

    for (const password of [OLD_PASSWORD, '', '!', NO_PASSWORD_HASH]) {
      const before = primaryVerifies.length;
      await expect(devauth.login.execute({ username: 'nopass', password })).rejects.toBeInstanceOf(
        InvalidCredentialsError,
      );
      // Without the fix the stored '!' matched no verifier and was refused at once: zero derivations, a fast answer.
      expect(primaryVerifies.slice(before)).toEqual([expect.stringMatching(/^\$argon2id\$v=19\$m=256,t=1,p=1\$/)]);
    }
    // Exactly what an unknown username costs.
    const before = primaryVerifies.length;
    await expect(devauth.login.execute({ username: 'nobody-here', password: OLD_PASSWORD })).rejects.toBeInstanceOf(
      InvalidCredentialsError,
    );
    expect(primaryVerifies.length - before).toBe(1);
  });

  it('costs a stored hash the hasher does not recognize (a corrupt record) one dummy verification as well', async () => {
    const { run, devauth, users, primaryVerifies } = setup();
    const { bcrypt2b } = await legacyHashes(OLD_PASSWORD);
    await run(rows({ username: 'corrupt', passwordHash: bcrypt2b }));
    const stored = (await users.findByUsername('corrupt'))!;
    await users.update({ ...stored, passwordHash: bcrypt2b.slice(0, 20), version: stored.version + 1 });
    const before = primaryVerifies.length;
    await expect(devauth.login.execute({ username: 'corrupt', password: OLD_PASSWORD })).rejects.toBeInstanceOf(
      InvalidCredentialsError,
    );
    expect(primaryVerifies.slice(before)).toEqual([expect.stringMatching(/^\$argon2id\$/)]);
  });

  it('gets a password through the reset flow (NFKC from then on), and logs in with it', async () => {
    const { run, devauth, users, outbox } = setup();
    await run(rows({ username: 'resetme', email: 'resetme@example.com', emailVerified: true, noPassword: true }));
    await devauth.requestPasswordReset.execute({ username: 'resetme' });
    const token = outbox.latest('password-reset', 'resetme@example.com')?.message.token;
    expect(token).toMatch(/^pwr_/);
    await devauth.completePasswordReset.execute({ token: token!, newPassword: NEW_PASSWORD });
    const stored = await users.findByUsername('resetme');
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(stored?.passwordNormalization).toBe('NFKC');
    await expect(devauth.login.execute({ username: 'resetme', password: NEW_PASSWORD })).resolves.toBeDefined();
  });
});

describe('ImportUsers: batches, memory and re-runs', () => {
  it('streams 20,000 rows lazily: one createMany per full batch, never more than a batch read ahead', async () => {
    const { run, users, progress, events } = setup();
    const limit = users.createManyLimit;
    const total = 20_000;
    let pulled = 0;
    const calls: { size: number; pulledAtCall: number }[] = [];
    const createMany = users.createMany.bind(users);
    users.createMany = async (batch: readonly UserRecord[]) => {
      calls.push({ size: batch.length, pulledAtCall: pulled });
      return createMany(batch);
    };
    async function* source(): AsyncGenerator<ImportUserRow> {
      for (let index = 0; index < total; index++) {
        pulled++;
        // Every 1,000th row is bad: it is reported and the import goes on.
        yield index % 1000 === 999
          ? { line: index + 1, username: '!', noPassword: true }
          : { line: index + 1, username: `user${index.toString().padStart(5, '0')}`, noPassword: true };
      }
    }
    const report = await run(source());
    const bad = total / 1000;
    expect(report).toEqual({ read: total, created: total - bad, updated: 0, skipped: 0, rejected: bad });
    expect(users.size).toBe(total - bad);
    expect(calls.length).toBe(Math.ceil((total - bad) / limit));
    let written = 0;
    for (const call of calls) {
      expect(call.size).toBeLessThanOrEqual(limit);
      // Rows read but not yet written: at most one batch (plus the bad rows among them).
      expect(call.pulledAtCall - written).toBeLessThanOrEqual(limit + Math.ceil(limit / 1000) + 1);
      written = call.pulledAtCall;
    }
    expect(progress.length).toBeGreaterThanOrEqual(calls.length);
    expect(progress.at(-1)).toEqual(report);
    for (let index = 1; index < progress.length; index++) {
      expect(progress[index]!.read).toBeGreaterThanOrEqual(progress[index - 1]!.read);
    }
    expect(events.ofType('UserImported')).toHaveLength(total - bad);
  });

  it('reads the next batch while one is written, but never has two writes in flight; a failed write ends it', async () => {
    const { run, users } = setup();
    Object.defineProperty(users, 'createManyLimit', { value: 10 });
    let pulled = 0;
    let writing = 0;
    const overlaps: number[] = [];
    const pulledDuringWrite: number[] = [];
    const createMany = users.createMany.bind(users);
    users.createMany = async (batch: readonly UserRecord[]) => {
      writing++;
      overlaps.push(writing);
      const before = pulled;
      await new Promise((resolve) => setTimeout(resolve, 5));
      pulledDuringWrite.push(pulled - before);
      try {
        return await createMany(batch);
      } finally {
        writing--;
      }
    };
    async function* source(count: number): AsyncGenerator<ImportUserRow> {
      for (let index = 0; index < count; index++) {
        pulled++;
        yield { line: index + 1, username: `piped${index}`, noPassword: true };
      }
    }
    const report = await run(source(55));
    expect(report).toEqual({ read: 55, created: 55, updated: 0, skipped: 0, rejected: 0 });
    expect(Math.max(...overlaps)).toBe(1);
    // While a batch was being written, the next one was read (all but the last write had rows behind them).
    expect(pulledDuringWrite.slice(0, 4).every((count) => count > 0)).toBe(true);

    const failing = setup();
    Object.defineProperty(failing.users, 'createManyLimit', { value: 10 });
    let calls = 0;
    failing.users.createMany = async () => {
      calls++;
      throw new Error('store down');
    };
    pulled = 0;
    await expect(failing.run(source(100))).rejects.toThrow('store down');
    expect(calls).toBe(1);
    expect(pulled).toBeLessThanOrEqual(21);
  });

  it('reports progress after each batch, every createManyLimit rows read, and last what the import returns', async () => {
    const { run, users, progress } = setup();
    Object.defineProperty(users, 'createManyLimit', { value: 3 });
    const report = await run(
      rows(
        { username: 'one', noPassword: true },
        { username: 'two', noPassword: true },
        { username: '-', noPassword: true }, // three rows read, the batch not full yet
        { username: 'three', noPassword: true },
      ),
    );
    expect(report).toEqual({ read: 4, created: 3, updated: 0, skipped: 0, rejected: 1 });
    expect(progress).toEqual([{ read: 3, created: 0, updated: 0, skipped: 0, rejected: 1 }, report]);
    const { run: runEmpty, progress: empty } = setup();
    expect(await runEmpty([])).toEqual({ read: 0, created: 0, updated: 0, skipped: 0, rejected: 0 });
    expect(empty).toHaveLength(1);
  });

  it('re-runs safely: existing users are skipped and never duplicated (arrays work as sources too)', async () => {
    const { run, users } = setup();
    const source = Array.from({ length: 250 }, (_, index) => ({
      line: index + 1,
      username: `member${index}`,
      email: `member${index}@example.com`,
      noPassword: true,
    }));
    expect(await run(source)).toEqual({ read: 250, created: 250, updated: 0, skipped: 0, rejected: 0 });
    expect(await run(source)).toEqual({ read: 250, created: 0, updated: 0, skipped: 250, rejected: 0 });
    expect(await run(source, { onExisting: 'update' })).toEqual({
      read: 250,
      created: 0,
      updated: 0,
      skipped: 250, // nothing to change
      rejected: 0,
    });
    expect(users.size).toBe(250);
  });

  it('handles a username twice in a file as a re-run would: skipped, or the later row applied', async () => {
    const { django, scrypt } = await legacyHashes(OLD_PASSWORD);
    const file = rows(
      { username: 'Twice', role: 'shopper', passwordHash: django },
      { username: 'twice', role: 'seller', passwordHash: scrypt },
    );

    const skipping = setup();
    expect(await skipping.run(file)).toMatchObject({ created: 1, skipped: 1, rejected: 0 });
    expect(await skipping.users.findByUsername('twice')).toMatchObject({ role: 'shopper', passwordHash: django });

    const updating = setup();
    expect(await updating.run(file, { onExisting: 'update' })).toMatchObject({ created: 1, updated: 1 });
    expect(await updating.users.findByUsername('twice')).toMatchObject({ role: 'seller', passwordHash: scrypt });
    expect(updating.users.size).toBe(1);
  });

  it('rejects a row whose email belongs to another user (in the store or earlier in the file), without stopping', async () => {
    const { run, devauth, rejections, users } = setup();
    await devauth.register.execute({ username: 'owner', password: STRONG_PASSWORD, email: 'taken@example.com' });
    const report = await run(
      rows(
        { username: 'intruder', email: 'TAKEN@example.com', noPassword: true },
        { username: 'first', email: 'shared@example.com', noPassword: true },
        { username: 'second', email: 'shared@example.com', noPassword: true },
        { username: 'fine', noPassword: true },
      ),
    );
    expect(report).toEqual({ read: 4, created: 2, updated: 0, skipped: 0, rejected: 2 });
    expect(rejections).toEqual([
      { line: 1, field: 'email', code: 'email_taken', reason: 'belongs to another user' },
      { line: 3, field: 'email', code: 'email_taken', reason: 'belongs to another user' },
    ]);
    // On update too: the existing user keeps its address, the row is reported.
    const update = await run(rows({ username: 'first', email: 'taken@example.com', noPassword: true }), {
      onExisting: 'update',
    });
    expect(update).toMatchObject({ updated: 0, rejected: 1 });
    expect((await users.findByUsername('first'))?.email).toBe('shared@example.com');
  });

  it('skips (or updates) a user the store reports as email_taken when it exists under the same username', async () => {
    const { run, users } = setup();
    await run(rows({ username: 'same', email: 'same@example.com', noPassword: true }));
    // A store may name the email conflict first (the in-memory one names the username): the row is still that user.
    const createMany = users.createMany.bind(users);
    users.createMany = async (batch) =>
      (await createMany(batch)).map((outcome) => (outcome === 'username_taken' ? 'email_taken' : outcome));
    expect(await run(rows({ username: 'same', email: 'same@example.com', noPassword: true }))).toMatchObject({
      skipped: 1,
      rejected: 0,
    });
  });
});

describe("ImportUsers: onExisting 'update'", () => {
  async function existingUser(config: DevauthConfigInput = {}) {
    const context = setup(config);
    const user = await context.devauth.register.execute({
      username: 'alice',
      password: STRONG_PASSWORD,
      email: 'alice@example.com',
    });
    const session = await context.devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD });
    const stored = (await context.users.findById(user.id))!;
    context.clock.advance(60);
    return { ...context, user, session, stored };
  }

  it('writes the row over the user (id, createdAt, IdentityId kept, version bumped) and revokes access on a new hash and role', async () => {
    const { run, devauth, users, stored, session, broker, events } = await existingUser();
    const { bcrypt2y } = await legacyHashes(OLD_PASSWORD);
    const report = await run(
      rows({
        username: 'ALICE',
        email: 'alice@new.example.com',
        emailVerified: true,
        role: 'seller',
        passwordHash: bcrypt2y,
      }),
      { onExisting: 'update' },
    );
    expect(report).toEqual({ read: 1, created: 0, updated: 1, skipped: 0, rejected: 0 });
    const updated = await users.findById(stored.id);
    expect(updated).toMatchObject({
      id: stored.id,
      createdAt: stored.createdAt,
      email: 'alice@new.example.com',
      emailVerified: true,
      role: 'seller',
      passwordHash: bcrypt2y,
      passwordNormalization: 'none',
      identityId: null, // cleared by the revocation
    });
    expect(updated!.version).toBeGreaterThan(stored.version);
    await expect(devauth.refresh.execute({ refreshToken: session.refreshToken })).rejects.toBeInstanceOf(
      RefreshTokenInvalidError,
    );
    expect(broker.unlinks).toEqual([{ developerUserId: stored.id, identityId: session.identityId }]);
    expect(events.ofType('AccessRevoked')).toEqual([
      expect.objectContaining({ userId: stored.id, reason: 'role_changed' }),
    ]);
    expect(events.ofType('UserAccessChanged')).toEqual([
      expect.objectContaining({ userId: stored.id, role: 'seller' }),
    ]);
    expect(events.ofType('UserImported')).toEqual([]);
    await expect(devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD })).rejects.toBeInstanceOf(
      InvalidCredentialsError,
    );
    await expect(devauth.login.execute({ username: 'alice', password: OLD_PASSWORD })).resolves.toBeDefined();
  });

  it('revokes on a new hash alone (password_changed) and on disabling, not on an email change', async () => {
    const { run, users, stored, events } = await existingUser();
    const keep = {
      username: 'alice',
      email: 'alice@example.com',
      passwordHash: stored.passwordHash,
      passwordNormalization: 'NFKC',
    };

    expect(await run(rows(keep), { onExisting: 'update' })).toMatchObject({ skipped: 1, updated: 0 });
    expect(await run(rows({ ...keep, email: 'other@example.com' }), { onExisting: 'update' })).toMatchObject({
      updated: 1,
    });
    expect(events.ofType('AccessRevoked')).toEqual([]);

    const { django } = await legacyHashes(OLD_PASSWORD);
    await run(rows({ ...keep, passwordHash: django, passwordNormalization: undefined }), { onExisting: 'update' });
    expect(events.ofType('AccessRevoked').map(({ reason }) => reason)).toEqual(['password_changed']);

    // No status in the row: the user keeps its status; 'disabled' disables and revokes.
    await run(rows({ ...keep, passwordHash: django, passwordNormalization: undefined, status: 'disabled' }), {
      onExisting: 'update',
    });
    expect((await users.findById(stored.id))?.status).toBe('disabled');
    expect(events.ofType('AccessRevoked').map(({ reason }) => reason)).toEqual(['password_changed', 'disabled']);
    expect(
      await run(rows({ ...keep, passwordHash: django, passwordNormalization: undefined }), { onExisting: 'update' }),
    ).toMatchObject({
      skipped: 1,
    });
    expect((await users.findById(stored.id))?.status).toBe('disabled');
  });

  it('takes a password away with noPassword (revoking access), and leaves a marker alone on a re-run', async () => {
    const { run, devauth, users, stored, events } = await existingUser();
    const row = { username: 'alice', email: 'alice@example.com', noPassword: true };
    expect(await run(rows(row), { onExisting: 'update' })).toMatchObject({ updated: 1 });
    expect((await users.findById(stored.id))?.passwordHash).toBe(NO_PASSWORD_HASH);
    expect(events.ofType('AccessRevoked').map(({ reason }) => reason)).toEqual(['password_changed']);
    await expect(devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD })).rejects.toBeInstanceOf(
      InvalidCredentialsError,
    );
    expect(await run(rows(row), { onExisting: 'update' })).toMatchObject({ skipped: 1, updated: 0 });
  });

  it('retries on a concurrent write of the same user and applies the row on the fresh record', async () => {
    const { run, users, stored } = await existingUser();
    const update = users.update.bind(users);
    let interfered = false;
    users.update = async (next) => {
      if (!interfered) {
        interfered = true;
        // A login storing its IdentityId lands between our read and our write.
        const fresh = (await users.findById(next.id))!;
        await update({
          ...fresh,
          version: fresh.version + 1,
          identityId: 'eu-west-1:00000000-0000-0000-0000-000000000001',
        });
      }
      return update(next);
    };
    expect(
      await run(rows({ username: 'alice', email: 'alice@example.com', noPassword: true, role: 'shopper' }), {
        onExisting: 'update',
      }),
    ).toMatchObject({
      updated: 1,
    });
    expect((await users.findById(stored.id))?.passwordHash).toBe(NO_PASSWORD_HASH);
  });

  it('reports the row and stops when revoking access fails after the write, so the operator can revoke it', async () => {
    const { run, rejections, broker, stored, users } = await existingUser();
    broker.unlinkUser = async () => {
      throw new Error('Cognito is down');
    };
    await expect(
      run(rows({ username: 'alice', email: 'alice@example.com', role: 'seller', noPassword: true }), {
        onExisting: 'update',
      }),
    ).rejects.toThrow('Cognito is down');
    expect(rejections).toEqual([expect.objectContaining({ line: 1, field: 'access', code: 'revocation_failed' })]);
    // The write happened; a re-run would find nothing to change, hence the report.
    expect((await users.findById(stored.id))?.role).toBe('seller');
  });
});
