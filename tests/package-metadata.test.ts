// The registry metadata of every public workspace package (every package.json without `"private": true`): what npm
// shows and what bundlers read. Packing, exports and types are checked on the packed tarballs by
// `pnpm lint:packages` (publint, Are the Types Wrong); this test pins the fields those tools do not require.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const REPOSITORY_URL = 'git+https://github.com/devauth/devauth.git';

interface Manifest {
  name: string;
  private?: boolean;
  description?: unknown;
  keywords?: unknown;
  license?: unknown;
  repository?: unknown;
  sideEffects?: unknown;
  files?: unknown;
  main?: string;
  module?: string;
  types?: string;
  exports?: unknown;
  bin?: Record<string, string>;
  engines?: unknown;
  publishConfig?: { engines?: unknown };
}

const readManifest = (dir: string) => JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as Manifest;
const workspace = ['bench', ...['packages', 'examples'].flatMap((parent) => listDirs(parent))]
  .filter((dir) => existsSync(join(root, dir, 'package.json')))
  .map((dir) => ({ dir, manifest: readManifest(dir) }));
const publicPackages = workspace.filter(({ manifest }) => manifest.private !== true);

function listDirs(parent: string): string[] {
  return readdirSync(join(root, parent), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `${parent}/${entry.name}`);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** Every file path an `exports` map points to. */
function exportTargets(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(exportTargets);
  return [];
}

describe('package metadata', () => {
  it('finds the public packages: every package under packages/, none of bench/ and examples/', () => {
    expect(publicPackages.map(({ dir }) => dir).sort()).toEqual(listDirs('packages').sort());
    expect(publicPackages.length).toBeGreaterThan(0);
  });

  describe.each(publicPackages)('$manifest.name', ({ dir, manifest }) => {
    it('is in the @devauth scope and has a description and keywords', () => {
      expect(manifest.name).toMatch(/^@devauth\/[a-z0-9-]+$/);
      expect(typeof manifest.description).toBe('string');
      expect((manifest.description as string).length).toBeGreaterThan(20);
      const keywords = manifest.keywords as string[];
      expect(Array.isArray(keywords)).toBe(true);
      expect(keywords).toContain('devauth');
      expect(keywords.length).toBeGreaterThan(2);
      expect(new Set(keywords).size).toBe(keywords.length);
      for (const keyword of keywords) expect(keyword).toMatch(/^[a-z0-9][a-z0-9-]*$/);
    });

    it('points at its directory of the repository', () => {
      expect(manifest.repository).toEqual({ type: 'git', url: REPOSITORY_URL, directory: dir });
    });

    it('is MIT licensed and ships the license text', () => {
      expect(manifest.license).toBe('MIT');
      expect(manifest.files).toContain('LICENSE');
      expect(readFileSync(join(root, dir, 'LICENSE'), 'utf8')).toBe(readFileSync(join(root, 'LICENSE'), 'utf8'));
    });

    it('publishes every file its entry points name', () => {
      const files = manifest.files as string[];
      expect(Array.isArray(files)).toBe(true);
      const targets = [
        ...exportTargets(manifest.exports),
        ...[manifest.main, manifest.module, manifest.types].filter((path) => path !== undefined),
        ...Object.values(manifest.bin ?? {}),
      ];
      expect(targets.length).toBeGreaterThan(0);
      for (const target of targets) {
        expect(target).toMatch(/^\.\//);
        const [first] = target.slice(2).split('/');
        // package.json is always published.
        if (target !== './package.json') expect(files, target).toContain(first);
      }
    });

    it('declares the supported runtimes, Node 22 and 24, for publication only (publishConfig.engines)', () => {
      // pnpm pack/publish move publishConfig.engines to the top level of the published package.json (checked on the
      // tarballs by `pnpm lint:packages`). In the workspace a top-level `engines: >=22` would make every install on
      // Node 20, which the repository's quick start still supports, warn about the workspace's own packages.
      expect(manifest.publishConfig?.engines).toEqual({ node: '>=22' });
      expect(manifest.engines).toBeUndefined();
    });

    it('declares no side effects, and no module of its own is imported for side effects only', () => {
      // `sideEffects: false` lets a bundler drop any of the package's modules whose exports go unused, so an
      // `import './x.js'` kept only for what x does on load would silently vanish from a bundle. Imports of other
      // packages for their side effects (`import 'reflect-metadata'`) are those packages' business.
      expect(manifest.sideEffects).toBe(false);
      const sideEffectImport = /^\s*import\s*['"](\.{1,2}\/[^'"]+)['"]/m;
      const offending = filesUnder(join(root, dir, 'src'))
        .filter((file) => /\.(ts|mts|cts|js|mjs|cjs)$/.test(file))
        .filter((file) => sideEffectImport.test(readFileSync(file, 'utf8')));
      expect(offending).toEqual([]);
    });
  });

  it('has a changesets configuration that publishes publicly from main and leaves the private packages out', () => {
    const config = JSON.parse(readFileSync(join(root, '.changeset', 'config.json'), 'utf8'));
    expect(config.access).toBe('public');
    expect(config.baseBranch).toBe('main');
    expect(config.privatePackages).toEqual({ version: false, tag: false });
    const privateNames = workspace
      .filter(({ manifest }) => manifest.private === true)
      .map(({ manifest }) => manifest.name);
    expect([...config.ignore].sort()).toEqual(privateNames.sort());
  });
});
