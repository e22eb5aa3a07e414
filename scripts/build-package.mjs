#!/usr/bin/env node
// Builds the package in the current directory to dist/esm (ESM + .d.ts) and dist/cjs (CommonJS + .d.ts) with the
// native TypeScript compiler. Both trees get their own package.json "type" so Node and TypeScript read each file in
// the right module format. `--out-dir <dir>` builds to <dir>/esm and <dir>/cjs instead of dist (a test that checks
// the built output builds its own copy, so it never races a concurrent `pnpm build` over dist).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const tsc = join(require.resolve('typescript/package.json'), '..', 'bin', 'tsc');
const run = (args) => execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', ...args], { stdio: 'inherit' });

const outDirFlag = process.argv.indexOf('--out-dir');
const out = outDirFlag === -1 ? 'dist' : process.argv[outDirFlag + 1];
if (!out) throw new Error('--out-dir needs a directory');

rmSync(out, { recursive: true, force: true });
run(['--outDir', join(out, 'esm')]);
run(['--outDir', join(out, 'cjs'), '--module', 'commonjs', '--moduleResolution', 'bundler']);
writeFileSync(join(out, 'esm', 'package.json'), '{ "type": "module" }\n');
writeFileSync(join(out, 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
// Non-TypeScript assets that ship with the code (SQL migrations, ...), copied beside both builds.
if (existsSync('src/assets')) {
  for (const format of ['esm', 'cjs']) {
    const target = join(out, format, 'assets');
    mkdirSync(target, { recursive: true });
    cpSync('src/assets', target, { recursive: true });
  }
}
