/**
 * Sizes of the security and reliability suite, in one place.
 *
 * `pnpm test:attack` sets ATTACK_FULL=1 and runs the full suite; `pnpm test` runs the same files as a fast sample
 * (ATTACK_FULL unset). Every attack test file reads its sample sizes, tolerances and timeouts from here, so the two
 * modes differ only in how much they try, never in what they assert.
 */

const flag = (process.env.ATTACK_FULL ?? '').trim().toLowerCase();

/** True for `pnpm test:attack` (ATTACK_FULL=1, or true/yes). */
export const ATTACK_FULL = flag === '1' || flag === 'true' || flag === 'yes';

export interface AttackConfig {
  readonly full: boolean;
  /** fast-check runs per endpoint (generated requests, split across both payload versions). */
  readonly fuzzRunsPerEndpoint: number;
  /**
   * Enumeration: largest allowed relative difference between login latency medians that must be indistinguishable,
   * |a - b| / min(a, b). 10% in the full run; looser in the fast sample, which takes few samples on a shared machine.
   */
  readonly timingTolerance: number;
  /** Enumeration: interleaved measurement pairs (each pair: one request of each kind, order alternating). */
  readonly timingRounds: number;
  /**
   * Enumeration: at most this many blocks of `timingRounds` pairs. Measuring stops after the first block whose
   * accumulated medians agree; a shared machine's bursts of load then get more samples to average out.
   */
  readonly timingMaxBlocks: number;
  /** Enumeration: requests of each kind run and discarded before measuring (JIT, thread pool, allocator). */
  readonly timingWarmupRounds: number;
  /** Per-test timeout (ms) for the long tests of the suite. */
  readonly testTimeoutMs: number;
}

export const attackConfig: AttackConfig = Object.freeze(
  ATTACK_FULL
    ? {
        full: true,
        fuzzRunsPerEndpoint: 10_000,
        timingTolerance: 0.1,
        timingRounds: 100,
        timingMaxBlocks: 4,
        timingWarmupRounds: 6,
        testTimeoutMs: 15 * 60_000,
      }
    : {
        full: false,
        fuzzRunsPerEndpoint: 300,
        timingTolerance: 0.35,
        timingRounds: 20,
        timingMaxBlocks: 4,
        timingWarmupRounds: 2,
        testTimeoutMs: 120_000,
      },
);
