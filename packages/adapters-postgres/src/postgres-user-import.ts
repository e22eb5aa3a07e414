import {
  assertNewUsersBatch,
  ConfigurationError,
  UpstreamUnavailableError,
  type UserCreateOutcome,
  type UserRecord,
} from '@devauth/core';
import { PostgresFailure, toStoreError, UPSTREAM } from './errors.js';
import { toBoolean, toTimestamp } from './mappers.js';
import type { SqlExecutor } from './sql-client.js';

/**
 * `users.createMany`: an import of many new users, each all or nothing, none failing another, in ONE statement.
 *
 * The users are read WITH ORDINALITY and inserted in input order by one `INSERT ... SELECT ... ORDER BY ord ON CONFLICT DO NOTHING`. A row is one user, so a user is all or nothing
 * (its uniqueness lives in the row's own indexes). DO NOTHING, without a conflict target, skips a row that any unique
 * index refuses (id, username, email) and keeps going; rows go in one after another, each checked against the
 * stored users and the rows this statement inserted before it, so of two users of the call with one username the
 * first is created and the second skipped: the outcomes are those of `create` called user after user.
 *
 * Why a skipped user was skipped is read in the same statement: only the users not inserted come back, each with
 * whether a stored user holds its username or id (`username_taken`: the order `create` reports conflicts in; an id
 * stored already is an import run again) or its address (`email_taken`). The rows inserted earlier in the call are
 * told apart in order, here. All the parts of one statement read one snapshot, taken when it starts, so
 * normally that is the whole story. A user can also be skipped for a row a concurrent transaction committed while
 * the statement ran, which the snapshot does not show: those users (and only those) are sent again once, in a second
 * statement whose snapshot shows that row, if it still exists (if it was deleted meanwhile, the user is created).
 *
 * The users travel as one JSON parameter (an array of objects, read by `json_to_recordset`), so the statement has one
 * bind parameter whatever the batch size, far from PostgreSQL's 65535, and the server parses the batch while Node
 * prepares the next one: JSON.stringify is native, where array parameters are escaped element by element in
 * JavaScript (which took Node's share of a batch from 0.17 to 0.30 of its time, measured side by side).
 * {@link CREATE_MANY_LIMIT} bounds the statement instead (about 300 bytes a user, and the time its transaction holds
 * the new rows' index entries, on which concurrent registrations of the same names wait).
 */

/** Users one call takes: a statement of a few hundred kilobytes, a few tens of milliseconds of server time. */
export const CREATE_MANY_LIMIT = 1000;

const OPERATION = 'users.createMany';

/** `version` is 1 and `identity_id` NULL for every user (checked before): new users, linked on their first login. */
const CREATE_MANY = `WITH input AS (
  SELECT *
    FROM ROWS FROM (json_to_recordset($1::json) AS (id text, username text, email text, role text,
                    password_hash text, password_normalization text, status text, created_at timestamptz,
                    updated_at timestamptz, email_verified boolean))
         WITH ORDINALITY AS i(id, username, email, role, password_hash, password_normalization, status,
                              created_at, updated_at, email_verified, ord)
), inserted AS (
  INSERT INTO devauth_users (id, username, email, role, password_hash, password_normalization, identity_id, status,
                             created_at, updated_at, version, email_verified)
  SELECT id, username, email, role, password_hash, password_normalization, NULL, status, created_at, updated_at, 1,
         email_verified
    FROM input
   ORDER BY ord
  ON CONFLICT DO NOTHING
  RETURNING id, username, email
)
-- Only the users not inserted as themselves come back, with why (an inserted user needs no reason): a row holding
-- this user's id, username and address is this user's, or (identical twins) the earlier twin's, which the caller's
-- in-batch sets answer for. The reasons are index probes (LATERAL joins, one per unique key), made for those users
-- only: EXISTS subqueries here let the planner hash the whole users table once per statement, and computing them
-- for every user halved the import's rate (pnpm bench, import figures).
SELECT i.ord,
       su.hit IS NOT NULL OR si.hit IS NOT NULL AS username_stored,
       se.hit IS NOT NULL AS email_stored
  FROM input i
  LEFT JOIN LATERAL (SELECT 1 AS hit FROM devauth_users u WHERE u.username = i.username) su ON true
  LEFT JOIN LATERAL (SELECT 1 AS hit FROM devauth_users u WHERE u.id = i.id) si ON true
  LEFT JOIN LATERAL (SELECT 1 AS hit FROM devauth_users u WHERE u.email = i.email) se ON true
 WHERE NOT EXISTS (SELECT 1 FROM inserted n
                    WHERE n.id = i.id AND n.username = i.username AND n.email IS NOT DISTINCT FROM i.email)
 ORDER BY i.ord`;

/** A user the statement did not insert as itself (users it did insert have no row). */
interface SkippedRow {
  readonly ord: unknown;
  readonly username_stored: unknown;
  readonly email_stored: unknown;
}

export async function createUsers(
  client: SqlExecutor,
  users: readonly UserRecord[],
): Promise<readonly UserCreateOutcome[]> {
  assertNewUsersBatch(users, CREATE_MANY_LIMIT);
  if (users.length === 0) return [];

  const first = await insertBatch(client, users);
  const unexplained = first.flatMap((outcome, index) => (outcome === undefined ? [index] : []));
  if (unexplained.length === 0) return first as UserCreateOutcome[];

  // Skipped for a row committed after the first statement's snapshot: once more, with a fresh snapshot.
  let again: (UserCreateOutcome | undefined)[];
  try {
    again = await insertBatch(
      client,
      unexplained.map((index) => users[index]!),
    );
  } catch (error) {
    // The first statement committed users: a retry of the whole call finds them taken, so never "not applied".
    if (error instanceof UpstreamUnavailableError && error.notApplied) {
      throw new UpstreamUnavailableError(error.upstream, error.retryAfterSeconds, {
        cause: error.cause,
        notApplied: false,
      });
    }
    throw error;
  }
  const outcomes = [...first];
  unexplained.forEach((index, position) => {
    outcomes[index] = again[position];
  });
  if (outcomes.some((outcome) => outcome === undefined)) {
    // Rows came and went under both statements (created and deleted again by others): contention, worth a retry of
    // the whole call, which reports the users created here as taken.
    throw new UpstreamUnavailableError(UPSTREAM, 1, {
      cause: new PostgresFailure(OPERATION, 'CONCURRENT_CONFLICT'),
      notApplied: false,
    });
  }
  return outcomes as UserCreateOutcome[];
}

/**
 * One statement: inserts what it can, and says per user `created`, `username_taken`, `email_taken`, or undefined
 * when the statement's snapshot does not show why the user was skipped.
 */
async function insertBatch(
  client: SqlExecutor,
  users: readonly UserRecord[],
): Promise<(UserCreateOutcome | undefined)[]> {
  let rows: SkippedRow[];
  try {
    ({ rows } = await client.query<SkippedRow>(CREATE_MANY, [
      JSON.stringify(
        users.map((user) => ({
          id: user.id,
          username: user.username,
          email: user.email,
          role: user.role,
          password_hash: user.passwordHash,
          password_normalization: user.passwordNormalization,
          status: user.status,
          created_at: toTimestamp(user.createdAt),
          updated_at: toTimestamp(user.updatedAt),
          email_verified: user.emailVerified,
        })),
      ),
    ]));
  } catch (error) {
    throw toStoreError(error, OPERATION);
  }
  // Rows in input order, each of a user sent (1-based ordinals, strictly increasing).
  const skipped = new Map<number, SkippedRow>();
  let previous = 0;
  for (const row of rows) {
    const ord = Number(row.ord);
    if (!Number.isInteger(ord) || ord <= previous || ord > users.length) {
      throw new ConfigurationError(`PostgreSQL answered ${OPERATION} with rows that do not match the users sent.`);
    }
    skipped.set(ord - 1, row);
    previous = ord;
  }

  // What the users created so far in this call hold, in input order: a later user clashing with one is taken.
  const ids = new Set<string>();
  const usernames = new Set<string>();
  const emails = new Set<string>();
  return users.map((user, index): UserCreateOutcome | undefined => {
    const row = skipped.get(index);
    // No row: a row with this user's id, username and address was inserted; of two users of the call with the same
    // id, username and address, the first is the one inserted (the second collided with it).
    if (row === undefined && !ids.has(user.id)) {
      ids.add(user.id);
      usernames.add(user.username);
      if (user.email !== null) emails.add(user.email);
      return 'created';
    }
    if ((row && toBoolean(row.username_stored)) || usernames.has(user.username) || ids.has(user.id)) {
      return 'username_taken';
    }
    if (user.email !== null && ((row && toBoolean(row.email_stored)) || emails.has(user.email))) return 'email_taken';
    return undefined;
  });
}
