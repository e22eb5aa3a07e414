#!/usr/bin/env node
// Builds one minified ESM bundle per handler into packages/lambda-handlers/bundle/<entry>/ (handler: index.handler):
// every API route (src/entries), and the migrate custom resource.
// Each route is bundled on its own with code splitting, so what is only imported dynamically (the chosen store's
// adapter and driver, the Cognito broker, tsyringe, the common-password list) lands in chunks that Node loads only
// when that code path first runs: cold starts parse the route and the adapters actually configured, nothing else.
import { cpSync, existsSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const defaultOutRoot = join(packageDir, 'bundle');
/**
 * Every bundle is an entry module of src/entries (one per API route, each its own Lambda function, plus `migrate`, the
 * custom resource that runs the PostgreSQL migrations at deploy time): adding an entry file adds its bundle.
 */
export const ENTRIES = readdirSync(join(packageDir, 'src', 'entries'))
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.slice(0, -'.ts'.length))
  .sort();
/** The API routes. */
export const ROUTES = ENTRIES.filter((entry) => entry !== 'migrate');
/**
 * Entries that hash or verify passwords, and so need the native bindings beside them (about 1 MB per architecture);
 * the other routes and migrate never load them. (@devauth/cdk's HASHING_ROUTES checks these have them.)
 */
const NEEDS_NATIVE = new Set(['register', 'login', 'passwordReset', 'changePassword', 'deleteAccount', 'changeEmail']);

// Not bundled:
// - @aws-sdk/*: in the Node.js Lambda runtime already (and kept in sync with it by AWS);
// - @node-rs/*: native argon2/bcrypt bindings (.node files) — ship them in node_modules or a layer;
// - @electric-sql/pglite: WebAssembly assets; an embedded database is for local runs, not Lambda;
// - @devauth/core/testing (memory store, fake broker) and vitest: test-only;
// - pg-native: optional native driver pg only tries when asked.
const EXTERNAL = ['@aws-sdk/*', '@node-rs/*', '@electric-sql/pglite', '@devauth/core/testing', 'vitest', 'pg-native'];

// ESM output: CommonJS dependencies (pg, tsyringe) call require() for Node built-ins, which needs a real require.
const BANNER =
  "import { createRequire as __devauthRequire } from 'node:module'; const require = __devauthRequire(import.meta.url);";

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
const filesOf = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesOf(join(dir, entry.name)) : [join(dir, entry.name)],
  );

/**
 * The native hashing bindings cannot be bundled: they are copied, as installed, into each route's node_modules, every
 * platform package pnpm installed. pnpm-workspace.yaml's `supportedArchitectures` installs the linux x64 and arm64
 * (glibc) builds besides the host's, so one bundle serves both Lambda architectures. (@node-rs/bcrypt is pinned to
 * 1.10.8 in packages/core: it is the newest release with a published linux-arm64-gnu build; 2.0.0 has none.)
 */
const NATIVE = ['@node-rs/argon2', '@node-rs/bcrypt'];
const coreRequire = createRequire(join(packageDir, '..', 'core', 'package.json'));
function copyNative(outdir) {
  let bytes = 0;
  for (const name of NATIVE) {
    const dir = dirname(realpathSync(coreRequire.resolve(`${name}/package.json`)));
    const scope = dirname(dir);
    // pnpm links the installed platform package (e.g. argon2-linux-x64-gnu) beside the main one.
    const platform = readdirSync(scope).filter((entry) => entry.startsWith(`${basename(dir)}-`));
    for (const pkg of [basename(dir), ...platform]) {
      const from = realpathSync(join(scope, pkg));
      const to = join(outdir, 'node_modules', '@node-rs', pkg);
      cpSync(from, to, {
        recursive: true,
        dereference: true,
        filter: (path) => !relative(from, path).startsWith('node_modules'),
      });
      bytes += filesOf(to).reduce((sum, file) => sum + statSync(file).size, 0);
    }
  }
  return bytes;
}

/** The esbuild settings of every route bundle (also used by bench/bundles.bench.ts for its SDK-only baseline). */
export function bundleOptions(entry, outdir) {
  return {
    entryPoints: { index: entry },
    outdir,
    bundle: true,
    splitting: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    // Workspace packages are bundled from their TypeScript sources (no build of them needed first).
    conditions: ['@devauth/source'],
    mainFields: ['module', 'main'],
    external: EXTERNAL,
    banner: { js: BANNER },
    legalComments: 'none',
    logLevel: 'warning',
  };
}

/**
 * Builds every entry (default ENTRIES: the routes and migrate) into `<outRoot>/<entry>/` (emptied first) and copies
 * the native bindings beside each route; returns one row per entry (sizes, and esbuild's metafile when `metafile` is
 * set).
 */
export async function buildBundles({ outRoot = defaultOutRoot, routes = ENTRIES, metafile = false } = {}) {
  rmSync(outRoot, { recursive: true, force: true });
  const rows = [];
  for (const route of routes) {
    const outdir = join(outRoot, route);
    const result = await build({
      ...bundleOptions(join(packageDir, 'src', 'entries', `${route}.ts`), outdir),
      metafile,
    });
    const files = filesOf(outdir);
    const native = NEEDS_NATIVE.has(route) ? copyNative(outdir) : 0;
    const entry = join(outdir, 'index.mjs');
    const total = files.reduce((sum, file) => sum + statSync(file).size, 0);
    rows.push({
      route,
      entry: kib(statSync(entry).size),
      'entry gzip': kib(gzipSync(readFileSync(entry)).length),
      'all chunks': kib(total),
      'native (copied)': kib(native),
      files: files.length,
      path: relative(process.cwd(), entry),
      ...(result.metafile ? { metafile: result.metafile } : {}),
    });
  }
  return rows;
}

// `pnpm bundle`: build into packages/lambda-handlers/bundle and print the table (importing this module builds nothing).
if (process.argv[1] && realpathSync(resolve(process.argv[1])) === realpathSync(fileURLToPath(import.meta.url))) {
  const rows = await buildBundles();
  // A plain-text table (the repository's lint allows console only in the root scripts folder).
  const columns = Object.keys(rows[0] ?? {});
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => String(row[column]).length)));
  const line = (cells) => cells.map((cell, i) => String(cell).padEnd(widths[i])).join('  ');
  process.stdout.write(
    `${[line(columns), ...rows.map((row) => line(columns.map((column) => row[column])))].join('\n')}\n`,
  );
  if (!existsSync(join(defaultOutRoot, 'login', 'index.mjs'))) process.exitCode = 1;
}
