import {
  ConfigurationError,
  DEFAULT_THROTTLE_POLICY,
  resolveThrottlePolicy,
  retryAfterSeconds,
  waitAfter,
} from '@devauth/core';
import { describe, expect, it } from 'vitest';

describe('Throttle policy', () => {
  it('waits nothing for 4 failures, then 1 s doubling up to 15 min, like Cognito', () => {
    const waits = Array.from({ length: 20 }, (_, failures) => waitAfter(failures, DEFAULT_THROTTLE_POLICY));
    expect(waits.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(waits.slice(5, 12)).toEqual([1, 2, 4, 8, 16, 32, 64]);
    expect(waits[15]).toBe(900);
    expect(waits[19]).toBe(900);
  });

  it('locks a key for the idle window once it reaches 100 consecutive failures', () => {
    expect(waitAfter(99, DEFAULT_THROTTLE_POLICY)).toBe(900);
    expect(waitAfter(100, DEFAULT_THROTTLE_POLICY)).toBe(DEFAULT_THROTTLE_POLICY.resetAfterIdleSeconds);
  });

  it('measures the remaining wait from the last failure and forgets idle state', () => {
    const state = { key: 'user:a', consecutiveFailures: 7, lastFailureAt: new Date('2026-01-01T00:00:00Z') };
    expect(retryAfterSeconds(state, new Date('2026-01-01T00:00:01.500Z'), DEFAULT_THROTTLE_POLICY)).toBe(3);
    expect(retryAfterSeconds(state, new Date('2026-01-01T00:00:04Z'), DEFAULT_THROTTLE_POLICY)).toBe(0);
    expect(retryAfterSeconds(null, new Date(), DEFAULT_THROTTLE_POLICY)).toBe(0);
    const locked = { ...state, consecutiveFailures: 100 };
    expect(retryAfterSeconds(locked, new Date('2026-01-02T00:00:00Z'), DEFAULT_THROTTLE_POLICY)).toBe(0);
  });

  it('refuses settings beyond NIST limits', () => {
    expect(() => resolveThrottlePolicy({ maxConsecutiveFailures: 101 })).toThrow(ConfigurationError);
    expect(() => resolveThrottlePolicy({ maxDelaySeconds: 0 })).toThrow(ConfigurationError);
    expect(() => resolveThrottlePolicy({ baseDelaySeconds: -1 })).toThrow(ConfigurationError);
  });
});
