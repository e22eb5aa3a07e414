import type { Clock } from '../ports/clock.port.js';

/** A clock that moves only when told: deterministic expiry and throttle tests. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date | string | number = '2026-01-01T00:00:00.000Z') {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(seconds: number): void {
    this.current += seconds * 1000;
  }

  set(to: Date | string | number): void {
    this.current = new Date(to).getTime();
  }
}
