/**
 * Where a cold start's time goes, for figure 7: one more child per side, untimed by the figure itself, run with V8's
 * CPU profiler (`--cpu-prof`) and with its waits recorded in the process:
 *
 * - waits (wall time): every TCP connection to PostgreSQL (connect, then startup and authentication until the first
 *   ReadyForQuery) and every statement on it (first byte written until ReadyForQuery), the call to the identity-pool
 *   emulator (connect to the last byte of the answer), and each argon2 derivation (call until its promise settles);
 *   they are recorded by wrapping `net.Socket.prototype.connect` and the addon's functions, which neither side's code
 *   can tell apart from the real ones;
 * - CPU of the main thread, per owner: each profile sample goes to the package that owns the code on top of the stack,
 *   through the bundle's source map for bundled code (the handler's bundle is built once more, identically, with a
 *   source map), by path for modules loaded from node_modules (the AWS SDK), and to Node's module loader, garbage
 *   collector or idle time otherwise. Idle time is the main thread waiting: for the waits above, mostly.
 *
 * Phases: node startup (to the first line of the child's code), import of the bundle, first invocation; all times are
 * the child's `performance.now()`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBundler } from './bundles/build.js';
import { copyNativeBindings, entryUrl, type LambdaStack, runChild } from './lambda-stack.js';

/** Records the waits in globalThis.__benchWaits (a preamble after COUNT_ARGON2, for the profiled children only). */
export const RECORD_WAITS = `
import __benchNet from 'node:net';
globalThis.__benchWaits = [];
const __benchPorts = { [process.env.BENCH_PG_PORT]: 'pg', [process.env.BENCH_COGNITO_PORT]: 'cognito' };
const __benchConnect = __benchNet.Socket.prototype.connect;
const __benchReady = (chunk) =>
  chunk.length >= 6 && chunk[chunk.length - 6] === 0x5a && chunk.readInt32BE(chunk.length - 5) === 5;
__benchNet.Socket.prototype.connect = function (...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const port = typeof first === 'object' && first !== null ? first.port : first;
  const kind = __benchPorts[String(port)];
  // After the real connect, which resets an instance's own write to Socket.prototype.write.
  const socket = __benchConnect.apply(this, args);
  if (kind && !this.__benchTracked) {
    this.__benchTracked = true;
    const waits = globalThis.__benchWaits;
    if (kind === 'pg') {
      let pending = { kind: 'store connect', start: performance.now() };
      const write = this.write;
      this.write = function (...chunk) {
        pending ??= { kind: 'statement', start: performance.now() };
        return write.apply(this, chunk);
      };
      this.on('data', (chunk) => {
        if (pending && __benchReady(chunk)) {
          waits.push({ ...pending, end: performance.now() });
          pending = undefined;
        }
      });
    } else {
      const wait = { kind: 'Cognito call', start: performance.now(), end: performance.now() };
      waits.push(wait);
      this.on('data', () => { wait.end = performance.now(); });
    }
  }
  return socket;
};
for (const name of ['hashRaw', 'verify', 'hash']) {
  const original = __argon2[name];
  __argon2[name] = function (...args) {
    const wait = { kind: 'argon2 hash', start: performance.now() };
    const done = original.apply(this, args);
    done.finally(() => globalThis.__benchWaits.push({ ...wait, end: performance.now() })).catch(() => {});
    return done;
  };
}
`;

interface Wait {
  readonly kind: string;
  readonly start: number;
  readonly end: number;
}

interface ProfiledLine {
  readonly statusCode: number;
  readonly bootMs: number;
  readonly importStart: number;
  readonly importEnd: number;
  readonly invokeEnd: number;
  /** hrtime in µs minus performance.now() in µs: turns profile timestamps into the child's clock. */
  readonly clockOffsetUs: number;
  readonly waits: readonly Wait[];
}

interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
      readonly columnNumber: number;
    };
    readonly children?: readonly number[];
  }[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** A profiled cold start: wall time of each phase, CPU per owner in each phase, and the waits of the invocation. */
export interface ColdStartProfile {
  readonly bootMs: number;
  readonly importMs: number;
  readonly invokeMs: number;
  /** Self time (ms) per owner, in the import and in the first invocation. */
  readonly cpu: { readonly import: Map<string, number>; readonly invoke: Map<string, number> };
  /** Wall time (ms) per kind of wait during the invocation (overlapping waits of one kind counted once). */
  readonly waits: Map<string, number>;
  readonly waitCounts: Map<string, number>;
}

const PROFILED_CHILD = (preamble: string) => `
import { createRequire } from 'node:module';
import { writeSync } from 'node:fs';
const bootMs = performance.now();
${preamble}
const event = JSON.parse(process.env.BENCH_EVENT);
const importStart = performance.now();
const { handler } = await import(process.env.BENCH_ENTRY_URL);
const importEnd = performance.now();
const cold = await handler(event, { awsRequestId: 'bench-profile' });
const invokeEnd = performance.now();
const clockOffsetUs = Number(process.hrtime.bigint() / 1000n) - performance.now() * 1000;
writeSync(3, JSON.stringify({ statusCode: cold.statusCode, bootMs, importStart, importEnd, invokeEnd, clockOffsetUs, waits: globalThis.__benchWaits }) + '\\n');
process.exit(0);
`;

/** Total length of the union of intervals. */
function unionMs(intervals: readonly { start: number; end: number }[]): number {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  let total = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const { start, end: to } of sorted) {
    if (to <= end) continue;
    total += to - Math.max(start, end);
    end = to;
  }
  return total;
}

/** Which package a source path (bundle input or loaded file) belongs to, grouped as the figures name them. */
export function ownerOfSource(path: string): string {
  const module = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (module) {
    const name = module[1]!;
    if (/^@(aws-sdk|smithy|aws-crypto|aws)\//.test(name) || name === 'tslib' || name === 'fast-xml-parser') {
      return name === 'tslib' ? 'tsyringe, reflect-metadata, tslib' : 'AWS SDK';
    }
    if (name === '@node-rs/argon2' || name.startsWith('@node-rs/')) return 'argon2 addon (JS side)';
    if (name === 'tsyringe' || name === 'reflect-metadata') return 'tsyringe, reflect-metadata, tslib';
    if (/^(pg|pg-.*|postgres-.*|pgpass|split2|xtend)$/.test(name)) return 'pg (driver)';
    return name;
  }
  const workspace = /packages\/([^/]+)\/src\/(.*)$/.exec(path);
  if (workspace) {
    if (workspace[1] === 'lambda-handlers' && workspace[2] === 'config.ts') return '@devauth/lambda-handlers config';
    return `@devauth/${workspace[1]}`;
  }
  return path;
}

type Frame = CpuProfile['nodes'][number]['callFrame'];

const UNDICI = 'undici (Node 20 loads it on first use of Response)';

/** The owner of a frame with a script: its package (bundled code through the source map), or undefined. */
function scriptOwner(frame: Frame, maps: Map<string, SourceMap | null>): string | undefined {
  const { url } = frame;
  if (url.startsWith('node:internal/deps/undici')) return UNDICI;
  if (!url.startsWith('file:')) return undefined;
  if (!maps.has(url)) {
    let map: SourceMap | null = null;
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(url)}.map`, 'utf8')));
    } catch {
      map = null;
    }
    maps.set(url, map);
  }
  const file = fileURLToPath(url);
  const map = maps.get(url);
  if (map) {
    const entry = map.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string };
    // Bundle code with no source: esbuild's module wrappers and the banner.
    return entry.originalSource ? ownerOfSource(entry.originalSource) : 'bundle: esbuild runtime (module wrappers)';
  }
  if (file.includes('/node_modules/')) return ownerOfSource(file);
  return /\[eval\d*\]$/.test(file) ? 'bench child script' : 'handler code (no source map)';
}

/** What a frame without a script is, when no script is below it on the stack. */
function nativeOwner(frame: Frame): string {
  const { url, functionName } = frame;
  if (functionName === '(idle)') return 'idle (waiting)';
  if (functionName === '(garbage collector)') return 'garbage collector';
  if (url.startsWith('node:internal/modules') || url.startsWith('node:internal/vm')) {
    return 'node: module loading (resolve, read, compile)';
  }
  if (url.startsWith('node:')) return 'node: other built-ins';
  return 'V8 and native (program)';
}

function readProfile(dir: string, line: ProfiledLine): { import: Map<string, number>; invoke: Map<string, number> } {
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no CPU profile in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const maps = new Map<string, SourceMap | null>();
  const ownerCache = new Map<number, string>();
  const ownerOfNode = (id: number): string => {
    const cached = ownerCache.get(id);
    if (cached) return cached;
    // The nearest script on the stack owns a sample: Node's built-ins and native code are charged to whoever called
    // them (a module's require of 'tls' to that module's package); with no script below, the top frame says what it is.
    let at: number | undefined = id;
    let owner: string | undefined;
    while (at !== undefined && owner === undefined) {
      owner = scriptOwner(byId.get(at)!.callFrame, maps);
      at = parent.get(at);
    }
    const found = owner ?? nativeOwner(byId.get(id)!.callFrame);
    ownerCache.set(id, found);
    return found;
  };
  const cpu = { import: new Map<string, number>(), invoke: new Map<string, number>() };
  let time = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i]!;
    // A sample covers the interval up to the next one.
    const durationMs = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const at = (time - line.clockOffsetUs) / 1000;
    const phase =
      at >= line.importStart && at < line.importEnd
        ? cpu.import
        : at >= line.importEnd && at < line.invokeEnd
          ? cpu.invoke
          : null;
    if (!phase) continue;
    const owner = ownerOfNode(profile.samples[i]!);
    phase.set(owner, (phase.get(owner) ?? 0) + durationMs);
  }
  return cpu;
}

export interface ProfiledSide {
  readonly entry: string;
  readonly dir: string;
  readonly env: Readonly<Record<string, string>>;
}

/** Builds the login bundle once more with a source map (same code, same settings otherwise) for the attribution. */
export async function buildMappedLogin(stack: LambdaStack): Promise<ProfiledSide> {
  const { script, build } = await loadBundler();
  const dir = join(stack.tmp, 'login-mapped');
  const source = join(fileURLToPath(new URL('../packages/lambda-handlers/src/entries/login.ts', import.meta.url)));
  await build({ ...script.bundleOptions(source, dir), sourcemap: true } as Parameters<typeof build>[0]);
  copyNativeBindings(stack, dir);
  return { entry: join(dir, 'index.mjs'), dir, env: stack.handlerEnv };
}

export async function profileColdStart(
  side: ProfiledSide,
  stack: LambdaStack,
  preamble: string,
  name: string,
  args: readonly string[] = [],
): Promise<ColdStartProfile> {
  const dir = join(stack.tmp, `profile-${name.replace(/\W+/g, '-')}-${Date.now().toString(36)}`);
  const env = {
    ...side.env,
    BENCH_ENTRY: side.entry,
    BENCH_ENTRY_URL: entryUrl(side.entry),
    BENCH_EVENT: stack.event,
    BENCH_PG_PORT: String(stack.postgresPort),
    BENCH_COGNITO_PORT: String(new URL(stack.emulatorEndpoint).port),
  };
  const { lines } = await runChild<ProfiledLine>(PROFILED_CHILD(`${preamble}\n${RECORD_WAITS}`), env, side.dir, {
    args: [...args, '--cpu-prof', '--cpu-prof-interval', '250', '--cpu-prof-dir', dir],
  });
  const line = lines[0]!;
  if (line.statusCode !== 200) throw new Error(`profiled ${name} answered ${line.statusCode}`);
  const inInvocation = line.waits.filter((wait) => wait.start >= line.importEnd && wait.end <= line.invokeEnd);
  const waits = new Map<string, number>();
  const waitCounts = new Map<string, number>();
  for (const kind of new Set(inInvocation.map((wait) => wait.kind))) {
    const ofKind = inInvocation.filter((wait) => wait.kind === kind);
    waits.set(kind, unionMs(ofKind));
    waitCounts.set(kind, ofKind.length);
  }
  waits.set('all waits together', unionMs(inInvocation));
  return {
    bootMs: line.bootMs,
    importMs: line.importEnd - line.importStart,
    invokeMs: line.invokeEnd - line.importEnd,
    cpu: readProfile(dir, line),
    waits,
    waitCounts,
  };
}
