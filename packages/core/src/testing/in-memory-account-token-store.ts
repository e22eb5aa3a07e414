import type { AccountTokenPurpose, AccountTokenRecord } from '../domain/account-token.js';
import type { AccountTokenStore } from '../ports/account-token-store.port.js';

/** An AccountTokenStore in process memory: one record per user and purpose, replaced by `issue` (atomic). */
export class InMemoryAccountTokenStore implements AccountTokenStore {
  private readonly current = new Map<string, AccountTokenRecord>();

  async issue(record: AccountTokenRecord): Promise<void> {
    this.current.set(slot(record.userId, record.purpose), structuredClone(record));
  }

  async consume(tokenHash: string, purpose: AccountTokenPurpose, now: Date): Promise<AccountTokenRecord | null> {
    for (const [key, record] of this.current) {
      if (record.tokenHash !== tokenHash) continue;
      if (record.purpose !== purpose || record.expiresAt.getTime() <= now.getTime()) return null;
      this.current.delete(key);
      return structuredClone(record);
    }
    return null;
  }

  async deleteAllForUser(userId: string): Promise<void> {
    for (const [key, record] of this.current) if (record.userId === userId) this.current.delete(key);
  }

  /** How many tokens are kept (for tests reading what a deleted account left). */
  get size(): number {
    return this.current.size;
  }
}

const slot = (userId: string, purpose: AccountTokenPurpose) => `${purpose}\u0000${userId}`;
