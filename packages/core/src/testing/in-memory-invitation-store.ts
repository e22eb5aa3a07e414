import { ValidationError } from '../domain/errors.js';
import type { InvitationRecord } from '../domain/invitation.js';
import type { InvitationStore } from '../ports/invitation-store.port.js';

export class InMemoryInvitationStore implements InvitationStore {
  private readonly invitations = new Map<string, InvitationRecord>();

  async create(record: InvitationRecord): Promise<void> {
    this.invitations.set(record.codeHash, structuredClone(record));
  }

  async consume(codeHash: string, role: string, now: Date): Promise<boolean> {
    const invitation = this.invitations.get(codeHash);
    if (!invitation || invitation.role !== role || invitation.usedAt !== null) return false;
    if (invitation.expiresAt.getTime() <= now.getTime()) return false;
    this.invitations.set(codeHash, { ...invitation, usedAt: new Date(now) });
    return true;
  }

  async release(codeHash: string): Promise<void> {
    const invitation = this.invitations.get(codeHash);
    if (invitation) this.invitations.set(codeHash, { ...invitation, usedAt: null });
  }

  /**
   * Newest first: `createdAt` descending, then `codeHash` descending. The cursor is `m1.` + base64url of the JSON
   * position (`[createdAt ms, codeHash]`) of the page's last invitation: keyset, as for users.
   */
  async list(query: { readonly after?: string; readonly limit: number }): Promise<{
    readonly invitations: readonly InvitationRecord[];
    readonly nextCursor: string | null;
  }> {
    const after = query.after === undefined ? undefined : decodeCursor(query.after);
    const matching = [...this.invitations.values()]
      .filter((invitation) => after === undefined || compareNewestFirst(positionOf(invitation), after) > 0)
      .sort((a, b) => compareNewestFirst(positionOf(a), positionOf(b)));
    const invitations = matching.slice(0, Math.max(0, query.limit));
    const last = invitations.at(-1);
    return {
      invitations: invitations.map((invitation) => structuredClone(invitation)),
      nextCursor: matching.length > invitations.length && last ? encodeCursor(positionOf(last)) : null,
    };
  }

  async revoke(codeHash: string): Promise<boolean> {
    return this.invitations.delete(codeHash);
  }
}

type Position = readonly [createdAt: number, codeHash: string];

const positionOf = (invitation: InvitationRecord): Position => [invitation.createdAt.getTime(), invitation.codeHash];

/** Negative when `a` comes first (is newer). */
function compareNewestFirst(a: Position, b: Position): number {
  if (a[0] !== b[0]) return b[0] - a[0];
  return a[1] === b[1] ? 0 : a[1] > b[1] ? -1 : 1;
}

const CURSOR_PREFIX = 'm1.';

function encodeCursor(position: Position): string {
  return CURSOR_PREFIX + Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): Position {
  let position: unknown;
  try {
    if (!cursor.startsWith(CURSOR_PREFIX)) throw new Error('prefix');
    position = JSON.parse(Buffer.from(cursor.slice(CURSOR_PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    position = undefined;
  }
  if (
    !Array.isArray(position) ||
    position.length !== 2 ||
    !Number.isSafeInteger(position[0]) ||
    typeof position[1] !== 'string' ||
    encodeCursor(position as unknown as Position) !== cursor
  ) {
    throw ValidationError.single('cursor', 'invalid', 'is not a cursor of this listing');
  }
  return position as unknown as Position;
}
