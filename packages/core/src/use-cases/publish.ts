import type { DomainEvent } from '../domain/events.js';
import type { EventSink } from '../ports/event-sink.port.js';

/**
 * Publishes without letting a broken sink fail the use case: the user's login already happened. The failure is
 * reported to `onError` (default: a console warning naming the event type, nothing more).
 */
export function publishSafely(
  sink: EventSink,
  event: DomainEvent,
  onError: (error: unknown, event: DomainEvent) => void = warnSinkFailure,
): void {
  try {
    const pending = sink.publish(event);
    if (pending instanceof Promise) pending.catch((error: unknown) => onError(error, event));
  } catch (error) {
    onError(error, event);
  }
}

function warnSinkFailure(_error: unknown, event: DomainEvent): void {
  console.warn(`devauth: event sink failed to publish ${event.type}`);
}
