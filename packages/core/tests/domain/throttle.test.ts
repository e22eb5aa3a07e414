import {
  addressThrottleKey,
  ConfigurationError,
  DEFAULT_THROTTLE_POLICY,
  isIdleExpired,
  resolveThrottlePolicy,
  retryAfterSeconds,
  usernameThrottleKey,
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

  it('accepts the documented limits exactly and refuses one step beyond each', () => {
    const atLimits = {
      freeFailures: 0,
      baseDelaySeconds: 30,
      maxDelaySeconds: 30,
      maxConsecutiveFailures: 1,
      resetAfterIdleSeconds: 30,
    };
    expect(resolveThrottlePolicy(atLimits)).toEqual(atLimits);
    expect(resolveThrottlePolicy({ maxConsecutiveFailures: 100 }).maxConsecutiveFailures).toBe(100);
    expect(() => resolveThrottlePolicy({ maxConsecutiveFailures: 0 })).toThrow(/maxConsecutiveFailures/);
    expect(() => resolveThrottlePolicy({ ...atLimits, maxDelaySeconds: 29 })).toThrow(/maxDelaySeconds/);
    expect(() => resolveThrottlePolicy({ ...atLimits, resetAfterIdleSeconds: 29 })).toThrow(/resetAfterIdleSeconds/);
    expect(() => resolveThrottlePolicy({ resetAfterIdleSeconds: 899 })).toThrow(ConfigurationError);
    expect(() => resolveThrottlePolicy({ freeFailures: 1.5 })).toThrow(/freeFailures/);
    expect(resolveThrottlePolicy()).toEqual(DEFAULT_THROTTLE_POLICY);
  });

  it('never answers a negative wait once the wait is over', () => {
    const state = { key: 'user:a', consecutiveFailures: 7, lastFailureAt: new Date('2026-01-01T00:00:00Z') };
    // 7 failures wait 4 s; 10 s later the key may try again: 0, not -6.
    expect(retryAfterSeconds(state, new Date('2026-01-01T00:00:10Z'), DEFAULT_THROTTLE_POLICY)).toBe(0);
    // Rounds a partial second up: 1 ms left is still 1 s to wait.
    expect(retryAfterSeconds(state, new Date('2026-01-01T00:00:03.999Z'), DEFAULT_THROTTLE_POLICY)).toBe(1);
  });

  it('forgets a key exactly resetAfterIdleSeconds after its last failure, not a millisecond before', () => {
    const lastFailureAt = new Date('2026-01-01T00:00:00Z');
    const state = { key: 'user:a', consecutiveFailures: 100, lastFailureAt };
    const idle = DEFAULT_THROTTLE_POLICY.resetAfterIdleSeconds * 1000;
    expect(isIdleExpired(state, new Date(lastFailureAt.getTime() + idle - 1), DEFAULT_THROTTLE_POLICY)).toBe(false);
    expect(isIdleExpired(state, new Date(lastFailureAt.getTime() + idle), DEFAULT_THROTTLE_POLICY)).toBe(true);
    // A locked key still waits until the window closes.
    expect(retryAfterSeconds(state, new Date(lastFailureAt.getTime() + idle - 1), DEFAULT_THROTTLE_POLICY)).toBe(1);
  });

  it('keys usernames and addresses apart, in the format stores document', () => {
    expect(usernameThrottleKey('alice')).toBe('user:alice');
    expect(addressThrottleKey('203.0.113.9')).toBe('addr:203.0.113.9');
  });
});
