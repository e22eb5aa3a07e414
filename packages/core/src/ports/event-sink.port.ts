import type { DomainEvent } from '../domain/events.js';

/**
 * Receives domain events. Publishing is fire-and-forget from the use case's point of view: a sink that throws is
 * reported through `onSinkError`, never allowed to fail a login that already succeeded.
 */
export interface EventSink {
  publish(event: DomainEvent): void | Promise<void>;
}

export const discardEvents: EventSink = { publish: () => undefined };
