import type { RefreshTokenRecord, RotationOutcome, SessionInfo } from '../domain/refresh-token.js';
import type { RefreshTokenStore } from '../ports/refresh-token-store.port.js';

/** A RefreshTokenStore in process memory. Revocation marks the family, so later finds see every token revoked. */
export class InMemoryRefreshTokenStore implements RefreshTokenStore {
  private readonly tokens = new Map<string, RefreshTokenRecord>();
  private readonly revokedFamilies = new Set<string>();

  async issue(record: RefreshTokenRecord): Promise<void> {
    this.tokens.set(record.tokenHash, structuredClone(record));
  }

  async find(tokenHash: string): Promise<RefreshTokenRecord | null> {
    const record = this.tokens.get(tokenHash);
    if (!record) return null;
    const status = this.revokedFamilies.has(record.familyId) ? 'revoked' : record.status;
    return { ...structuredClone(record), status };
  }

  async rotate(currentHash: string, next: RefreshTokenRecord): Promise<RotationOutcome> {
    const current = this.tokens.get(currentHash);
    if (current?.status !== 'active' || this.revokedFamilies.has(current.familyId)) return 'not_active';
    this.tokens.set(currentHash, { ...current, status: 'rotated', rotatedAt: new Date(next.issuedAt) });
    this.tokens.set(next.tokenHash, structuredClone(next));
    return 'rotated';
  }

  async revokeFamily(familyId: string): Promise<void> {
    this.revokedFamilies.add(familyId);
  }

  async revokeAllForUser(userId: string): Promise<number> {
    const families = new Set<string>();
    for (const token of this.tokens.values()) if (token.userId === userId) families.add(token.familyId);
    for (const familyId of families) this.revokedFamilies.add(familyId);
    return families.size;
  }

  async deleteAllForUser(userId: string): Promise<void> {
    for (const [hash, token] of this.tokens) {
      if (token.userId !== userId) continue;
      this.tokens.delete(hash);
      this.revokedFamilies.delete(token.familyId);
    }
  }

  async listSessions(userId: string, now: Date): Promise<SessionInfo[]> {
    const families = new Map<string, { createdAt: Date; current?: RefreshTokenRecord }>();
    for (const token of this.tokens.values()) {
      if (token.userId !== userId || this.revokedFamilies.has(token.familyId)) continue;
      const family = families.get(token.familyId) ?? { createdAt: token.issuedAt };
      if (token.issuedAt < family.createdAt) family.createdAt = token.issuedAt;
      if (token.status === 'active') family.current = token;
      families.set(token.familyId, family);
    }
    return [...families].flatMap(([familyId, { createdAt, current }]) =>
      current && current.expiresAt.getTime() > now.getTime()
        ? [
            {
              familyId,
              createdAt: new Date(createdAt),
              lastUsedAt: new Date(current.issuedAt),
              expiresAt: new Date(current.expiresAt),
              clientHint: current.clientHint ? { ...current.clientHint } : null,
            },
          ]
        : [],
    );
  }

  /** How many tokens are kept (for tests reading what a deleted account left). */
  get size(): number {
    return this.tokens.size;
  }
}
