import { defineConfig } from 'vitest/config';

// Tests run against the TypeScript sources of every workspace package (the `@devauth/source` export condition),
// so no build is needed first; `pnpm test` also builds and checks the published ESM/CJS output separately.
const conditions = ['@devauth/source', 'module', 'node', 'import', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@devauth/source'] } },
  test: {
    include: ['packages/*/tests/**/*.test.ts', 'tests/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
