#!/usr/bin/env node
// The `devauth-local` command. A committed file rather than dist/esm/cli.js itself: pnpm links bins at install time,
// and in a fresh clone of the workspace nothing is built yet, so a bin pointing into dist could not be linked.
try {
  await import('../dist/esm/cli.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/esm/cli.js')) {
    console.error('devauth-local: @devauth/local is not built yet (run `pnpm build` in the workspace)');
    process.exit(1);
  }
  throw error;
}
