import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One figure, in the shape every devauth benchmark writes: a value, and what it was measured against. */
export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly compared_to: string | null;
  readonly ratio: number | null;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

export function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/**
 * Runs `total` operations with at most `concurrency` in flight; returns throughput (ops/s) and per-op latencies (ms).
 */
export async function runClosedLoop(
  operation: (index: number) => Promise<unknown>,
  total: number,
  concurrency: number,
): Promise<{ opsPerSecond: number; latenciesMs: number[] }> {
  const latenciesMs: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < total) {
      const index = next++;
      const t0 = performance.now();
      await operation(index);
      latenciesMs.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { opsPerSecond: total / ((performance.now() - started) / 1000), latenciesMs };
}

const resultsPath = join(dirname(fileURLToPath(import.meta.url)), 'results', 'latest.json');

/**
 * Writes figures to bench/results/latest.json, replacing figures of the same name and keeping the others, so each
 * benchmark section can be rerun on its own.
 */
export function saveFigures(figures: readonly Figure[], meta: Record<string, unknown>): string {
  let existing: Figure[] = [];
  try {
    existing = (JSON.parse(readFileSync(resultsPath, 'utf8')) as { figures: Figure[] }).figures ?? [];
  } catch {
    existing = [];
  }
  const names = new Set(figures.map((figure) => figure.name));
  const merged = [...existing.filter((figure) => !names.has(figure.name)), ...figures];
  mkdirSync(dirname(resultsPath), { recursive: true });
  writeFileSync(resultsPath, `${JSON.stringify({ ...meta, figures: merged }, null, 2)}\n`);
  return resultsPath;
}
