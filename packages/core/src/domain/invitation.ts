import type { Role } from './role.js';

/** An invitation to self-register with a privileged role. Stored by digest; single use; expiring. */
export interface InvitationRecord {
  readonly codeHash: string;
  readonly role: Role;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  /** Set when a registration consumed it. */
  readonly usedAt: Date | null;
}

export type InvitationStatus = 'pending' | 'used' | 'expired';

/**
 * What an administrator sees of an invitation: never its code (which only its creator ever sees, once). `id` is the
 * stored `codeHash`, the SHA-256 digest of a 256-bit random code: it names the invitation (to revoke it) and reveals
 * nothing of the code, which cannot be recovered from it, nor used in its place to register.
 */
export interface InvitationSummary {
  readonly id: string;
  readonly role: Role;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly usedAt: Date | null;
  readonly status: InvitationStatus;
}

/** Used once a registration consumed it; else expired from `expiresAt` on; else pending. */
export function toInvitationSummary(record: InvitationRecord, now: Date): InvitationSummary {
  const status: InvitationStatus =
    record.usedAt !== null ? 'used' : record.expiresAt.getTime() <= now.getTime() ? 'expired' : 'pending';
  return {
    id: record.codeHash,
    role: record.role,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    usedAt: record.usedAt,
    status,
  };
}
