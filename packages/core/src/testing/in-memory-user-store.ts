import { EmailTakenError, IdentityTakenError, UsernameTakenError, VersionConflictError } from '../domain/errors.js';
import type { UserRecord } from '../domain/user.js';
import type { UserStore } from '../ports/user-store.port.js';

/**
 * A UserStore in process memory, with the same guarantees as the real adapters: uniqueness of username and email,
 * optimistic concurrency, copies in and out (callers never share objects with the store). Each method does its
 * checks and writes in one synchronous step, which makes it atomic on the event loop.
 */
export class InMemoryUserStore implements UserStore {
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
