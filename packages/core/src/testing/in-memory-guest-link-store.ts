import type { GuestLinkRecord } from '../domain/guest-link.js';
import type { GuestLinkStore } from '../ports/guest-link-store.port.js';

/** A GuestLinkStore in process memory; each method checks and writes in one synchronous step (atomic). */
export class InMemoryGuestLinkStore implements GuestLinkStore {
  private readonly links = new Map<string, GuestLinkRecord>();

  async create(record: GuestLinkRecord): Promise<void> {
    this.links.set(record.secretHash, structuredClone(record));
  }

  async consume(secretHash: string, identityId: string, now: Date): Promise<boolean> {
    const link = this.links.get(secretHash);
    if (!link || link.identityId !== identityId || link.usedAt !== null) return false;
    if (link.expiresAt.getTime() <= now.getTime()) return false;
    this.links.set(secretHash, { ...link, usedAt: new Date(now) });
    return true;
  }

  async release(secretHash: string): Promise<void> {
    const link = this.links.get(secretHash);
    if (link) this.links.set(secretHash, { ...link, usedAt: null });
  }

  /** The stored record (for tests). */
  peek(secretHash: string): GuestLinkRecord | undefined {
    const link = this.links.get(secretHash);
    return link ? structuredClone(link) : undefined;
  }
}
