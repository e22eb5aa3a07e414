import {
  EmailTakenError,
  IdentityTakenError,
  UsernameTakenError,
  ValidationError,
  VersionConflictError,
} from '../domain/errors.js';
import type { UserRecord } from '../domain/user.js';
import { assertNewUsersBatch } from '../ports/store-listing.js';
import type { UserCreateOutcome, UserListQuery, UserPage, UserStore } from '../ports/user-store.port.js';

/**
 * A UserStore in process memory, with the same guarantees as the real adapters: uniqueness of username and email,
 * optimistic concurrency, copies in and out (callers never share objects with the store). Each method does its
 * checks and writes in one synchronous step, which makes it atomic on the event loop.
 */
export class InMemoryUserStore implements UserStore {
  readonly createManyLimit = 100;
  private readonly byId = new Map<string, UserRecord>();
  private readonly idByUsername = new Map<string, string>();
  private readonly idByEmail = new Map<string, string>();
  private readonly idByIdentity = new Map<string, string>();

  async create(user: UserRecord): Promise<void> {
    if (this.idByUsername.has(user.username)) throw new UsernameTakenError();
    if (user.email !== null && this.idByEmail.has(user.email)) throw new EmailTakenError();
    if (user.identityId !== null && this.idByIdentity.has(user.identityId)) throw new IdentityTakenError();
    this.write(structuredClone(user));
  }

  async findById(id: string): Promise<UserRecord | null> {
    const user = this.byId.get(id);
    return user ? structuredClone(user) : null;
  }

  async findByUsername(username: string): Promise<UserRecord | null> {
    const id = this.idByUsername.get(username);
    return id === undefined ? null : this.findById(id);
  }

  async findByEmail(email: string): Promise<UserRecord | null> {
    const id = this.idByEmail.get(email);
    return id === undefined ? null : this.findById(id);
  }

  async findByIdentityId(identityId: string): Promise<UserRecord | null> {
    const id = this.idByIdentity.get(identityId);
    return id === undefined ? null : this.findById(id);
  }

  async update(next: UserRecord): Promise<void> {
    const current = this.byId.get(next.id);
    if (!current || current.version !== next.version - 1) throw new VersionConflictError('user');
    const usernameOwner = this.idByUsername.get(next.username);
    if (usernameOwner !== undefined && usernameOwner !== next.id) throw new UsernameTakenError();
    const emailOwner = next.email === null ? undefined : this.idByEmail.get(next.email);
    if (emailOwner !== undefined && emailOwner !== next.id) throw new EmailTakenError();
    const identityOwner = next.identityId === null ? undefined : this.idByIdentity.get(next.identityId);
    if (identityOwner !== undefined && identityOwner !== next.id) throw new IdentityTakenError();
    this.unindex(current);
    this.write(structuredClone(next));
  }

  async delete(id: string): Promise<void> {
    const current = this.byId.get(id);
    if (!current) return;
    this.unindex(current);
    this.byId.delete(id);
  }

  /**
   * Users in code point order of their username (as DynamoDB compares strings), after `after`, filtered. The cursor
   * is `m1.` + the base64url of the last username of the page: keyset, so users added or removed meanwhile never make
   * another repeat or go missing. Memory has no read-then-filter pages: a page is short only at the end.
   */
  async list(query: UserListQuery): Promise<UserPage> {
    const after = query.after === undefined ? undefined : decodeCursor(query.after);
    const matching = [...this.byId.values()]
      .filter(
        (user) =>
          (after === undefined || compareCodePoints(user.username, after) > 0) &&
          (query.usernamePrefix === undefined || user.username.startsWith(query.usernamePrefix)) &&
          (query.email === undefined || user.email === query.email) &&
          (query.role === undefined || user.role === query.role) &&
          (query.status === undefined || user.status === query.status),
      )
      .sort((a, b) => compareCodePoints(a.username, b.username));
    const users = matching.slice(0, Math.max(0, query.limit));
    const last = users.at(-1);
    return {
      users: users.map((user) => structuredClone(user)),
      nextCursor: matching.length > users.length && last ? encodeCursor(last.username) : null,
    };
  }

  /** One user at a time, each checked and written in one synchronous step, so earlier users of the batch count. */
  async createMany(users: readonly UserRecord[]): Promise<readonly UserCreateOutcome[]> {
    assertNewUsersBatch(users, this.createManyLimit);
    return users.map((user) => {
      if (this.idByUsername.has(user.username)) return 'username_taken';
      if (user.email !== null && this.idByEmail.has(user.email)) return 'email_taken';
      this.write(structuredClone(user));
      return 'created';
    });
  }

  /** Number of stored users (for tests). */
  get size(): number {
    return this.byId.size;
  }

  private write(user: UserRecord): void {
    this.byId.set(user.id, user);
    this.idByUsername.set(user.username, user.id);
    if (user.email !== null) this.idByEmail.set(user.email, user.id);
    if (user.identityId !== null) this.idByIdentity.set(user.identityId, user.id);
  }

  private unindex(user: UserRecord): void {
    this.idByUsername.delete(user.username);
    if (user.email !== null) this.idByEmail.delete(user.email);
    if (user.identityId !== null) this.idByIdentity.delete(user.identityId);
  }
}

const CURSOR_PREFIX = 'm1.';
const BASE64URL = /^[A-Za-z0-9_-]+$/;

function encodeCursor(username: string): string {
  return CURSOR_PREFIX + Buffer.from(username, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const body = cursor.startsWith(CURSOR_PREFIX) ? cursor.slice(CURSOR_PREFIX.length) : '';
  const username = BASE64URL.test(body) ? Buffer.from(body, 'base64url').toString('utf8') : '';
  if (username === '' || encodeCursor(username) !== cursor) {
    throw ValidationError.single('cursor', 'invalid', 'is not a cursor of this listing');
  }
  return username;
}

/** Code point order (UTF-8 byte order), not UTF-16 code unit order: what DynamoDB and a "C" collation answer. */
function compareCodePoints(a: string, b: string): number {
  const left = a[Symbol.iterator]();
  const right = b[Symbol.iterator]();
  for (;;) {
    const x = left.next();
    const y = right.next();
    if (x.done || y.done) return x.done === y.done ? 0 : x.done ? -1 : 1;
    const difference = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (difference !== 0) return difference;
  }
}
