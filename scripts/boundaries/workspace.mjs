// Reads the workspace from disk: its packages (pnpm-workspace.yaml's globs plus the root) and the source files
// each one owns. A file belongs to the nearest package directory above it, so root-level tests/ and scripts/
// belong to the root package.json and bench/ to bench/package.json.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { SECTIONS } from './packages.mjs';

const SOURCE_FILE = /\.(ts|mts|cts|tsx|js|mjs|cjs)$/;
/** Build output (cdk.out: synthesized CDK assemblies), installs and tool scratch space: not source of the package. */
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'bundle', 'cdk.out', 'coverage', 'reports']);
const GENERATED_NAME = /\.generated\.[^./]+$|\.min\.js$/;
const GENERATED_HEADER = /^\s*\/[/*][^\n]*(@generated|\bgenerated\b[^\n]*\bdo not edit\b)/i;

/** The `packages:` globs of pnpm-workspace.yaml (only the `dir` and `dir/*` forms are used here). */
export function workspaceGlobs(yaml) {
  const block = /^packages:\s*\n((?:[ \t]+-.*\n?|[ \t]*#.*\n?)*)/m.exec(yaml)?.[1] ?? '';
  return [...block.matchAll(/^[ \t]+-[ \t]*['"]?([^'"\n#]+?)['"]?[ \t]*(?:#.*)?$/gm)].map((match) => match[1]);
}

function globDirs(root, glob) {
  if (!glob.endsWith('/*')) return [glob];
  const parent = glob.slice(0, -2);
  if (!existsSync(join(root, parent))) return [];
  return readdirSync(join(root, parent), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `${parent}/${entry.name}`);
}

function readManifest(root, dir) {
  const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
  const pkg = { dir, name: manifest.name ?? dir };
  for (const section of SECTIONS) pkg[section] = manifest[section] ?? {};
  return pkg;
}

/** Every directory the workspace globs match, with or without a package.json yet. */
export function workspaceDirs(root) {
  const globs = workspaceGlobs(readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8'));
  return globs.flatMap((glob) => globDirs(root, glob)).sort();
}

/** The root package first, then every workspace directory that has a package.json. */
export function workspacePackages(root) {
  const dirs = workspaceDirs(root).filter((dir) => existsSync(join(root, dir, 'package.json')));
  return [readManifest(root, '.'), ...dirs.map((dir) => readManifest(root, dir))];
}

/** Written by a tool (e.g. migrations.generated.ts): its imports are the generator's business, not a person's. */
export function isGenerated(file, source) {
  return GENERATED_NAME.test(file) || GENERATED_HEADER.test(source.slice(0, 300));
}

/**
 * Source files of one package, relative to the repository root. `exclude` holds the workspace directories, so the
 * root package stops where a workspace package starts (even one whose package.json is not written yet).
 */
export function packageFiles(root, dir, exclude) {
  const walk = (relativeDir) =>
    readdirSync(join(root, relativeDir), { withFileTypes: true }).flatMap((entry) => {
      const path = relativeDir === '.' ? entry.name : `${relativeDir}/${entry.name}`;
      if (entry.isDirectory()) {
        const skip = SKIPPED_DIRS.has(entry.name) || entry.name.startsWith('.') || exclude.has(path);
        return skip ? [] : walk(path);
      }
      return SOURCE_FILE.test(entry.name) ? [path] : [];
    });
  return walk(dir);
}

/** Is `file` (relative to the root) published code of the package in `dir`? */
export function isSrcFile(dir, file) {
  const inside = dir === '.' ? file : relative(dir, file).split('\\').join('/');
  return inside.startsWith('src/');
}
