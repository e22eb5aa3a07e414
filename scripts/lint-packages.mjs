#!/usr/bin/env node
// `pnpm lint:packages`: checks every public workspace package (every one without `"private": true`) as a user would
// install it. It builds nothing: run it after `pnpm build` (the root `check` script, behind `pnpm test`, does). For
// each package it
// - packs the package with `pnpm pack` into a temporary directory (so `files` applies and `workspace:` ranges are
//   rewritten, exactly as `pnpm publish` would upload it);
// - runs publint on that tarball and fails on any message, suggestions included, and checks the packed manifest's
//   `engines` (from publishConfig.engines: `node >=22`);
// - runs `attw <tarball> --profile node16` (@arethetypeswrong/cli), which checks the types and JavaScript every entry
//   point resolves to under node16 from CJS, node16 from ESM and bundler resolution. The node16 profile leaves out
//   only node10 resolution (TypeScript's legacy `moduleResolution: node`), which cannot see `exports` subpaths at
//   all. `--no-definitely-typed`: every package ships its own types, so no @types package is fetched.
// attw runs on its own TypeScript 5.x (a dependency of @arethetypeswrong/core); the repository's toolchain stays on
// TypeScript 7. `--filter <name>` (repeatable) checks only the named packages.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { workspaceDirs } from './boundaries/workspace.mjs';

const run = promisify(execFile);
const root = join(fileURLToPath(import.meta.url), '..', '..');
const require = createRequire(import.meta.url);
const attwPackage = require.resolve('@arethetypeswrong/cli/package.json');
const attw = join(attwPackage, '..', JSON.parse(readFileSync(attwPackage, 'utf8')).bin.attw);

/** What every published package declares in `engines.node`: Node 22 and 24, Lambda's nodejs22.x and nodejs24.x. */
const SUPPORTED_NODE = '>=22';

const filters = process.argv.flatMap((arg, i, args) => (args[i - 1] === '--filter' ? [arg] : []));
const packages = workspaceDirs(root)
  .filter((dir) => existsSync(join(root, dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => manifest.private !== true)
  .filter(({ manifest }) => filters.length === 0 || filters.includes(manifest.name));
if (packages.length === 0) {
  console.error('lint:packages: no public package matched');
  process.exit(1);
}

async function lint({ dir, manifest }, out) {
  const problems = [];
  if (!existsSync(join(root, dir, 'dist'))) {
    return [`${dir}/dist is missing: run \`pnpm build\` first (lint:packages builds nothing)`];
  }
  const { stdout } = await run('pnpm', ['pack', '--json', '--pack-destination', out], {
    cwd: join(root, dir),
    maxBuffer: 64 * 1024 * 1024,
  });
  const tarball = JSON.parse(stdout).filename;

  const bytes = readFileSync(tarball);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const { messages, pkg } = await publint({ pack: { tarball: buffer }, level: 'suggestion', strict: true });
  for (const message of messages) {
    problems.push(`publint ${message.type} ${message.code}: ${formatMessage(message, pkg, { color: false })}`);
  }
  // The supported runtimes (README "Runtimes"): the workspace manifest keeps them in publishConfig.engines, so that a
  // checkout on Node 20 installs without a warning; packing must have moved them to the top level.
  if (pkg.engines?.node !== SUPPORTED_NODE || pkg.publishConfig?.engines !== undefined) {
    problems.push(
      `packed package.json: engines ${JSON.stringify(pkg.engines)}, expected { node: "${SUPPORTED_NODE}" }`,
    );
  }

  try {
    await run(process.execPath, [attw, tarball, '--profile', 'node16', '--no-definitely-typed', '--no-color'], {
      maxBuffer: 64 * 1024 * 1024,
      timeout: 300_000,
    });
  } catch (error) {
    // attw exits non-zero when it finds a problem; its report (stdout) says which entry point and resolution.
    problems.push(`attw --profile node16:\n${error.stdout || ''}${error.stderr || ''}`.trimEnd());
  }
  return problems.map((problem) => `${manifest.name}: ${problem}`);
}

const out = mkdtempSync(join(tmpdir(), 'devauth-lint-packages-'));
let failed = 0;
try {
  // Two at a time: attw type-checks each package with its own TypeScript program.
  const queue = [...packages];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const problems = await lint(next, out);
      if (problems.length === 0) {
        console.log(`ok ${next.manifest.name} (publint, attw --profile node16)`);
      } else {
        failed++;
        for (const problem of problems) console.error(problem);
      }
    }
  };
  await Promise.all([worker(), worker()]);
} finally {
  rmSync(out, { recursive: true, force: true });
}
if (failed > 0) {
  console.error(`lint:packages: ${failed} of ${packages.length} package(s) have problems`);
  process.exit(1);
}
console.log(`lint:packages: ${packages.length} public package(s), no problems`);
