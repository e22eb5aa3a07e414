import type { DevauthConfig } from '../domain/config.js';
import {
  ConfigurationError,
  EmailTakenError,
  UserNotFoundError,
  UsernameTakenError,
  ValidationError,
  VersionConflictError,
} from '../domain/errors.js';
import { PASSWORD_NORMALIZATION } from '../domain/password-policy.js';
import type { Role } from '../domain/role.js';
import { isUnusablePasswordHash, NO_PASSWORD_HASH } from '../domain/unusable-password.js';
import { nextVersion, type PasswordNormalization, type UserRecord, type UserStatus } from '../domain/user.js';
import { canonicalizeEmail, canonicalizeUsername, USERNAME_PROBLEM_MESSAGES } from '../domain/username.js';
import type { Clock } from '../ports/clock.port.js';
import type { EventSink } from '../ports/event-sink.port.js';
import type { IdGenerator } from '../ports/id-generator.port.js';
import type { PasswordHasher } from '../ports/password-hasher.port.js';
import type { UserStore } from '../ports/user-store.port.js';
import { publishSafely } from './publish.js';
import type { AccessRevocationReason, RevokeUserAccess } from './revoke-user-access.use-case.js';

/**
 * One user of an import, as the file reader (JSON Lines, CSV) parsed it. Every field is `unknown`: the use case
 * checks them all, with the registration's canonicalization and bounds.
 */
export interface ImportUserRow {
  /** 1-based line in the source file, for reports. */
  readonly line: number;
  readonly username: unknown;
  /** Absent, null or '' = none. */
  readonly email?: unknown;
  /** Boolean, default false; true only with an email. */
  readonly emailVerified?: unknown;
  /** Default `config.defaultRole`; must be a configured role (`guest` never is). */
  readonly role?: unknown;
  /**
   * `'active'` or `'disabled'`. A new user defaults to active; an existing user being updated keeps its status
   * when the row has none (so re-running a file without statuses never re-enables a disabled account).
   */
  readonly status?: unknown;
  /**
   * A hash the configured hasher recognizes (the default: argon2id/argon2i/argon2d PHC, scrypt PHC, bcrypt
   * `$2a$`/`$2b$`/`$2y$`, Django `pbkdf2_sha256$…`), at most {@link IMPORT_PASSWORD_HASH_MAX_LENGTH} characters.
   */
  readonly passwordHash?: unknown;
  /**
   * How the password was normalized before it was hashed: `'none'` (default: a hash made elsewhere, from the raw
   * password) or `'NFKC'` (a hash exported from devauth, see `ExportUsers`). Only with `passwordHash`.
   */
  readonly passwordNormalization?: unknown;
  /**
   * true: a user with no password (cannot log in until a password reset sets one). Exclusive with `passwordHash`;
   * one of the two is required.
   */
  readonly noPassword?: unknown;
}

export interface ImportRejection {
  readonly line: number;
  /** The row's field at fault (`username`, `email`, ..., `row` for a row that is no object at all). */
  readonly field: string;
  /** Stable and machine-readable (`invalid_email`, `email_taken`, `unrecognized_hash`, ...). */
  readonly code: string;
  /** For people. Fixed text: never a value of the row, never the hash. */
  readonly reason: string;
}

export interface ImportUsersOptions {
  /** What a row whose username exists does: counted as skipped, or written over the existing user. */
  readonly onExisting: 'skip' | 'update';
  /** Each row not imported, and why; the import goes on. */
  readonly onRejected?: (rejection: ImportRejection) => void;
  /** After each batch written (and at least every `createManyLimit` rows read), and once at the end. */
  readonly onProgress?: (progress: ImportReport) => void;
}

export interface ImportReport {
  /** Rows taken from the source. */
  readonly read: number;
  readonly created: number;
  /** Existing users whose record the row changed (`onExisting: 'update'`). */
  readonly updated: number;
  /** Existing users left as they were: `onExisting: 'skip'`, or an update that had nothing to change. */
  readonly skipped: number;
  readonly rejected: number;
}

export interface ImportUsersDependencies {
  readonly users: UserStore;
  /** Decides which hashes are importable (`recognizes`) and verifies them at login. */
  readonly hasher: PasswordHasher;
  /** Updates that change a role or a password hash, or disable a user, take its access away through it. */
  readonly revokeAccess: RevokeUserAccess;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly events: EventSink;
}

/** Longest password hash a row may carry, checked before anything else looks at it. No supported format nears it. */
export const IMPORT_PASSWORD_HASH_MAX_LENGTH = 1024;

/** Optimistic-concurrency attempts of an update against concurrent writers of the same user (a login). */
const WRITE_ATTEMPTS = 3;

/** The registration's message for a refused address (RegisterUser). */
const INVALID_EMAIL_MESSAGE = 'must be a valid email address of at most 254 characters';

interface Candidate {
  readonly line: number;
  readonly record: UserRecord;
  /** Whether the row said `status` (an update applies it only then). */
  readonly statusGiven: boolean;
}

type Checked = { readonly ok: true; readonly candidate: Candidate } | ({ readonly ok: false } & ImportRejection);

/** Resolves after one turn of the event loop (setImmediate: no timer's 1 ms clamp, a batch of PGlite's is ~35 ms). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Imports an existing user base: rows (from any iterable, typically a stream of a file's lines) are checked one by
 * one with the registration's canonicalization and bounds, collected into batches of `users.createManyLimit` and
 * written with one `createMany` each, the next batch checked while one is written. At most two batches are held: the
 * source is read lazily, so a million rows take constant memory. A bad row is reported (`onRejected`: line, field, reason, never the hash) and the import goes on.
 *
 * Hashes are stored as they are, with `passwordNormalization: 'none'` (they were made from the raw password):
 * the user logs in with the old password, and Login replaces the hash with an argon2id one on that first success.
 * A `noPassword` row stores an unusable marker (`NO_PASSWORD_HASH`) against which nothing verifies; such a user sets
 * a password through the password-reset flow.
 *
 * Re-running is safe: a user is found by its canonical username, never created twice. With `onExisting: 'skip'` it
 * is left alone; with `'update'` the row is authoritative (email, emailVerified, role, the hash and, when given,
 * status), written with optimistic concurrency (id, createdAt and IdentityId kept), and a change of role or hash, or
 * a disabling, revokes the user's access (sessions and Cognito link) through `RevokeUserAccess`. Note that an update
 * puts the file's hash back even over a password the user changed since the last import.
 *
 * A username twice in one file is handled as a re-run would: the first row creates the user, a later one finds it
 * existing (skipped or applied per `onExisting`). Remembering every name read would cost memory in the file's size.
 * An email address that belongs to another user rejects the row (`email_taken`).
 *
 * Store failures (an outage) are not a bad row: they end the import with their error, and the import can be run
 * again. Events: `UserImported` per created user, `UserAccessChanged` per updated role or status (plus
 * `AccessRevoked` from the revocation). Nothing logged, reported or published contains a hash.
 */
export class ImportUsers {
  constructor(
    private readonly deps: ImportUsersDependencies,
    private readonly config: DevauthConfig,
  ) {}

  async execute(
    rows: AsyncIterable<ImportUserRow> | Iterable<ImportUserRow>,
    options: ImportUsersOptions,
  ): Promise<ImportReport> {
    if (options?.onExisting !== 'skip' && options?.onExisting !== 'update') {
      throw ValidationError.single('onExisting', 'invalid_value', "must be 'skip' or 'update'");
    }
    const limit = this.deps.users.createManyLimit;
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new ConfigurationError('The user store must declare a createManyLimit of at least 1.');
    }
    const run = new ImportRun(this.deps, options);
    let batch: Candidate[] = [];
    // One batch is written while the next is read and checked: the store's round trip and the rows' checks overlap,
    // and batches still reach the store one after another, in file order (a username twice in the file is decided
    // as before). Rejections found meanwhile wait for the batch in flight, so reports keep the order of the batches.
    let inFlight: Promise<void> | undefined;
    let waiting: Checked[] = [];
    const settle = async () => {
      if (inFlight) await inFlight;
      inFlight = undefined;
      for (const rejection of waiting) if (!rejection.ok) run.reject(rejection);
      waiting = [];
    };
    try {
      for await (const row of rows) {
        run.read++;
        const checked = this.check(row, run.read);
        if (checked.ok) batch.push(checked.candidate);
        else if (inFlight) waiting.push(checked);
        else run.reject(checked);
        if (batch.length >= limit) {
          await settle();
          const full = batch;
          batch = [];
          inFlight = run.flush(full).then(() => run.progress());
          // Observed at the next settle(); until then a failure must not count as unhandled.
          inFlight.catch(() => {});
          // Rows from a synchronous source are read and checked in microtasks alone, which would hold the store's
          // request back until the next batch is full (a connection pool hands out its client in a later task):
          // one turn of the event loop lets it go out first. PostgreSQL 15 import rate 0.69x -> 0.93x of the raw
          // batch write (pnpm bench, import figures).
          await nextTurn();
        } else if (!inFlight && run.read - run.readAtProgress >= limit) {
          run.progress();
        }
      }
      await settle();
    } finally {
      // A failing source or store: the write in flight still ends before the error leaves (nothing runs behind it).
      await inFlight?.catch(() => {});
    }
    if (batch.length > 0) await run.flush(batch);
    run.progress(true);
    return run.report();
  }

  /** One row against the registration's rules; the cheap checks only (no store, no hashing). */
  private check(row: ImportUserRow, ordinal: number): Checked {
    const line = typeof row?.line === 'number' && Number.isSafeInteger(row.line) && row.line >= 1 ? row.line : ordinal;
    if (typeof row !== 'object' || row === null) return refusal(line, 'row', 'invalid_type', 'must be an object');

    if (typeof row.username !== 'string') return refusal(line, 'username', 'invalid_type', 'must be a string');
    const username = canonicalizeUsername(row.username);
    if (!username.ok) return refusal(line, 'username', username.problem, USERNAME_PROBLEM_MESSAGES[username.problem]);

    let email: string | null = null;
    if (!isNone(row.email)) {
      if (typeof row.email !== 'string') return refusal(line, 'email', 'invalid_type', 'must be a string');
      email = canonicalizeEmail(row.email);
      if (email === null) return refusal(line, 'email', 'invalid_email', INVALID_EMAIL_MESSAGE);
    }
    if (this.config.requireVerifiedEmail && email === null) {
      return refusal(line, 'email', 'required', 'is required: the address must be verified before login');
    }

    const emailVerified = row.emailVerified ?? false;
    if (typeof emailVerified !== 'boolean')
      return refusal(line, 'emailVerified', 'invalid_type', 'must be true or false');
    if (emailVerified && email === null) {
      return refusal(line, 'emailVerified', 'without_email', 'cannot be true without an email address');
    }

    let role: Role = this.config.defaultRole;
    if (!isNone(row.role)) {
      if (typeof row.role !== 'string' || !this.config.roles.includes(row.role)) {
        return refusal(line, 'role', 'unknown_role', 'is not a configured role');
      }
      role = row.role;
    }

    const statusGiven = !isNone(row.status);
    let status: UserStatus = 'active';
    if (statusGiven) {
      if (row.status !== 'active' && row.status !== 'disabled') {
        return refusal(line, 'status', 'invalid_value', "must be 'active' or 'disabled'");
      }
      status = row.status;
    }

    const password = this.checkPassword(row);
    if ('code' in password) return refusal(line, password.field, password.code, password.reason);

    const now = this.deps.clock.now();
    return {
      ok: true,
      candidate: {
        line,
        statusGiven,
        record: {
          id: this.deps.ids.newId(),
          username: username.value,
          email,
          emailVerified,
          role,
          passwordHash: password.passwordHash,
          passwordNormalization: password.passwordNormalization,
          identityId: null,
          status,
          createdAt: now,
          updatedAt: now,
          version: 1,
        },
      },
    };
  }

  /** The stored hash and its normalization, or why not. Messages never quote the hash. */
  private checkPassword(
    row: ImportUserRow,
  ):
    | { readonly passwordHash: string; readonly passwordNormalization: PasswordNormalization }
    | { readonly field: string; readonly code: string; readonly reason: string } {
    const noPassword = row.noPassword ?? false;
    if (typeof noPassword !== 'boolean') {
      return { field: 'noPassword', code: 'invalid_type', reason: 'must be true or false' };
    }
    const hash = row.passwordHash;
    const hasHash = !isNone(hash);
    if (noPassword) {
      if (hasHash) {
        return { field: 'noPassword', code: 'exclusive', reason: 'cannot be given with a passwordHash' };
      }
      // Any password set later (a reset) is devauth's own, hashed after NFKC.
      return { passwordHash: NO_PASSWORD_HASH, passwordNormalization: PASSWORD_NORMALIZATION };
    }
    if (!hasHash) {
      return { field: 'passwordHash', code: 'required', reason: 'is required (or noPassword: true)' };
    }
    if (typeof hash !== 'string') return { field: 'passwordHash', code: 'invalid_type', reason: 'must be a string' };
    // The bound first: nothing else reads an over-long string.
    if (hash.length > IMPORT_PASSWORD_HASH_MAX_LENGTH) {
      return {
        field: 'passwordHash',
        code: 'too_long',
        reason: `must be at most ${IMPORT_PASSWORD_HASH_MAX_LENGTH} characters`,
      };
    }
    if (isUnusablePasswordHash(hash)) {
      return {
        field: 'passwordHash',
        code: 'unusable_hash',
        reason: 'is an unusable-password marker: use noPassword: true for a user without a password',
      };
    }
    if (typeof this.deps.hasher.recognizes !== 'function') {
      return {
        field: 'passwordHash',
        code: 'hasher_cannot_recognize',
        reason: 'cannot be checked: the configured password hasher does not implement recognizes()',
      };
    }
    if (!this.deps.hasher.recognizes(hash)) {
      return {
        field: 'passwordHash',
        code: 'unrecognized_hash',
        reason: 'is not a well-formed hash of a format the configured password hasher verifies',
      };
    }
    const normalization = row.passwordNormalization ?? 'none';
    if (normalization !== 'none' && normalization !== 'NFKC') {
      return { field: 'passwordNormalization', code: 'invalid_value', reason: "must be 'none' or 'NFKC'" };
    }
    return { passwordHash: hash, passwordNormalization: normalization };
  }
}

/** A module function, not a closure made per row: an import checks millions of rows. */
function refusal(line: number, field: string, code: string, reason: string): Checked {
  return { ok: false, line, field, code, reason };
}

/** Absent, null and '' all mean "none" (what a CSV's empty cell reads as). */
function isNone(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** The counters and store work of one `execute`. */
class ImportRun {
  read = 0;
  readAtProgress = 0;
  private created = 0;
  private updated = 0;
  private skipped = 0;
  private rejected = 0;
  private lastReport: ImportReport | undefined;

  constructor(
    private readonly deps: ImportUsersDependencies,
    private readonly options: ImportUsersOptions,
  ) {}

  report(): ImportReport {
    return {
      read: this.read,
      created: this.created,
      updated: this.updated,
      skipped: this.skipped,
      rejected: this.rejected,
    };
  }

  /** Reports the counters; at the end only when they changed since the last report (or none was made). */
  progress(final = false): void {
    const report = this.report();
    const last = this.lastReport;
    if (final && last && (Object.keys(report) as (keyof ImportReport)[]).every((key) => report[key] === last[key])) {
      return;
    }
    this.readAtProgress = this.read;
    this.lastReport = report;
    this.options.onProgress?.(report);
  }

  reject(rejection: ImportRejection): void {
    this.rejected++;
    const { line, field, code, reason } = rejection;
    this.options.onRejected?.({ line, field, code, reason });
  }

  /** One createMany for the batch, then the users that exist already, one by one, in file order. */
  async flush(batch: readonly Candidate[]): Promise<void> {
    const outcomes = await this.deps.users.createMany(batch.map((candidate) => candidate.record));
    if (outcomes.length !== batch.length) {
      throw new Error(`The user store answered createMany with ${outcomes.length} outcomes for ${batch.length} users.`);
    }
    for (const [index, candidate] of batch.entries()) {
      const outcome = outcomes[index];
      if (outcome === 'created') {
        this.announceCreated(candidate.record);
      } else if (outcome === 'username_taken') {
        await this.existing(candidate);
      } else if (await this.deps.users.findByUsername(candidate.record.username)) {
        // `email_taken` for a user that exists under this very name (a re-run): a store may name either conflict.
        await this.existing(candidate);
      } else {
        this.rejectEmailTaken(candidate);
      }
    }
  }

  private announceCreated(record: UserRecord): void {
    this.created++;
    publishSafely(this.deps.events, {
      type: 'UserImported',
      at: record.createdAt,
      userId: record.id,
      role: record.role,
    });
  }

  private rejectEmailTaken(candidate: Candidate): void {
    this.reject({
      line: candidate.line,
      field: 'email',
      code: 'email_taken',
      reason: 'belongs to another user',
    });
  }

  private async existing(candidate: Candidate): Promise<void> {
    if (this.options.onExisting === 'skip') {
      this.skipped++;
      return;
    }
    await this.update(candidate);
  }

  private async update(candidate: Candidate): Promise<void> {
    const wanted = candidate.record;
    for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
      const current = await this.deps.users.findByUsername(wanted.username);
      if (!current) {
        // Deleted since createMany saw it: the row creates it after all.
        try {
          await this.deps.users.create(wanted);
          this.announceCreated(wanted);
          return;
        } catch (error) {
          if (error instanceof EmailTakenError) return this.rejectEmailTaken(candidate);
          if (error instanceof UsernameTakenError) continue;
          throw error;
        }
      }
      const changes = changesFor(current, candidate);
      if (changes === null) {
        this.skipped++;
        return;
      }
      const now = this.deps.clock.now();
      try {
        await this.deps.users.update(nextVersion(current, changes, now));
      } catch (error) {
        if (error instanceof EmailTakenError) return this.rejectEmailTaken(candidate);
        if (error instanceof VersionConflictError) continue;
        throw error;
      }
      this.updated++;
      if (changes.role !== undefined || changes.status !== undefined) {
        publishSafely(this.deps.events, {
          type: 'UserAccessChanged',
          at: now,
          userId: current.id,
          ...(changes.status !== undefined ? { status: changes.status } : {}),
          ...(changes.role !== undefined ? { role: changes.role } : {}),
        });
      }
      const reason = revocationReason(current, changes);
      if (reason) await this.revoke(candidate, current.id, reason);
      return;
    }
    this.reject({
      line: candidate.line,
      field: 'row',
      code: 'concurrent_change',
      reason: `the user was changed concurrently ${WRITE_ATTEMPTS} times: import the row again`,
    });
  }

  /**
   * Written first, then revoked (as ChangeUserAccess does), so every later login and refresh sees the new state. If
   * the revocation fails, a re-run would find nothing left to change and revoke nothing: the row is reported for
   * the operator to revoke by hand, and the import ends with the error.
   */
  private async revoke(candidate: Candidate, userId: string, reason: AccessRevocationReason): Promise<void> {
    try {
      await this.deps.revokeAccess.execute(userId, reason);
    } catch (error) {
      if (error instanceof UserNotFoundError) return; // deleted meanwhile: nothing left to revoke
      this.options.onRejected?.({
        line: candidate.line,
        field: 'access',
        code: 'revocation_failed',
        reason: "the user was updated but revoking its access failed: revoke it (revokeAccess) before it's used",
      });
      throw error;
    }
  }
}

type UserChanges = Partial<
  Pick<UserRecord, 'email' | 'emailVerified' | 'role' | 'status' | 'passwordHash' | 'passwordNormalization'>
>;

/** What the row changes of the stored user, or null when nothing. */
function changesFor(current: UserRecord, candidate: Candidate): UserChanges | null {
  const wanted = candidate.record;
  const changes: {
    -readonly [K in keyof UserChanges]: UserChanges[K];
  } = {};
  if (current.email !== wanted.email) changes.email = wanted.email;
  if (current.emailVerified !== wanted.emailVerified) changes.emailVerified = wanted.emailVerified;
  if (current.role !== wanted.role) changes.role = wanted.role;
  if (candidate.statusGiven && current.status !== wanted.status) changes.status = wanted.status;
  const bothUnusable = isUnusablePasswordHash(current.passwordHash) && isUnusablePasswordHash(wanted.passwordHash);
  if (current.passwordHash !== wanted.passwordHash && !bothUnusable) {
    changes.passwordHash = wanted.passwordHash;
    changes.passwordNormalization = wanted.passwordNormalization;
  } else if (!bothUnusable && current.passwordNormalization !== wanted.passwordNormalization) {
    // The same hash, said to be of another normalization: no other password, only how it is checked.
    changes.passwordNormalization = wanted.passwordNormalization;
  }
  return Object.keys(changes).length > 0 ? changes : null;
}

/** Why an update takes the user's access away, if it does: a disabling, a role change, another password. */
function revocationReason(current: UserRecord, changes: UserChanges): AccessRevocationReason | undefined {
  if (changes.status === 'disabled' && current.status !== 'disabled') return 'disabled';
  if (changes.role !== undefined) return 'role_changed';
  if (changes.passwordHash !== undefined) return 'password_changed';
  return undefined;
}
