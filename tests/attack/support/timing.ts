import { attackConfig } from './attack-config.js';
import { median, relativeDifference } from './gateway-events.js';

export interface Comparison<K extends string> {
  readonly medians: Readonly<Record<K, number>>;
  readonly difference: number;
  readonly pairs: number;
  readonly requests: number;
}

export function report(label: string, medians: Record<string, number>): void {
  const parts = Object.entries(medians).map(([name, value]) => `${name}=${value.toFixed(3)}ms`);
  console.info(`[enumeration] ${label}: ${parts.join(' ')}`);
}

/**
 * Measures two kinds of request interleaved, alternating which goes first (ABBA...), so drift in machine load hits
 * both alike; `measure` runs one request and returns its latency. After warm-up, pairs are taken in blocks of
 * `timingRounds`; after each block the medians of everything measured so far are compared, and measuring stops as
 * soon as they agree or after `timingMaxBlocks` blocks. Other jobs on a shared machine come in bursts: more samples
 * let the medians settle, while a real difference (like the 2x of a missing dummy hash) only gets clearer with more
 * samples and still fails.
 */
export async function compareInterleaved<K extends string>(
  label: string,
  kinds: readonly [K, K],
  measure: (kind: K, round: number) => Promise<number>,
  scale = 1,
): Promise<Comparison<K>> {
  const [first, second] = kinds;
  const samples = { [first]: [] as number[], [second]: [] as number[] } as Record<K, number[]>;
  const block = scale * attackConfig.timingRounds;
  let round = 0;
  let requests = 0;
  const run = async (measured: boolean) => {
    const order: K[] = round % 2 === 0 ? [first, second] : [second, first];
    for (const kind of order) {
      const ms = await measure(kind, round);
      requests++;
      if (measured) samples[kind].push(ms);
    }
    round++;
  };
  for (let i = 0; i < scale * attackConfig.timingWarmupRounds; i++) await run(false);
  let comparison: Comparison<K> | undefined;
  for (let blocks = 1; blocks <= attackConfig.timingMaxBlocks; blocks++) {
    for (let i = 0; i < block; i++) await run(true);
    const medians = { [first]: median(samples[first]), [second]: median(samples[second]) } as Record<K, number>;
    comparison = {
      medians,
      difference: relativeDifference(medians[first], medians[second]),
      pairs: samples[first].length,
      requests,
    };
    if (comparison.difference <= attackConfig.timingTolerance) break;
  }
  const result = comparison!;
  report(`${label}, ${result.pairs} pairs, difference ${(100 * result.difference).toFixed(1)}%`, result.medians);
  return result;
}
