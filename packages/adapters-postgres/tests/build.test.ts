import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MIGRATIONS } from '@devauth/adapters-postgres';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const coreDist = join(packageDir, '..', 'core', 'dist');
// The build type-checks against @devauth/core's published types and the built code loads its dist.
const coreBuilt = ['esm/index.d.ts', 'esm/index.js', 'cjs/index.js'].every((file) => existsSync(join(coreDist, file)));
if (!coreBuilt) {
  console.warn(
    'SKIPPING the built-package test: @devauth/core is not built (cd packages/core && node ../../scripts/build-package.mjs).',
  );
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

describe.skipIf(!coreBuilt)('the built package (dist/esm, dist/cjs)', () => {
  beforeAll(async () => {
    // Built here, so the test never reads a stale dist.
    await run(process.execPath, [join('..', '..', 'scripts', 'build-package.mjs')], {
      cwd: packageDir,
      timeout: 120_000,
    });
  }, 120_000);

  it('loads through require and import by package name and migrates PGlite from both, finding the migrations', async () => {
    // A plain Node process: the test runner's worker resolves '@devauth/source' to TypeScript sources.
    const { stdout } = await run(process.execPath, [join('tests', 'fixtures', 'use-built-package.mjs')], {
      cwd: packageDir,
      timeout: 60_000,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    const names = MIGRATIONS.map((migration) => migration.name);
    const expected = (format: string) => ({
      applied: names,
      usernames: [`built_${format}`],
      assetsMatch: true,
      exports: {
        createPostgresStores: 'function',
        fromPgPool: 'function',
        fromPGlite: 'function',
        migrate: 'function',
        startPostgresCluster: 'function',
      },
    });
    expect(JSON.parse(stdout)).toEqual({ cjs: expected('cjs'), esm: expected('esm') });
  }, 60_000);

  it('neither loads nor types against pg or PGlite (optional peers: the user passes the client)', () => {
    const offending = filesUnder(join(packageDir, 'dist'))
      .filter((file) => /\.(js|d\.ts)$/.test(file))
      .filter((file) =>
        /(from\s+|require\(|import\()\s*['"](pg|@electric-sql\/pglite)['"/]/.test(readFileSync(file, 'utf8')),
      );
    expect(offending).toEqual([]);
  });
});
