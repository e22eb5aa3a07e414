/**
 * `pnpm bench`: every figure measured side by side with what it is compared to, in one run, medians of several
 * rounds. Writes bench/results/latest.json, then docs/bench/README.md and docs/bench/figures.svg (bench/report.ts).
 * Set BENCH_QUICK=1 for a short smoke run.
 */
import { availableParallelism } from 'node:os';
import { benchBetterAuth } from './better-auth.bench.js';
import { benchBundles } from './bundles.bench.js';
import { benchColdStart } from './cold-start.bench.js';
import { benchEngines } from './engines.bench.js';
import { benchImport } from './import.bench.js';
import { childNodeVersion, type LambdaStack, startLambdaStack } from './lambda-stack.js';
import { describeTarget, type Figure, meetsTarget, saveFigures, targetOf } from './lib.js';
import { benchLoginVersusHash } from './login-vs-hash.bench.js';
import { benchMemory } from './memory.bench.js';
import { memorySizeFigures } from './memory-size.js';
import { writeReport } from './report.js';
import { benchResetRequest } from './reset-request.bench.js';
import { benchThreadpool } from './threadpool.bench.js';

const quick = process.env.BENCH_QUICK === '1';
const concurrency = 4;
const figures: Figure[] = [];
const targetText = (figure: Figure) => {
  const target = targetOf(figure.name);
  return target ? `  (target ${describeTarget(target, figure.unit)})` : '';
};

console.log(
  `devauth bench (${quick ? 'quick' : 'full'}; ${availableParallelism()} CPUs, concurrency ${concurrency})\n`,
);

// 1 and 3: login through the Lambda handler vs raw argon2id verify; event-loop delay during login load.
const login = await benchLoginVersusHash({ rounds: quick ? 3 : 9, opsPerRound: quick ? 40 : 160, concurrency });
figures.push(...login.figures);
console.log(`raw argon2id verify (m=19456,t=2,p=1), rounds: ${login.raw.map((v) => v.toFixed(1)).join(', ')} ops/s`);
console.log(`login handler (Lambda, v2 event),      rounds: ${login.login.map((v) => v.toFixed(1)).join(', ')} ops/s`);
console.log(`login/raw-hash throughput ratio: ${login.ratio.toFixed(3)}  (target >= 0.95)`);
console.log(`event-loop delay p99 during login: ${login.loopP99.toFixed(2)} ms  (target <= 10 ms)`);

// 2: Better Auth, same parameters and concurrency.
console.log('\nBetter Auth comparison:');
const betterAuth = await benchBetterAuth({ rounds: quick ? 3 : 7, opsPerRound: quick ? 40 : 160, concurrency });
figures.push(...betterAuth.figures);
for (const line of betterAuth.lines) console.log(line);

// 6: the password-reset request against its response floor, known vs unknown accounts.
console.log('\npassword reset request (response floor, known vs unknown account):');
const reset = await benchResetRequest({ rounds: quick ? 2 : 6, opsPerRound: quick ? 16 : 64, concurrency: 8 });
figures.push(...reset.figures);
for (const figure of reset.figures)
  console.log(`  ${figure.name}: ${figure.value} ${figure.unit}${targetText(figure)}`);

// 5: per engine.
console.log('\nper engine (use cases, fake broker, tiny argon2id so the store dominates):');
const engines = await benchEngines({ rounds: quick ? 2 : 5, opsPerRound: quick ? 40 : 200, concurrency: 8 });
figures.push(...engines);
for (const figure of engines) {
  const versus = figure.ratio === null ? '' : `  (x${figure.ratio} vs PGlite)`;
  console.log(`  ${figure.name}: ${figure.value} ${figure.unit}${versus}${targetText(figure)}`);
}

// Importing users per store: ImportUsers vs the engine's plainest bulk write of the same users.
console.log('\nimport-users per store (rows/s, ImportUsers vs the raw batch write of the same users):');
const imports = await benchImport({ rounds: quick ? 4 : 8, rows: quick ? 1_000 : 5_000 });
figures.push(...imports);
for (const figure of imports) {
  const versus = figure.ratio === null ? '' : `  (x${figure.ratio} vs raw)`;
  console.log(`  ${figure.name}: ${figure.value} ${figure.unit}${versus}${targetText(figure)}`);
}

// 4: handler bundles vs an SDK-only baseline bundle.
console.log('\nhandler bundles vs SDK-only baseline (fresh node process per sample):');
const bundles = await benchBundles({ rounds: quick ? 5 : 15 });
figures.push(...bundles.figures);
for (const line of bundles.lines) console.log(line);

// 7, 8 and 9: the bundled login handler in fresh processes against PostgreSQL 15 and the identity-pool emulator: cold
// start through the first response vs an SDK-only baseline, memory over sequential logins, and the memory-size model.
console.log('\ncold start and memory (bundled login handler, PostgreSQL 15, identity-pool emulator, argon2id OWASP):');
let stack: LambdaStack | undefined;
try {
  stack = await startLambdaStack();
} catch (error) {
  console.error(`cold start and memory benchmarks skipped: ${(error as Error).message}`);
}
if (stack) {
  try {
    console.log(` 7. cold start to the first response (fresh node ${childNodeVersion()} process per sample):`);
    const cold = await benchColdStart(stack, { rounds: quick ? 5 : 15, profiles: quick ? 1 : 3 });
    figures.push(...cold.figures);
    for (const line of cold.lines) console.log(line);
    console.log(' 8. memory over sequential logins (one fresh process):');
    const memory = await benchMemory(stack, { logins: quick ? 300 : 1000 });
    figures.push(...memory.figures);
    for (const line of memory.lines) console.log(line);
    console.log(' 9. login latency and cost per Lambda memory size (model from figure 8):');
    const model = memorySizeFigures(memory);
    figures.push(...model.figures);
    for (const line of model.lines) console.log(line);
  } finally {
    await stack.stop();
  }
}

// 10: login throughput with libuv thread pools of 1, 2 and 4 threads.
console.log('\nlogin throughput by UV_THREADPOOL_SIZE (fresh child per size, same concurrency):');
const threadpool = await benchThreadpool({ rounds: quick ? 3 : 7, opsPerRound: quick ? 40 : 160, concurrency });
figures.push(...threadpool.figures);
for (const line of threadpool.lines) console.log(line);

const path = saveFigures(
  figures,
  {
    generatedAt: new Date().toISOString(),
    node: process.version,
    handlerNode: childNodeVersion(),
    cpus: availableParallelism(),
    concurrency,
    quick,
  },
  // Renamed: the login side now goes through the Lambda handler.
  ['login use case throughput (in-memory, fake broker)'],
);
console.log(`\nwrote ${path}`);
console.log(`wrote ${writeReport().join(', ')}`);
const checked = figures.filter((figure) => meetsTarget(figure) !== null);
const missed = checked.filter((figure) => meetsTarget(figure) === false);
console.log(`targets met: ${checked.length - missed.length} of ${checked.length}`);
for (const figure of missed) {
  const ratio = figure.ratio === null ? '' : `, ratio ${figure.ratio}`;
  console.log(`  missed: ${figure.name} = ${figure.value} ${figure.unit}${ratio}${targetText(figure)}`);
}
