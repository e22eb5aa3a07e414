/**
 * Second half of `pnpm mutation`: reads Stryker's JSON report (reports/mutation/mutation.json, in the
 * mutation-testing-report-schema format) and stores the mutation score of packages/core in bench/results/latest.json,
 * next to the benchmark figures. Run from the repository root: `node --import tsx bench/mutation-score.ts`.
 *
 * Scores as Stryker computes them: detected = killed + timeout; undetected = survived + no coverage; mutants that did
 * not compile or crashed at runtime, and ignored ones, count in neither.
 *   mutation score               = detected / (detected + undetected)
 *   mutation score, covered code = detected / (detected + survived)
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Figure, round, saveFigures } from './lib.js';

type MutantStatus =
  | 'Killed'
  | 'Survived'
  | 'NoCoverage'
  | 'Timeout'
  | 'CompileError'
  | 'RuntimeError'
  | 'Ignored'
  | 'Pending';

interface MutationReport {
  readonly schemaVersion: string;
  readonly files: Record<string, { readonly mutants: readonly { readonly status: MutantStatus }[] }>;
  readonly framework?: { readonly name?: string; readonly version?: string };
}

interface Tally {
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  errors: number;
  ignored: number;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const reportPath = join(root, 'reports', 'mutation', 'mutation.json');
const resultsPath = join(root, 'bench', 'results', 'latest.json');

const emptyTally = (): Tally => ({ killed: 0, timeout: 0, survived: 0, noCoverage: 0, errors: 0, ignored: 0 });

function add(tally: Tally, status: MutantStatus): void {
  if (status === 'Killed') tally.killed++;
  else if (status === 'Timeout') tally.timeout++;
  else if (status === 'Survived') tally.survived++;
  else if (status === 'NoCoverage') tally.noCoverage++;
  else if (status === 'CompileError' || status === 'RuntimeError') tally.errors++;
  else if (status === 'Ignored') tally.ignored++;
  else throw new Error(`mutant status "${status}" in ${reportPath}: the Stryker run did not finish`);
}

/** Percentages, or null when no mutant counts (a score of an empty set is not 0% nor 100%). */
function scores(tally: Tally): { total: number | null; covered: number | null } {
  const detected = tally.killed + tally.timeout;
  const valid = detected + tally.survived + tally.noCoverage;
  const covered = detected + tally.survived;
  return {
    total: valid === 0 ? null : round((detected / valid) * 100, 2),
    covered: covered === 0 ? null : round((detected / covered) * 100, 2),
  };
}

const report = JSON.parse(readFileSync(reportPath, 'utf8')) as MutationReport;
const overall = emptyTally();
const byDirectory = new Map<string, Tally>();
for (const [file, { mutants }] of Object.entries(report.files)) {
  // Report paths are relative to the repository root (or absolute, depending on the Stryker version).
  const path = relative(root, join(root, file)).split('\\').join('/');
  const directory = dirname(path.replace(/^packages\/core\/src\//, '')).replace(/^\.$/, 'src (top level)');
  const tally = byDirectory.get(directory) ?? emptyTally();
  byDirectory.set(directory, tally);
  for (const { status } of mutants) {
    add(overall, status);
    add(tally, status);
  }
}

const total = scores(overall);
if (total.total === null || total.covered === null) {
  throw new Error(`${reportPath} holds no valid mutant: nothing to score`);
}

console.log(`mutation score, packages/core (${Object.keys(report.files).length} files):`);
const row = (name: string, tally: Tally) => {
  const { total: score, covered } = scores(tally);
  const format = (value: number | null) => (value === null ? '   n/a' : value.toFixed(2).padStart(6));
  console.log(
    `  ${name.padEnd(18)} ${format(score)} %  covered ${format(covered)} %  ` +
      `(killed ${tally.killed}, timeout ${tally.timeout}, survived ${tally.survived}, no coverage ${tally.noCoverage}, ` +
      `errors ${tally.errors})`,
  );
};
for (const directory of [...byDirectory.keys()].sort()) row(directory, byDirectory.get(directory)!);
row('all', overall);
if (overall.ignored > 0) {
  console.log(`  (${overall.ignored} ignored mutants, e.g. static ones with "ignoreStatic", count in neither score)`);
}

const figures: Figure[] = [
  { name: 'mutation score: packages/core (Stryker)', value: total.total, unit: '%', compared_to: null, ratio: null },
  {
    name: 'mutation score, covered code: packages/core (Stryker)',
    value: total.covered,
    unit: '%',
    compared_to: null,
    ratio: null,
  },
];

// saveFigures replaces the file's metadata with `meta`: keep the benchmark run's (its date, CPUs, quick or full) and
// describe this run under its own key, so the bench figures are not re-dated by a mutation run.
let existingMeta: Record<string, unknown> = {};
try {
  const { figures: _figures, ...meta } = JSON.parse(readFileSync(resultsPath, 'utf8')) as Record<string, unknown>;
  existingMeta = meta;
} catch {
  existingMeta = {};
}
const path = saveFigures(figures, {
  ...existingMeta,
  mutation: {
    generatedAt: new Date().toISOString(),
    node: process.version,
    tool: `${report.framework?.name ?? 'StrykerJS'} ${report.framework?.version ?? ''}`.trim(),
    files: Object.keys(report.files).length,
    killed: overall.killed,
    timeout: overall.timeout,
    survived: overall.survived,
    noCoverage: overall.noCoverage,
    errors: overall.errors,
    ignored: overall.ignored,
  },
});
console.log(`\nwrote ${figures.length} figures to ${relative(root, path)}`);
