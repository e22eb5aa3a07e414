import type { AttemptState } from '../domain/throttle.js';
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

  async reset(key: string): Promise<void> {
    this.states.delete(key);
  }
}
