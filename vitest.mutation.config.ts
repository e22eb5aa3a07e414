import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Vitest config for `pnpm mutation` (Stryker, see stryker.config.mjs): packages/core's tests only.
//
// Stryker copies the repository into a sandbox (.stryker-tmp/sandbox-*) and symlinks node_modules into it. The tests
// import the package by name (`@devauth/core`, `/testing`, `/testing/contracts`, `/composition`), and pnpm's
// workspace link node_modules/@devauth/core -> ../../packages/core resolves through that symlink to the ORIGINAL,
// unmutated sources, so every mutant would look uncovered. These aliases point the package's own entry points at the
// copy of src/ next to this file, i.e. the instrumented sandbox sources. Resolve conditions are as in vitest.config.ts
// (read its comment).
const conditions = ['@devauth/source', 'node', 'default'];
const src = (entry: string) => fileURLToPath(new URL(`./packages/core/src/${entry}`, import.meta.url));

export default defineConfig({
  resolve: {
    conditions,
    alias: [
      { find: /^@devauth\/core$/, replacement: src('index.ts') },
      { find: /^@devauth\/core\/testing$/, replacement: src('testing/index.ts') },
      { find: /^@devauth\/core\/testing\/contracts$/, replacement: src('testing/contracts/index.ts') },
      { find: /^@devauth\/core\/composition$/, replacement: src('composition.ts') },
    ],
  },
  ssr: { resolve: { conditions } },
  test: {
    include: ['packages/core/tests/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
