/**
 * Figure 8 (and the input of figure 9). One fresh `node` process (clean environment) imports the BUNDLED login
 * handler and answers `logins` sequential logins of the registered user, against the stack of lambda-stack.ts
 * (PostgreSQL 15, the identity-pool emulator; argon2id at the OWASP parameters), as one Lambda instance would serve
 * them one after the other:
 *
 * - the process runs with the V8 heap limits Lambda's Node.js runtime gives a 128 MB function (LAMBDA_128_MB_FLAGS):
 *   with the host's defaults V8 lets garbage pile up to what this machine's memory allows, which says nothing about
 *   a function;
 * - peak RSS: the process's maximum resident set size over all of them (VmHWM of /proc/self/status, which also
 *   catches the argon2 buffer of every hash, between samples; not getrusage's maxRSS, which on Linux starts from the
 *   parent's RSS at fork and so reports this bench process's), against Lambda's smallest memory size, 128 MB (target
 *   <= 128 MB);
 * - growth after warm-up: RSS at the last login against RSS at login 100 (target <= 5 %), each the median of the 20
 *   samples (one after every login) ending there, so one sample caught with or without a freed hash buffer does not
 *   decide it; memory that keeps growing login after login would end every instance in an out-of-memory kill. The
 *   growth over the last 40 % of the logins is reported too: it tells a leak (still growing) from a heap that was
 *   still settling after login 100;
 * - CPU time of one warm login: `process.cpuUsage()` (all threads: the main thread and the libuv thread that runs the
 *   hash) around each login after the warm-up, and its wall time; the non-CPU wait is wall minus CPU (the store's and
 *   the identity pool's round trips). Medians. Figure 9 models the latency per Lambda memory size from these.
 */
import { COUNT_ARGON2, entryUrl, type LambdaStack, lambdaNodeFlags, runChild } from './lambda-stack.js';
import { type Figure, median, percentile, round } from './lib.js';

export const WARM_UP_LOGINS = 100;

export const MEMORY_FIGURES = {
  peak: 'login handler peak RSS over sequential logins (bundled, PostgreSQL, argon2id OWASP)',
  atWarmUp: `login handler RSS after login ${WARM_UP_LOGINS}`,
  atEnd: 'login handler RSS after the last login',
  growth: `login handler RSS growth after warm-up (last login vs login ${WARM_UP_LOGINS})`,
  lateGrowth: 'login handler RSS growth over the last 40 % of the logins',
  cpu: 'warm login CPU time (bundled handler, all threads, median)',
  wall: 'warm login wall time (bundled handler, median)',
  wait: 'warm login non-CPU wait (wall minus CPU, median)',
  derivations: 'warm login argon2 derivations per login',
} as const;

const LAMBDA_SMALLEST_MB = 128;

/** The V8 heap flags of a 128 MB function (`--max-semi-space-size=6 --max-old-space-size=116`). */
export const LAMBDA_128_MB_FLAGS = lambdaNodeFlags(LAMBDA_SMALLEST_MB);

/** RSS "at" a login: the median of the samples after the WINDOW logins ending there. */
const WINDOW = 20;

const CHILD = `
import { createRequire } from 'node:module';
import { readFileSync, writeSync } from 'node:fs';
${COUNT_ARGON2}
const logins = Number(process.env.BENCH_LOGINS);
const warmUp = Number(process.env.BENCH_WARM_UP);
const event = JSON.parse(process.env.BENCH_EVENT);
const { handler } = await import(process.env.BENCH_ENTRY_URL);
const rss = [];
const heap = [];
const native = [];
const cpuMs = [];
const wallMs = [];
for (let i = 1; i <= logins; i++) {
  const calls = globalThis.__argon2Calls;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const response = await handler(event, { awsRequestId: 'bench-memory-' + i });
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  if (response.statusCode !== 200) throw new Error('login ' + i + ' answered ' + response.statusCode);
  if (globalThis.__argon2Calls - calls !== 1) throw new Error('login ' + i + ' ran ' + (globalThis.__argon2Calls - calls) + ' derivations');
  const memory = process.memoryUsage();
  rss.push(memory.rss);
  heap.push(memory.heapUsed);
  native.push(memory.rss - memory.heapTotal);
  if (i > warmUp) {
    cpuMs.push((used.user + used.system) / 1000);
    wallMs.push(wall);
  }
}
// The peak of this process's own memory: VmHWM (Linux), as getrusage's maxRSS starts from the parent's RSS at fork.
const hwm = (() => { try { return Number(/VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]); } catch { return undefined; } })();
writeSync(3, JSON.stringify({ rss, heap, native, cpuMs, wallMs, maxRssKiB: hwm ?? process.resourceUsage().maxRSS, derivations: globalThis.__argon2Calls }) + '\\n');
process.exit(0);
`;

interface MemoryLine {
  readonly rss: number[];
  readonly heap: number[];
  readonly native: number[];
  readonly cpuMs: number[];
  readonly wallMs: number[];
  readonly maxRssKiB: number;
  readonly derivations: number;
}

export interface MemoryResult {
  readonly figures: Figure[];
  readonly lines: string[];
  readonly peakRssMb: number;
  readonly cpuMs: number;
  readonly waitMs: number;
  readonly wallMs: number;
}

const mb = (bytes: number) => bytes / (1024 * 1024);

export async function benchMemory(stack: LambdaStack, options: { logins: number }): Promise<MemoryResult> {
  if (options.logins <= WARM_UP_LOGINS) throw new RangeError(`logins must exceed the ${WARM_UP_LOGINS}-login warm-up`);
  const env = {
    ...stack.handlerEnv,
    BENCH_ENTRY: stack.login.entry,
    BENCH_ENTRY_URL: entryUrl(stack.login.entry),
    BENCH_EVENT: stack.event,
    BENCH_LOGINS: String(options.logins),
    BENCH_WARM_UP: String(WARM_UP_LOGINS),
  };
  const calls = stack.tokenCalls();
  const { lines: reports } = await runChild<MemoryLine>(CHILD, env, stack.login.dir, {
    timeoutMs: 30 * 60_000,
    args: LAMBDA_128_MB_FLAGS,
  });
  const report = reports[0]!;
  if (stack.tokenCalls() - calls !== options.logins) {
    throw new Error(`expected ${options.logins} identity-pool calls, saw ${stack.tokenCalls() - calls}`);
  }
  const peakMb = report.maxRssKiB / 1024;
  const at = (login: number) => mb(median(report.rss.slice(Math.max(0, login - WINDOW), login)));
  const atWarmUp = at(WARM_UP_LOGINS);
  const atEnd = at(options.logins);
  const growthPercent = ((atEnd - atWarmUp) / atWarmUp) * 100;
  const lateStart = at(Math.round(options.logins * 0.6));
  const lateGrowthPercent = ((atEnd - lateStart) / lateStart) * 100;
  const cpuMs = median(report.cpuMs);
  const wallMs = median(report.wallMs);
  const waits = report.wallMs.map((wall, i) => Math.max(0, wall - report.cpuMs[i]!));
  const waitMs = median(waits);
  const value = (name: string, v: number, unit: string, digits = 1): Figure => ({
    name,
    value: round(v, digits),
    unit,
    compared_to: null,
    ratio: null,
  });
  const figures: Figure[] = [
    value(MEMORY_FIGURES.peak, peakMb, 'MB'),
    value(MEMORY_FIGURES.atWarmUp, atWarmUp, 'MB'),
    {
      ...value(MEMORY_FIGURES.atEnd, atEnd, 'MB'),
      compared_to: MEMORY_FIGURES.atWarmUp,
      ratio: round(atEnd / atWarmUp),
    },
    value(MEMORY_FIGURES.growth, growthPercent, '%', 2),
    value(MEMORY_FIGURES.lateGrowth, lateGrowthPercent, '%', 2),
    value(MEMORY_FIGURES.cpu, cpuMs, 'ms', 2),
    value(MEMORY_FIGURES.wall, wallMs, 'ms', 2),
    value(MEMORY_FIGURES.wait, waitMs, 'ms', 2),
    value(MEMORY_FIGURES.derivations, report.derivations / options.logins, 'derivations', 3),
  ];
  const every = Math.max(1, Math.floor(options.logins / 10));
  const sampled = (series: readonly number[]) =>
    series
      .map((bytes, i) => ({ login: i + 1, bytes }))
      .filter(({ login }) => login === 1 || login % every === 0 || login === WARM_UP_LOGINS)
      .map(({ login, bytes }) => `${login}: ${mb(bytes).toFixed(1)}`)
      .join(', ');
  const lines = [
    `  ${options.logins} sequential logins in one process: peak RSS ${peakMb.toFixed(1)} MB (target <= ${LAMBDA_SMALLEST_MB} MB); ` +
      `RSS ${atWarmUp.toFixed(1)} MB after login ${WARM_UP_LOGINS}, ${atEnd.toFixed(1)} MB after the last ` +
      `(${growthPercent >= 0 ? '+' : ''}${growthPercent.toFixed(2)} %, target <= 5 %; over the last 40 %: ` +
      `${lateGrowthPercent >= 0 ? '+' : ''}${lateGrowthPercent.toFixed(2)} %; medians of ${WINDOW} samples; V8 flags ` +
      `${LAMBDA_128_MB_FLAGS.join(' ')})`,
    `  RSS by login: ${sampled(report.rss)} MB`,
    `  V8 heap used by login: ${sampled(report.heap)} MB`,
    `  RSS outside the V8 heap by login (native: addon, buffers, malloc): ${sampled(report.native)} MB`,
    `  warm login (logins ${WARM_UP_LOGINS + 1}..${options.logins}): CPU ${cpuMs.toFixed(2)} ms (p90 ` +
      `${percentile(report.cpuMs, 90).toFixed(2)}), wall ${wallMs.toFixed(2)} ms (p90 ${percentile(report.wallMs, 90).toFixed(2)}), ` +
      `non-CPU wait ${waitMs.toFixed(2)} ms; argon2 derivations ${report.derivations} for ${options.logins} logins`,
  ];
  return { figures, lines, peakRssMb: peakMb, cpuMs, waitMs, wallMs };
}
