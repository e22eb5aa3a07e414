import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Measuring one import of a bundle, each in a fresh `node` process with a clean environment: its cold import time
 * (timed in the child) and process wall time (timed here), or, in a separate untimed child, every file it loads.
 */

/** Runs in each fresh child: time the import of the entry, report as JSON. */
const TIMED_CHILD = `
const t0 = performance.now();
await import(process.env.BENCH_ENTRY);
const t1 = performance.now();
process.stdout.write(JSON.stringify({ importMs: t1 - t0, sinceStartMs: t1 }));
`;

/** Loader hook (ESM loads) for the untimed size child; CommonJS loads are read from require.cache afterwards. */
export const HOOKS = `import { appendFileSync } from 'node:fs';
let out;
export function initialize(data) { out = data.out; }
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(out, url + '\\n');
  return next(url, context);
}
`;

const SIZE_CHILD = `
import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
register(process.env.BENCH_HOOKS, { data: { out: process.env.BENCH_OUT } });
await import(process.env.BENCH_ENTRY);
const cache = createRequire(pathToFileURL(process.cwd() + '/').href).cache;
for (const file of Object.keys(cache)) appendFileSync(process.env.BENCH_OUT, pathToFileURL(file).href + '\\n');
`;

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  // A clean environment, as a Lambda's: no NODE_OPTIONS (tsx) inherited from the bench process.
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    AWS_REGION: 'us-east-1',
    ...extra,
  };
}

function runChild(code: string, env: Record<string, string>, cwd: string): string {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd,
    env: childEnv(env),
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.status !== 0) {
    throw new Error(`import of ${env.BENCH_ENTRY} failed (${result.status}): ${result.stderr.slice(0, 2000)}`);
  }
  return result.stdout;
}

export function timeImport(entry: string, cwd: string): { importMs: number; wallMs: number } {
  const started = performance.now();
  const out = runChild(TIMED_CHILD, { BENCH_ENTRY: pathToFileURL(entry).href }, cwd);
  const wallMs = performance.now() - started;
  const { importMs } = JSON.parse(out) as { importMs: number };
  return { importMs, wallMs };
}

export interface Loaded {
  readonly total: number;
  readonly bundle: number;
  readonly nodeModules: number;
  readonly native: number;
  readonly files: number;
}

/** Bytes of every file one import of `entry` loads (JS modules and native addons, deduplicated). */
export function bytesLoaded(entry: string, bundleDir: string, tmp: string, hooks: string): Loaded {
  const out = join(tmp, `loaded-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(out, '');
  runChild(SIZE_CHILD, { BENCH_ENTRY: pathToFileURL(entry).href, BENCH_HOOKS: hooks, BENCH_OUT: out }, bundleDir);
  const files = new Set(
    readFileSync(out, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('file:'))
      .map((url) => fileURLToPath(url)),
  );
  const loaded = { total: 0, bundle: 0, nodeModules: 0, native: 0, files: files.size };
  for (const file of files) {
    const bytes = statSync(file).size;
    loaded.total += bytes;
    if (file.endsWith('.node')) loaded.native += bytes;
    else if (file.includes(`${sep}node_modules${sep}`)) loaded.nodeModules += bytes;
    else if (file.startsWith(bundleDir)) loaded.bundle += bytes;
  }
  return loaded;
}
