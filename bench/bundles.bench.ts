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
 *
 * The bundles are built by bundles/build.ts, imported and weighed in child processes by bundles/measure.ts, and their
 * esbuild metafiles read by bundles/metafile.ts; this module runs the rounds and reports the figures.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BASELINE, buildTargets, loadBundler, repoRoot, type Target } from './bundles/build.js';
import { bytesLoaded, HOOKS, type Loaded, timeImport } from './bundles/measure.js';
import { breakdown, staticClosure } from './bundles/metafile.js';
import { type Figure, median, round } from './lib.js';

export { BASELINE } from './bundles/build.js';

export const BUNDLE_FIGURES = {
  importTime: (name: string) => `bundle ${name}: cold import time`,
  wallTime: (name: string) => `bundle ${name}: cold process wall time`,
  entry: (name: string) => `bundle ${name}: entry file size`,
  chunks: (name: string) => `bundle ${name}: entry + all chunks size`,
  loaded: (name: string) => `bundle ${name}: bytes loaded by import (JS + native addons)`,
  loadedJs: (name: string) => `bundle ${name}: JavaScript loaded by import`,
};

const kib = (bytes: number) => round(bytes / 1024, 1);

export async function benchBundles(options: { rounds: number }): Promise<{ figures: Figure[]; lines: string[] }> {
  const bundler = await loadBundler();
  mkdirSync(join(repoRoot, '.devauth-tmp'), { recursive: true });
  const tmp = mkdtempSync(join(repoRoot, '.devauth-tmp', 'bench-bundles-'));
  const lines: string[] = [];
  try {
    const { targets, baseline } = await buildTargets(bundler, tmp);

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
