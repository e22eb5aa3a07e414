import type { DevauthConfig } from '../domain/config.js';
import { RoleNotAllowedError, ValidationError } from '../domain/errors.js';
import { GUEST_ROLE, type Role } from '../domain/role.js';
import { digestSecretToken, INVITATION_CODE_PREFIX, newSecretToken } from '../domain/secret-token.js';
import type { Clock } from '../ports/clock.port.js';
import type { EventSink } from '../ports/event-sink.port.js';
import type { InvitationStore } from '../ports/invitation-store.port.js';
import { publishSafely } from './publish.js';

export interface Invitation {
  /** Give this to the invitee once; only its digest is stored, so it cannot be shown again. */
  readonly code: string;
  readonly role: Role;
  readonly expiresAt: Date;
}

/** Issues a single-use invitation to self-register with `role`. Call it from trusted (administrator) code only. */
export class CreateInvitation {
  constructor(
    private readonly deps: { readonly invitations: InvitationStore; readonly clock: Clock; readonly events: EventSink },
    private readonly config: DevauthConfig,
  ) {}

  async execute(request: { readonly role: Role; readonly ttlSeconds?: number }): Promise<Invitation> {
    if (request.role === GUEST_ROLE) throw new RoleNotAllowedError(request.role, 'reserved_role');
    if (!this.config.roles.includes(request.role)) throw new RoleNotAllowedError(request.role, 'unknown_role');
    const ttlSeconds = request.ttlSeconds ?? this.config.invitationTtlSeconds;
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 60 || ttlSeconds > 90 * 86_400) {
      throw ValidationError.single('ttlSeconds', 'out_of_range', 'must be between 60 s and 90 days');
    }
    const now = this.deps.clock.now();
    const code = newSecretToken(INVITATION_CODE_PREFIX);
    const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
    await this.deps.invitations.create({
      codeHash: digestSecretToken(code),
      role: request.role,
      createdAt: now,
      expiresAt,
      usedAt: null,
    });
    publishSafely(this.deps.events, { type: 'InvitationCreated', at: now, role: request.role, expiresAt });
    return { code, role: request.role, expiresAt };
  }
}
