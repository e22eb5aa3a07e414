#!/usr/bin/env node
// Builds the package in the current directory to dist/esm (ESM + .d.ts) and dist/cjs (CommonJS + .d.ts) with the
// native TypeScript compiler. Both trees get their own package.json "type" so Node and TypeScript read each file in
// the right module format.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const tsc = join(require.resolve('typescript/package.json'), '..', 'bin', 'tsc');
const run = (args) => execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', ...args], { stdio: 'inherit' });

rmSync('dist', { recursive: true, force: true });
run(['--outDir', 'dist/esm']);
run(['--outDir', 'dist/cjs', '--module', 'commonjs', '--moduleResolution', 'bundler']);
writeFileSync('dist/esm/package.json', '{ "type": "module" }\n');
writeFileSync('dist/cjs/package.json', '{ "type": "commonjs" }\n');
// Non-TypeScript assets that ship with the code (SQL migrations, ...), copied beside both builds.
if (existsSync('src/assets')) {
  for (const target of ['dist/esm/assets', 'dist/cjs/assets']) {
    mkdirSync(target, { recursive: true });
    cpSync('src/assets', target, { recursive: true });
  }
}
