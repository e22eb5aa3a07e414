/**
 * `pnpm bench`: every figure measured side by side in one run, medians of several rounds. Writes
 * bench/results/latest.json. Set BENCH_QUICK=1 for a short smoke run.
 */
import { availableParallelism } from 'node:os';
import { benchEngines } from './engines.bench.js';
import { type Figure, saveFigures } from './lib.js';
import { benchLoginVersusHash } from './login-vs-hash.bench.js';

const quick = process.env.BENCH_QUICK === '1';
const concurrency = 4;
const figures: Figure[] = [];

console.log(
  `devauth bench (${quick ? 'quick' : 'full'}; ${availableParallelism()} CPUs, concurrency ${concurrency})\n`,
);

const login = await benchLoginVersusHash({ rounds: quick ? 3 : 7, opsPerRound: quick ? 40 : 160, concurrency });
figures.push(...login.figures);
console.log(`raw argon2id verify (m=19456,t=2,p=1), rounds: ${login.raw.map((v) => v.toFixed(1)).join(', ')} ops/s`);
console.log(`login use case,                        rounds: ${login.login.map((v) => v.toFixed(1)).join(', ')} ops/s`);
console.log(`login/raw-hash throughput ratio: ${login.ratio.toFixed(3)}  (target >= 0.95)`);
console.log(`event-loop delay p99 during login: ${login.loopP99.toFixed(2)} ms  (target <= 10 ms)`);

console.log('\nper engine (use cases, fake broker, tiny argon2id so the store dominates):');
const engines = await benchEngines({ rounds: quick ? 2 : 5, opsPerRound: quick ? 40 : 200, concurrency: 8 });
figures.push(...engines);
for (const figure of engines) {
  const versus = figure.ratio === null ? '' : `  (x${figure.ratio} vs PGlite)`;
  console.log(`  ${figure.name}: ${figure.value} ${figure.unit}${versus}`);
}

const path = saveFigures(figures, {
  generatedAt: new Date().toISOString(),
  node: process.version,
  cpus: availableParallelism(),
  concurrency,
  quick,
});
console.log(`\nwrote ${path}`);
