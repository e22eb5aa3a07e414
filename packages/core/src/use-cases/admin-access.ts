import * as z from 'zod';
import { AdminRequiredError } from '../domain/errors.js';
import type { AdminActionEvent, AdminActionName, AdminActorRef } from '../domain/events.js';
import { ADMIN_ROLE } from '../domain/role.js';
import type { UserRecord } from '../domain/user.js';
import type { Clock } from '../ports/clock.port.js';
import type { EventSink } from '../ports/event-sink.port.js';
import type { UserStore } from '../ports/user-store.port.js';
import { publishSafely } from './publish.js';

/**
 * Who calls an admin operation. Never taken from a request body:
 * - `user`: a signed-in user, by the id the edge resolved from the signed Cognito identity (the IAM identity of the
 *   request, as the in-Lambda guard resolves it). The core re-reads that user on every call: only an existing,
 *   active user of the `admin` role passes, so a demotion or a disabling takes effect on the next call.
 * - `operator`: the operator CLI, trusted because it already holds the store's credentials (it could write the
 *   store directly). An HTTP edge must never build one.
 */
export type AdminActor = AdminActorRef;

const adminActorSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('user'), userId: z.string().min(1).max(128) }),
  z.strictObject({ kind: z.literal('operator'), name: z.string().min(1).max(128) }),
]);

/** An actor that passed: its reference for the audit record and, for a user, the record it was checked against. */
export interface AuthorizedAdmin {
  readonly ref: AdminActorRef;
  readonly user: UserRecord | null;
}

export interface AdminAccessDependencies {
  readonly users: UserStore;
  readonly clock: Clock;
  readonly events: EventSink;
}

/**
 * Authorizes `actor` for `action` or throws AdminRequiredError (one answer for unknown, deleted, disabled and
 * non-admin users, and for a malformed actor). A refused user is recorded (`AdminAccessDenied`).
 */
export async function authorizeAdmin(
  deps: AdminAccessDependencies,
  actor: AdminActor,
  action: AdminActionName,
): Promise<AuthorizedAdmin> {
  const parsed = adminActorSchema.safeParse(actor);
  if (!parsed.success) throw new AdminRequiredError();
  const ref: AdminActorRef =
    parsed.data.kind === 'user'
      ? { kind: 'user', userId: parsed.data.userId }
      : { kind: 'operator', name: parsed.data.name };
  if (ref.kind === 'operator') return { ref, user: null };
  const user = await deps.users.findById(ref.userId);
  if (user?.status !== 'active' || user.role !== ADMIN_ROLE) {
    publishSafely(deps.events, { type: 'AdminAccessDenied', at: deps.clock.now(), actor: ref, action });
    throw new AdminRequiredError();
  }
  return { ref, user };
}

/** Whether the actor is this very user (lock-out protection applies). */
export function isSelf(admin: AuthorizedAdmin, userId: string): boolean {
  return admin.ref.kind === 'user' && admin.ref.userId === userId;
}

/** The parts of an audit record that depend on the operation. */
export type AdminActionDetails = Omit<AdminActionEvent, 'type' | 'at' | 'actor' | 'action'>;

/** Records a completed admin operation: ids and outcomes only (see {@link AdminActionEvent}). */
export function auditAdminAction(
  deps: AdminAccessDependencies,
  admin: AuthorizedAdmin,
  action: AdminActionName,
  details: AdminActionDetails = {},
): void {
  publishSafely(deps.events, { type: 'AdminAction', at: deps.clock.now(), actor: admin.ref, action, ...details });
}
