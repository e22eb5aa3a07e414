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
}
