import { describe, expect, it } from 'vitest';
import { LINK_REFUSALS, RateLimitedReporter } from '../src/link-refusals.js';

describe('RateLimitedReporter', () => {
  it('reports every refusal up to the limit per window, then says how many it left out', () => {
    let now = 0;
    const lines: string[] = [];
    const reporter = new RateLimitedReporter(
      (line) => lines.push(line),
      () => now,
      3,
      60_000,
    );
    for (let i = 0; i < 5; i++) reporter.note(`refusal ${i}`);
    expect(lines).toEqual(['refusal 0', 'refusal 1', 'refusal 2']);
    now = 60_000;
    reporter.note('refusal 5');
    expect(lines.slice(3)).toEqual([
      '[devauth/adapters-cognito] 2 further link refusals were not logged.',
      'refusal 5',
    ]);
    // A warm instance keeps reporting, window after window (not once per instance).
    now = 120_000;
    reporter.note('refusal 6');
    expect(lines.at(-1)).toBe('refusal 6');
  });

  it('covers every refusal a retry without IdentityId resolves', () => {
    expect([...LINK_REFUSALS].sort()).toEqual([
      'DeveloperUserAlreadyRegisteredException',
      'InvalidParameterException',
      'NotAuthorizedException',
      'ResourceConflictException',
      'ResourceNotFoundException',
    ]);
  });
});
