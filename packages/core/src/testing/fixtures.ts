import { randomUUID } from 'node:crypto';
import type { RefreshTokenRecord } from '../domain/refresh-token.js';
import type { UserRecord } from '../domain/user.js';

/** Unique-per-call suffix so contract tests can share one store (one table, one database) safely. */
export function uniqueSuffix(): string {
  return randomUUID().replace(/-/g, '').slice(0, 12);
}

/** Dates at millisecond precision, as every store keeps them. */
export function sampleDate(offsetSeconds = 0): Date {
  return new Date(Date.UTC(2026, 0, 1, 12, 0, 0, 123) + offsetSeconds * 1000);
}

export function sampleUser(overrides: Partial<UserRecord> = {}): UserRecord {
  const suffix = uniqueSuffix();
  return {
    id: randomUUID(),
    username: `user_${suffix}`,
    email: `user_${suffix}@example.test`,
    emailVerified: false,
    role: 'shopper',
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc',
    passwordNormalization: 'NFKC',
    identityId: null,
    status: 'active',
    createdAt: sampleDate(),
    updatedAt: sampleDate(),
    version: 1,
    ...overrides,
  };
}

export function sampleRefreshToken(overrides: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  return {
    tokenHash: `hash_${uniqueSuffix()}${uniqueSuffix()}`,
    familyId: randomUUID(),
    userId: randomUUID(),
    identityId: `us-east-1:${randomUUID()}`,
    status: 'active',
    issuedAt: sampleDate(),
    expiresAt: sampleDate(30 * 24 * 3600),
    familyExpiresAt: sampleDate(90 * 24 * 3600),
    rotatedAt: null,
    clientHint: null,
    ...overrides,
  };
}

/** Settles every promise and counts outcomes by error class name ('ok' for fulfilled). */
export async function tally(promises: readonly Promise<unknown>[]): Promise<Record<string, number>> {
  const results = await Promise.allSettled(promises);
  const counts: Record<string, number> = {};
  for (const result of results) {
    const key = result.status === 'fulfilled' ? 'ok' : String((result.reason as Error)?.name ?? result.reason);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
