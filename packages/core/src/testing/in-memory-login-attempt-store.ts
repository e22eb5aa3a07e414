import {
  type AttemptState,
  nextReservedState,
  type Reservation,
  retryAfterSeconds,
  type ThrottlePolicy,
} from '../domain/throttle.js';
import type { LoginAttemptStore } from '../ports/login-attempt-store.port.js';

export class InMemoryLoginAttemptStore implements LoginAttemptStore {
  private readonly states = new Map<string, AttemptState>();

  async get(keys: readonly string[]): Promise<AttemptState[]> {
    return keys.flatMap((key) => {
      const state = this.states.get(key);
      return state ? [{ ...state, lastFailureAt: new Date(state.lastFailureAt) }] : [];
    });
  }

  async recordFailure(keys: readonly string[], now: Date, resetAfterIdleSeconds: number): Promise<void> {
    for (const key of new Set(keys)) {
      const state = this.states.get(key);
      const idle = !state || now.getTime() - state.lastFailureAt.getTime() >= resetAfterIdleSeconds * 1000;
      this.states.set(key, {
        key,
        consecutiveFailures: idle ? 1 : state.consecutiveFailures + 1,
        lastFailureAt: new Date(now),
      });
    }
  }

  async reserve(key: string, now: Date, policy: ThrottlePolicy): Promise<Reservation> {
    const state = this.states.get(key) ?? null;
    const next = nextReservedState(state, key, now, policy);
    if (next === null) return { reserved: false, retryAfterSeconds: retryAfterSeconds(state, now, policy) };
    this.states.set(key, next);
    return { reserved: true };
  }

  async release(key: string): Promise<void> {
    const state = this.states.get(key);
    if (state && state.consecutiveFailures > 0) {
      this.states.set(key, { ...state, consecutiveFailures: state.consecutiveFailures - 1 });
    }
  }

  async reset(key: string): Promise<void> {
    this.states.delete(key);
  }
}
