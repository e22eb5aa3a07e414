import { createHash } from 'node:crypto';
import { ValidationError } from '../domain/errors.js';

/** Which listing a cursor belongs to: a users cursor is never accepted by the invitations listing, nor back. */
export type AdminListing = 'users' | 'invitations';

/**
 * The cursors `AdministerUsers` hands out: base64url JSON of `{ v: 1, k: listing, f: filter digest, a: store
 * cursor }`. Opaque to callers; bound to the listing and to its filter (the digest of the canonical filter values),
 * so a cursor replayed with another filter, or on the other listing, is refused instead of answering a page of a
 * listing nobody asked for. The digest keeps the filter values (an email address) out of the cursor. Not signed: the
 * store checks the position it made itself, and a forged position only starts a listing elsewhere.
 */
export function wrapCursor(
  listing: AdminListing,
  filter: readonly unknown[],
  storeCursor: string | null,
): string | null {
  if (storeCursor === null) return null;
  const payload = { v: 1, k: listing, f: filterDigest(listing, filter), a: storeCursor };
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

/** The store cursor inside `cursor`; ValidationError (`cursor`) for one of another listing, filter or origin. */
export function unwrapCursor(listing: AdminListing, filter: readonly unknown[], cursor: string): string {
  const payload = decode(cursor);
  if (!payload || payload.k !== listing) {
    throw ValidationError.single('cursor', 'invalid', 'is not a cursor of this listing');
  }
  if (payload.f !== filterDigest(listing, filter)) {
    throw ValidationError.single('cursor', 'filter_mismatch', 'belongs to a listing with other filters');
  }
  return payload.a;
}

function decode(cursor: string): { k: string; f: string; a: string } | null {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  try {
    const payload: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof payload !== 'object' || payload === null) return null;
    const { v, k, f, a } = payload as Record<string, unknown>;
    if (v !== 1 || typeof k !== 'string' || typeof f !== 'string' || typeof a !== 'string' || a === '') return null;
    return { k, f, a };
  } catch {
    return null;
  }
}

function filterDigest(listing: AdminListing, filter: readonly unknown[]): string {
  return createHash('sha256')
    .update(JSON.stringify([listing, ...filter.map((value) => value ?? null)]), 'utf8')
    .digest('base64url')
    .slice(0, 22);
}
