import { isNetworkFailure } from '@devauth/core';
import { describe, expect, it } from 'vitest';

describe('Function: isNetworkFailure', () => {
  it('recognizes socket codes, SDK timeout names, causes and aggregate errors', () => {
    expect(isNetworkFailure(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isNetworkFailure(Object.assign(new Error('x'), { name: 'TimeoutError' }))).toBe(true);
    expect(isNetworkFailure(new Error('outer', { cause: Object.assign(new Error('inner'), { code: 'EPIPE' }) }))).toBe(
      true,
    );
    const refusedBothStacks = new AggregateError([Object.assign(new Error('v6'), { code: 'ECONNREFUSED' })], 'connect');
    expect(isNetworkFailure(refusedBothStacks)).toBe(true);
  });

  it('says no to everything else, and terminates on a cyclic cause', () => {
    expect(isNetworkFailure(new Error('ValidationException'))).toBe(false);
    expect(isNetworkFailure(Object.assign(new Error('x'), { code: '23505' }))).toBe(false);
    expect(isNetworkFailure('ECONNRESET')).toBe(false);
    expect(isNetworkFailure(null)).toBe(false);
    const cyclic: { cause?: unknown } = {};
    cyclic.cause = cyclic;
    expect(isNetworkFailure(cyclic)).toBe(false);
  });
});
