#!/usr/bin/env node
// The `devauth` command. A committed file rather than a file of dist: pnpm links bins at install time, and in a
// fresh clone of the workspace nothing is built yet, so a bin pointing into dist could not be linked. It imports the
// package by its own name, so under the `@devauth/source` condition (the workspace's tests) it runs the sources.
import { readFileSync } from 'node:fs';

let runCli;
try {
  ({ runCli } = await import('@devauth/cli'));
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/esm/index.js')) {
    console.error('devauth: @devauth/cli is not built yet (run `pnpm build` in the workspace)');
    process.exit(1);
  }
  throw error;
}
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const code = await runCli(process.argv.slice(2), { version });
// Exit once stdout and stderr are flushed, so that nothing left open (an SDK client's kept-alive socket) holds it.
await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((done) => stream.write('', done))));
process.exit(code);
