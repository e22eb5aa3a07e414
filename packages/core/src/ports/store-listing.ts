import { ValidationError } from '../domain/errors.js';
import type { UserRecord } from '../domain/user.js';

/**
 * What every store adapter checks the same way, so that a cursor, a page limit or a `createMany` batch is refused
 * with the same `ValidationError` (path and code) on every store, and the contract suites can hold them to it.
 */

/** Far above any real position (a username, an ISO date and a digest); bounds the work on hostile input. */
const MAX_STORE_CURSOR_LENGTH = 2048;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const CONTROL = /\p{Cc}/u;

/**
 * A store's listing cursor: base64url of a small JSON array, a tag naming the store, the listing and the format's
 * version (`'postgres-users-1'`), then the position of the page's last item. Opaque to callers.
 */
export function encodeStoreCursor(kind: string, position: readonly string[]): string {
  return Buffer.from(JSON.stringify([kind, ...position]), 'utf8').toString('base64url');
}

/**
 * The position a cursor of `kind` holds (`arity` non-empty strings). Anything this store did not make (another
 * store's cursor, another listing's, a truncated, re-encoded or altered string) is refused with `ValidationError` on
 * path `cursor`, before any request. Not signed, on purpose: a position is no secret and grants nothing; a forged one
 * only starts a listing elsewhere (the core also binds its own cursors to the listing's filter).
 */
export function decodeStoreCursor(kind: string, cursor: unknown, arity: number): string[] {
  if (typeof cursor !== 'string' || cursor.length > MAX_STORE_CURSOR_LENGTH || !BASE64URL.test(cursor)) {
    throw invalidStoreCursor();
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidStoreCursor();
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== arity + 1 ||
    parsed[0] !== kind ||
    // A position holds usernames, times, ids and digests, never a control character (a forged NUL would reach the
    // engine: PostgreSQL refuses it in text, SQLSTATE 22021).
    !parsed.every((part) => typeof part === 'string' && part !== '' && !CONTROL.test(part))
  ) {
    throw invalidStoreCursor();
  }
  const position = parsed.slice(1) as string[];
  // Only the exact string this store made: no other encoding of the same position (padding, other JSON spacing,
  // invalid UTF-8 replaced on decoding) passes.
  if (encodeStoreCursor(kind, position) !== cursor) throw invalidStoreCursor();
  return position;
}

export function invalidStoreCursor(): ValidationError {
  return ValidationError.single('cursor', 'invalid', 'This cursor was not issued by this listing.');
}

/** The core validates `limit`; this keeps a wrong one from reaching an engine (LIMIT -1, a ValidationException). */
export function assertPageLimit(limit: unknown): asserts limit is number {
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1) {
    throw ValidationError.single('limit', 'invalid', 'limit must be a positive integer.');
  }
}

/**
 * `createMany`'s input, checked before anything is written: an array of at most `limit` users, each new (version 1,
 * no IdentityId: there is no outcome for a taken IdentityId, users are linked on their first login, never imported
 * linked; another version would be an update).
 */
export function assertNewUsersBatch(users: unknown, limit: number): asserts users is readonly UserRecord[] {
  if (!Array.isArray(users)) throw ValidationError.single('users', 'invalid', 'createMany takes an array of users.');
  if (users.length > limit) {
    throw ValidationError.single('users', 'too_many', `createMany takes at most ${limit} users.`);
  }
  users.forEach((user: UserRecord, index) => {
    if (user?.identityId !== null || user.version !== 1) {
      throw new ValidationError([
        {
          path: ['users', String(index)],
          code: 'not_new',
          message: 'createMany takes new users only (version 1, no IdentityId).',
        },
      ]);
    }
  });
}

/**
 * Where an invitation listing stopped: the creation time (at the millisecond, as the stores write it: a JavaScript
 * Date) and the code's digest, the listing's order on every store.
 */
export interface InvitationListPosition {
  readonly createdAt: Date;
  readonly codeHash: string;
}

export const encodeInvitationCursor = (kind: string, position: InvitationListPosition): string =>
  encodeStoreCursor(kind, [position.createdAt.toISOString(), position.codeHash]);

export function decodeInvitationCursor(kind: string, cursor: unknown): InvitationListPosition {
  const [iso, codeHash] = decodeStoreCursor(kind, cursor, 2) as [string, string];
  const createdAt = new Date(iso);
  // Only the ISO form the stores write: no other spelling of a time (nor an invalid one) reaches a request.
  if (Number.isNaN(createdAt.getTime()) || createdAt.toISOString() !== iso) throw invalidStoreCursor();
  return { createdAt, codeHash };
}
