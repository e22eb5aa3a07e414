import { defineConfig } from 'vitest/config';

// Tests run against the TypeScript sources of every workspace package (the `@devauth/source` export condition),
// so no build is needed first; `pnpm test` also builds and checks the published ESM/CJS output separately.
// Only our own condition is added: Vitest passes SSR conditions on to Node, and `module`/`import` there would make
// Node load bundler-only builds of dependencies (the AWS SDK's dist-es, pg-pool's ESM entry).
const conditions = ['@devauth/source', 'node', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['packages/*/tests/**/*.test.ts', 'tests/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
