import type { AdminActionEvent, DomainEvent, EventSink } from '@devauth/core';
import type { Logger } from './logger.js';

/**
 * An event sink writing the admin audit trail to the log: each `AdminAction` (an admin operation carried out) as an
 * INFO line and each `AdminAccessDenied` (a caller refused by the core) as a WARN line, both with the message `audit`.
 * A composition built from configuration uses it unless an EventSink is registered (see composition.ts), so a
 * deployment keeps who did what to whom in CloudWatch Logs without wiring anything. Other events are not logged.
 *
 * The fields are copied by name, not spread: the core promises ids and outcomes only (no username, address, hash,
 * token or invitation code), and copying by name keeps that true here even if an event one day carried more.
 */
export function auditLogSink(logger: Logger): EventSink {
  return {
    publish(event: DomainEvent) {
      if (event.type === 'AdminAction') {
        logger.info('audit', { audit: adminActionFields(event) });
      } else if (event.type === 'AdminAccessDenied') {
        logger.warn('audit', {
          audit: {
            type: event.type,
            at: event.at.toISOString(),
            actor: actorFields(event.actor),
            action: event.action,
          },
        });
      }
    },
  };
}

function actorFields(actor: AdminActionEvent['actor']) {
  return actor.kind === 'user' ? { kind: actor.kind, userId: actor.userId } : { kind: actor.kind, name: actor.name };
}

function adminActionFields(event: AdminActionEvent) {
  const { changes } = event;
  return {
    type: event.type,
    at: event.at.toISOString(),
    actor: actorFields(event.actor),
    action: event.action,
    ...(event.targetUserId !== undefined ? { targetUserId: event.targetUserId } : {}),
    ...(event.invitationId !== undefined ? { invitationId: event.invitationId } : {}),
    ...(event.role !== undefined ? { role: event.role } : {}),
    ...(changes
      ? {
          changes: {
            ...(changes.role ? { role: { from: changes.role.from, to: changes.role.to } } : {}),
            ...(changes.status ? { status: { from: changes.status.from, to: changes.status.to } } : {}),
          },
        }
      : {}),
    ...(event.count !== undefined ? { count: event.count } : {}),
    ...(event.revokedSessions !== undefined ? { revokedSessions: event.revokedSessions } : {}),
  };
}
