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
