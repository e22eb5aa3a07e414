import type { UserListQuery, UserPage } from '@devauth/core';
import { assertPageLimit, decodeStoreCursor, encodeStoreCursor } from '@devauth/core';
import { toStoreError } from './errors.js';
import { CURSOR_KIND } from './list-cursor.js';
import { toUserRecord, USER_COLUMNS, type UserRow } from './mappers.js';
import type { SqlExecutor } from './sql-client.js';

/**
 * `users.list`: one SELECT per page, keyset pagination on the unique username.
 *
 * Order: `username COLLATE "C"`, code point order whatever the database's default collation, so PostgreSQL lists in
 * the order the in-memory and DynamoDB stores do. "C" is also what makes the prefix an index range: only in byte
 * order do all the strings starting with a prefix sit together, and the planner derives
 * `>= $prefix AND < <next string>` from `starts_with` on an index of that collation only (devauth_users_username_c_idx
 * and the other indexes of migration 0007). `starts_with` is literal by construction: no LIKE pattern to escape, so
 * `_`, `%`, `\` and `.` in a prefix are ordinary characters. A hand-made range bound such as
 * `username < $prefix || chr(x'10FFFF')` would be wrong: it misses `<prefix><U+10FFFF>...`, and under a linguistic
 * collation (en-US) such a range may hold names without the prefix and miss some with it. The planner's bound is
 * only an index range; `starts_with` still filters every row, so correctness never rests on it.
 *
 * Keyset: `username COLLATE "C" > $after`, where `after` is the last username of the previous page. Usernames are
 * unique, so the position is exact: users created or deleted between pages never make another repeat or go missing
 * (a user created behind the position is simply not met). `LIMIT limit + 1` says whether a page follows without
 * another statement: a full page whose successor does not exist ends the listing (`nextCursor` null).
 *
 * Only the filters asked for are in the statement (fixed fragments; every value a `$n` parameter), so each listing
 * has a plain plan: with the drivers' unnamed statements, PostgreSQL plans each one with its parameter values, which
 * lets `status = $n` use the partial index of disabled users and `starts_with` its range.
 */
export async function listUsers(client: SqlExecutor, query: UserListQuery): Promise<UserPage> {
  assertPageLimit(query.limit);
  const after = query.after === undefined ? undefined : decodeUserCursor(query.after);
  const values: unknown[] = [];
  const parameter = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  const conditions: string[] = [];
  if (after !== undefined) conditions.push(`username COLLATE "C" > ${parameter(after)}`);
  // An empty prefix matches every username: no condition, as on DynamoDB.
  if (query.usernamePrefix) conditions.push(`starts_with(username COLLATE "C", ${parameter(query.usernamePrefix)})`);
  // At most one user (devauth_users_email_key is unique): the planner reads that index and sorts one row.
  if (query.email !== undefined) conditions.push(`email = ${parameter(query.email)}`);
  if (query.role !== undefined) conditions.push(`role = ${parameter(query.role)}`);
  if (query.status !== undefined) conditions.push(`status = ${parameter(query.status)}`);
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const text = `SELECT ${USER_COLUMNS} FROM devauth_users ${where}
   ORDER BY username COLLATE "C" LIMIT ${parameter(query.limit + 1)}`;

  let rows: UserRow[];
  try {
    ({ rows } = await client.query<UserRow>(text, values));
  } catch (error) {
    throw toStoreError(error, 'users.list');
  }
  const users = rows.slice(0, query.limit).map(toUserRecord);
  const last = users[users.length - 1];
  return { users, nextCursor: rows.length > query.limit && last ? userCursor(last.username) : null };
}

const userCursor = (username: string): string => encodeStoreCursor(CURSOR_KIND.users, [username]);

function decodeUserCursor(cursor: string): string {
  return decodeStoreCursor(CURSOR_KIND.users, cursor, 1)[0]!;
}
