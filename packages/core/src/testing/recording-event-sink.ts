import type { DomainEvent, DomainEventType } from '../domain/events.js';
import type { EventSink } from '../ports/event-sink.port.js';

export class RecordingEventSink implements EventSink {
  readonly events: DomainEvent[] = [];

  publish(event: DomainEvent): void {
    this.events.push(event);
  }

  ofType<T extends DomainEventType>(type: T): Extract<DomainEvent, { type: T }>[] {
    return this.events.filter((event): event is Extract<DomainEvent, { type: T }> => event.type === type);
  }
}
