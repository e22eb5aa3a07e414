// `@devauth/core/testing` is what an application's own tests, a script or a local server import for the in-memory
// adapters: it must load where vitest is not installed (vitest is an optional peer, needed only by
// `@devauth/core/testing/contracts`). Checked on the BUILT package, in two ways:
// - statically: the module graph of dist/{esm,cjs}/testing/index.js (relative imports followed) imports no `vitest`;
// - by running it: a plain Node process loads the package by name, through `exports`, from a temporary directory
//   outside the workspace that holds only the built @devauth/core and its `dependencies` (what `npm install
//   @devauth/core` gives a user who did not install vitest). Importing the built file from inside the workspace would
//   prove nothing: vitest is resolvable from every directory of the repository through node_modules.
// The package is built here, into that temporary directory (scripts/build-package.mjs --out-dir), so the test never
// reads a stale dist and never races a concurrent `pnpm build` over packages/core/dist.
import { execFile } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM script without type declarations
import { importsOf } from '../../../../scripts/boundaries/scan.mjs';

const run = promisify(execFile);
const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};

let root: string;
let installed: string;

/** Every file the module at `entry` loads, following relative specifiers, with the bare specifiers each imports. */
function moduleGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (graph.has(file)) continue;
    const specifiers = importsOf(readFileSync(file, 'utf8')) as string[];
    graph.set(
      file,
      specifiers.filter((specifier) => !specifier.startsWith('.')),
    );
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) pending.push(resolve(dirname(file), specifier));
    }
  }
  return graph;
}

const importsVitest = (graph: Map<string, string[]>) =>
  [...graph].filter(([, bare]) => bare.some((specifier) => /^vitest(\/|$)/.test(specifier))).map(([file]) => file);

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'devauth-core-testing-'));
  installed = join(root, 'node_modules', '@devauth', 'core');
  mkdirSync(installed, { recursive: true });
  cpSync(join(packageDir, 'package.json'), join(installed, 'package.json'));
  await run(
    process.execPath,
    [join('..', '..', 'scripts', 'build-package.mjs'), '--out-dir', join(installed, 'dist')],
    {
      cwd: packageDir,
      timeout: 120_000,
    },
  );
  // The runtime dependencies, linked to the workspace's copies (their own dependencies resolve from there); vitest,
  // tsyringe and every devDependency are left out, as in a user's install without the optional peers.
  for (const name of Object.keys(manifest.dependencies)) {
    const link = join(root, 'node_modules', name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(realpathSync(join(packageDir, 'node_modules', name)), link, 'dir');
  }
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('@devauth/core/testing without vitest', () => {
  it('imports no vitest anywhere in the module graph of its built ESM and CJS entries', () => {
    for (const format of ['esm', 'cjs']) {
      const graph = moduleGraph(join(installed, 'dist', format, 'testing', 'index.js'));
      // The graph reaches into the main entry's modules (the outbox, the domain), not just the testing folder.
      expect(graph.size).toBeGreaterThan(10);
      expect(importsVitest(graph)).toEqual([]);
    }
  });

  it('is where vitest is imported from `@devauth/core/testing/contracts` (so the scan above can see it)', () => {
    for (const format of ['esm', 'cjs']) {
      const graph = moduleGraph(join(installed, 'dist', format, 'testing', 'contracts', 'index.js'));
      expect(importsVitest(graph).length).toBeGreaterThan(0);
    }
  });

  it('loads through import and require by package name where vitest cannot be resolved', async () => {
    const script = `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const failure = async (load) => {
        try { await load(); return 'loaded'; } catch (error) { return error.code + (String(error.message).includes("'vitest'") ? ' vitest' : ''); }
      };
      const use = async (testing) => {
        const store = new testing.InMemoryUserStore();
        const user = testing.sampleUser();
        await store.create(user);
        return (await store.findByUsername(user.username))?.id === user.id;
      };
      const esm = await import('@devauth/core/testing');
      const cjs = require('@devauth/core/testing');
      process.stdout.write(JSON.stringify({
        esm: { exports: Object.keys(esm).sort(), works: await use(esm) },
        cjs: { exports: Object.keys(cjs).sort(), works: await use(cjs) },
        vitest: { import: await failure(() => import('vitest')), require: await failure(() => require('vitest')) },
        contracts: {
          import: await failure(() => import('@devauth/core/testing/contracts')),
          require: await failure(() => require('@devauth/core/testing/contracts')),
        },
      }));
    `;
    writeFileSync(join(root, 'use-testing.mjs'), script);
    const { NODE_OPTIONS: _options, NODE_PATH: _path, ...env } = process.env;
    const { stdout } = await run(process.execPath, ['use-testing.mjs'], { cwd: root, env, timeout: 60_000 });
    const report = JSON.parse(stdout);

    // Controls: vitest really is out of reach here, and the contracts entry fails on it.
    expect(report.vitest).toEqual({ import: 'ERR_MODULE_NOT_FOUND vitest', require: 'MODULE_NOT_FOUND vitest' });
    expect(report.contracts).toEqual({ import: 'ERR_MODULE_NOT_FOUND vitest', require: 'MODULE_NOT_FOUND vitest' });

    expect(report.esm.works).toBe(true);
    expect(report.cjs.works).toBe(true);
    expect(report.cjs.exports).toEqual(report.esm.exports);
    expect(report.esm.exports).toEqual(
      expect.arrayContaining(['createInMemoryStores', 'FakeIdentityBroker', 'InMemoryUserStore', 'ManualClock']),
    );
    expect(report.esm.exports.filter((name: string) => name.startsWith('describe'))).toEqual([]);
  }, 60_000);
});
