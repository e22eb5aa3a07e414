/**
 * Figure 4. Cold import time and size of each Lambda handler bundle against an SDK-only baseline.
 *
 * - The handler bundles are built exactly as `pnpm bundle` builds them (`buildBundles` of
 *   packages/lambda-handlers/scripts/bundle.mjs, native bindings copied beside each route), into a temporary directory
 *   under the repository's `.devauth-tmp/`, so that externals (`@aws-sdk/*`) resolve from the workspace's
 *   node_modules the way they resolve from the Lambda runtime's.
 * - The baseline is a tiny handler that only imports `CognitoIdentityClient` from @aws-sdk/client-cognito-identity
 *   and creates a client at module scope (as a real handler would), bundled with the same esbuild settings
 *   (`bundleOptions`): the SDK stays external, as in the Lambda runtime.
 * - Cold import: one fresh `node` process per sample imports the bundle's entry; the child times `await import()` with
 *   performance.now() and the parent times the whole process (spawn to exit). Rounds alternate handler and baseline
 *   (login, baseline, register, baseline, ...); medians of the rounds.
 * - Sizes: the entry file alone; the entry plus every chunk it can load (all of the route's chunks, static and
 *   dynamic, without the copied native bindings); and what an import actually loads from disk, recorded in a separate,
 *   untimed child with a module loader hook: bundle files, modules resolved from node_modules (the SDK for the
 *   baseline) and native addons.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Figure, median, round } from './lib.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundleScript = join(repoRoot, 'packages', 'lambda-handlers', 'scripts', 'bundle.mjs');

interface Metafile {
  readonly outputs: Record<
    string,
    {
      readonly bytes: number;
      readonly entryPoint?: string;
      readonly imports: readonly { readonly path: string; readonly kind: string; readonly external?: boolean }[];
      readonly inputs: Record<string, { readonly bytesInOutput: number }>;
    }
  >;
}

/** What bench needs of bundle.mjs (plain JavaScript, so typed here). */
interface BundleScript {
  readonly ROUTES: readonly string[];
  bundleOptions(entry: string, outdir: string): Record<string, unknown>;
  buildBundles(options: {
    outRoot: string;
    routes?: readonly string[];
    metafile?: boolean;
  }): Promise<{ route: string; metafile?: Metafile }[]>;
}

export const BASELINE = 'SDK-only baseline';

export const BUNDLE_FIGURES = {
  importTime: (name: string) => `bundle ${name}: cold import time`,
  wallTime: (name: string) => `bundle ${name}: cold process wall time`,
  entry: (name: string) => `bundle ${name}: entry file size`,
  chunks: (name: string) => `bundle ${name}: entry + all chunks size`,
  loaded: (name: string) => `bundle ${name}: bytes loaded by import (JS + native addons)`,
  loadedJs: (name: string) => `bundle ${name}: JavaScript loaded by import`,
};

const BASELINE_SOURCE = `// SDK-only baseline: a handler that only imports the Cognito client and creates it at module scope.
import { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';

const client = new CognitoIdentityClient({});

export const handler = async () => ({ statusCode: 200, body: typeof client.send });
`;

/** Runs in each fresh child: time the import of the entry, report as JSON. */
const TIMED_CHILD = `
const t0 = performance.now();
await import(process.env.BENCH_ENTRY);
const t1 = performance.now();
process.stdout.write(JSON.stringify({ importMs: t1 - t0, sinceStartMs: t1 }));
`;

/** Loader hook (ESM loads) for the untimed size child; CommonJS loads are read from require.cache afterwards. */
const HOOKS = `import { appendFileSync } from 'node:fs';
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

function timeImport(entry: string, cwd: string): { importMs: number; wallMs: number } {
  const started = performance.now();
  const out = runChild(TIMED_CHILD, { BENCH_ENTRY: pathToFileURL(entry).href }, cwd);
  const wallMs = performance.now() - started;
  const { importMs } = JSON.parse(out) as { importMs: number };
  return { importMs, wallMs };
}

interface Loaded {
  readonly total: number;
  readonly bundle: number;
  readonly nodeModules: number;
  readonly native: number;
  readonly files: number;
}

/** Bytes of every file one import of `entry` loads (JS modules and native addons, deduplicated). */
function bytesLoaded(entry: string, bundleDir: string, tmp: string, hooks: string): Loaded {
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

/** Output files reachable from the entry through static imports (what `import` of the entry loads of the bundle). */
function staticClosure(metafile: Metafile, entryOutput: string): Set<string> {
  const seen = new Set<string>([entryOutput]);
  const queue = [entryOutput];
  while (queue.length > 0) {
    const output = metafile.outputs[queue.pop()!];
    for (const imported of output?.imports ?? []) {
      if (imported.external || imported.kind !== 'import-statement' || seen.has(imported.path)) continue;
      seen.add(imported.path);
      queue.push(imported.path);
    }
  }
  return seen;
}

/** Which package (or workspace source folder) an esbuild input belongs to. */
function ownerOf(input: string): string {
  const module = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (module) return module[1]!;
  const workspace = /packages\/([^/]+)\/src/.exec(input);
  return workspace ? `@devauth/${workspace[1]} (source)` : input;
}

/** Bytes in the output per package, split into what the entry loads at import and what only dynamic imports load. */
function breakdown(metafile: Metafile, entryOutput: string): { owner: string; atImport: number; dynamic: number }[] {
  const atImport = staticClosure(metafile, entryOutput);
  const rows = new Map<string, { owner: string; atImport: number; dynamic: number }>();
  for (const [path, output] of Object.entries(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const owner = ownerOf(input);
      const row = rows.get(owner) ?? { owner, atImport: 0, dynamic: 0 };
      if (atImport.has(path)) row.atImport += bytesInOutput;
      else row.dynamic += bytesInOutput;
      rows.set(owner, row);
    }
  }
  return [...rows.values()].sort((a, b) => b.atImport + b.dynamic - (a.atImport + a.dynamic));
}

const kib = (bytes: number) => round(bytes / 1024, 1);

interface Target {
  readonly name: string;
  readonly dir: string;
  readonly entry: string;
  readonly metafile: Metafile;
  readonly entryOutput: string;
}

export async function benchBundles(options: { rounds: number }): Promise<{ figures: Figure[]; lines: string[] }> {
  const script = (await import(pathToFileURL(bundleScript).href)) as BundleScript;
  const { build } = await import('esbuild');
  mkdirSync(join(repoRoot, '.devauth-tmp'), { recursive: true });
  const tmp = mkdtempSync(join(repoRoot, '.devauth-tmp', 'bench-bundles-'));
  const lines: string[] = [];
  try {
    const outRoot = join(tmp, 'handlers');
    const rows = await script.buildBundles({ outRoot, metafile: true });
    const targets: Target[] = rows.map((row) => {
      const dir = join(outRoot, row.route);
      return {
        name: row.route,
        dir,
        entry: join(dir, 'index.mjs'),
        metafile: row.metafile!,
        entryOutput: relative(process.cwd(), join(dir, 'index.mjs')).split(sep).join('/'),
      };
    });

    const baselineSource = join(tmp, 'baseline-src', 'handler.mjs');
    mkdirSync(dirname(baselineSource), { recursive: true });
    writeFileSync(baselineSource, BASELINE_SOURCE);
    const baselineDir = join(tmp, 'baseline');
    const baselineBuild = await build({
      ...script.bundleOptions(baselineSource, baselineDir),
      metafile: true,
    } as Parameters<typeof build>[0]);
    const baseline: Target = {
      name: BASELINE,
      dir: baselineDir,
      entry: join(baselineDir, 'index.mjs'),
      metafile: baselineBuild.metafile as unknown as Metafile,
      entryOutput: relative(process.cwd(), join(baselineDir, 'index.mjs')).split(sep).join('/'),
    };

    // Warm the file cache once for every bundle (and check each one imports), then alternate handler and baseline.
    for (const target of [baseline, ...targets]) timeImport(target.entry, target.dir);
    const samples = new Map<string, { importMs: number[]; wallMs: number[] }>();
    const record = (target: Target) => {
      const sample = timeImport(target.entry, target.dir);
      const entry = samples.get(target.name) ?? { importMs: [], wallMs: [] };
      entry.importMs.push(sample.importMs);
      entry.wallMs.push(sample.wallMs);
      samples.set(target.name, entry);
    };
    for (let r = 0; r < options.rounds; r++) {
      for (const target of targets) {
        record(target);
        record(baseline);
      }
    }

    const hooks = join(tmp, 'hooks.mjs');
    writeFileSync(hooks, HOOKS);
    const measured = new Map<
      string,
      { importMs: number; wallMs: number; entry: number; chunks: number; atImport: number; loaded: Loaded }
    >();
    for (const target of [baseline, ...targets]) {
      const outputs = target.metafile.outputs;
      const closure = staticClosure(target.metafile, target.entryOutput);
      const data = samples.get(target.name)!;
      measured.set(target.name, {
        importMs: median(data.importMs),
        wallMs: median(data.wallMs),
        entry: statSync(target.entry).size,
        chunks: Object.values(outputs).reduce((sum, output) => sum + output.bytes, 0),
        atImport: [...closure].reduce((sum, path) => sum + (outputs[path]?.bytes ?? 0), 0),
        loaded: bytesLoaded(target.entry, target.dir, tmp, pathToFileURL(hooks).href),
      });
    }

    const base = measured.get(BASELINE)!;
    const figures: Figure[] = [];
    const push = (name: string, value: number, unit: string, baseName: string | null, ratio: number) =>
      figures.push({ name, value, unit, compared_to: baseName, ratio: baseName === null ? null : round(ratio) });
    for (const target of [baseline, ...targets]) {
      const m = measured.get(target.name)!;
      const vs = (figure: (name: string) => string) => (target === baseline ? null : figure(BASELINE));
      const { importTime, wallTime, entry, chunks, loaded, loadedJs } = BUNDLE_FIGURES;
      push(importTime(target.name), round(m.importMs, 2), 'ms', vs(importTime), m.importMs / base.importMs);
      push(wallTime(target.name), round(m.wallMs, 1), 'ms', vs(wallTime), m.wallMs / base.wallMs);
      push(entry(target.name), kib(m.entry), 'KiB', vs(entry), m.entry / base.entry);
      push(chunks(target.name), kib(m.chunks), 'KiB', vs(chunks), m.chunks / base.chunks);
      push(loaded(target.name), kib(m.loaded.total), 'KiB', vs(loaded), m.loaded.total / base.loaded.total);
      const js = m.loaded.total - m.loaded.native;
      const baseJs = base.loaded.total - base.loaded.native;
      push(loadedJs(target.name), kib(js), 'KiB', vs(loadedJs), js / baseJs);
      lines.push(
        `  ${target.name.padEnd(17)} import ${m.importMs.toFixed(1).padStart(6)} ms (x${(m.importMs / base.importMs).toFixed(2)})` +
          `  process ${m.wallMs.toFixed(0).padStart(4)} ms  entry ${kib(m.entry)} KiB` +
          `  entry+static chunks ${kib(m.atImport)} KiB  entry+all chunks ${kib(m.chunks)} KiB` +
          `  loaded by import ${kib(m.loaded.total)} KiB (bundle ${kib(m.loaded.bundle)}, node_modules ` +
          `${kib(m.loaded.nodeModules)}, native ${kib(m.loaded.native)}; ${m.loaded.files} files)`,
      );
    }

    const login = targets.find((target) => target.name === 'login');
    if (login) {
      lines.push('  login bundle by package (KiB in output: loaded at import / only by dynamic imports):');
      for (const row of breakdown(login.metafile, login.entryOutput).slice(0, 12)) {
        lines.push(`    ${row.owner.padEnd(40)} ${String(kib(row.atImport)).padStart(7)} / ${kib(row.dynamic)}`);
      }
    }
    return { figures, lines };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
