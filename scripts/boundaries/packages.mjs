// Package-graph rules, as pure functions over package.json contents and source text so tests can feed fixtures:
// no dependency cycle between workspace packages, and no import of a package the importing package leaves
// undeclared (or declares only where its users won't get it).
import { builtinModules } from 'node:module';
import { importRecords } from './scan.mjs';

export const SECTIONS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];
/** What a published package's users install with it: a runtime import from src must be declared in one of these. */
export const RUNTIME_SECTIONS = ['dependencies', 'peerDependencies', 'optionalDependencies'];

const BUILTINS = new Set(builtinModules);

/**
 * The package a bare specifier loads (`@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`), or null when it
 * loads no package: relative and absolute paths, `#imports`, URLs and `node:` or bare Node builtins.
 */
export function packageNameOf(specifier) {
  if (/^[./#]/.test(specifier) || /^[a-z][a-z+.-]*:/i.test(specifier)) return null;
  const [first, second] = specifier.split('/');
  if (BUILTINS.has(first) || BUILTINS.has(specifier)) return null;
  return first.startsWith('@') ? `${first}/${second}` : first;
}

/** The DefinitelyTyped package that carries a package's types: `pg` -> `@types/pg`, `@a/b` -> `@types/a__b`. */
export function typesPackageOf(name) {
  return `@types/${name.startsWith('@') ? name.slice(1).replace('/', '__') : name}`;
}

/** The sections of `pkg`'s package.json that name `dependency`. */
function sectionsNaming(pkg, dependency) {
  return SECTIONS.filter((section) => Object.hasOwn(pkg[section] ?? {}, dependency));
}

/** Workspace edges: name -> [{ to, sections }] for every dependency that names another workspace package. */
function workspaceEdges(packages) {
  const names = new Set(packages.map((pkg) => pkg.name));
  const edges = new Map();
  for (const pkg of packages) {
    const targets = new Set(SECTIONS.flatMap((section) => Object.keys(pkg[section] ?? {})));
    const out = [...targets].filter((to) => names.has(to)).sort();
    edges.set(
      pkg.name,
      out.map((to) => ({ to, sections: sectionsNaming(pkg, to) })),
    );
  }
  return edges;
}

function cycleMessage(start, steps) {
  return `package cycle: ${start}${steps.map((step) => ` -> ${step.to} (${step.sections.join(', ')})`).join('')}`;
}

/**
 * Every elementary cycle between workspace packages, each reported once: a cycle is only followed from its
 * alphabetically first package, through packages that sort after it. A devDependency counts: pnpm links it, and a
 * build or test of either package then needs the other one first. Returns `{ cycle: [names…, start], message }`.
 */
export function packageCycles(packages) {
  const edges = workspaceEdges(packages);
  const order = [...edges.keys()].sort();
  const cycles = [];
  for (const [rank, start] of order.entries()) {
    const later = new Set(order.slice(rank + 1));
    const walk = (name, steps) => {
      for (const step of edges.get(name)) {
        if (step.to === start) {
          const path = [...steps, step];
          cycles.push({ cycle: [start, ...path.map((s) => s.to)], message: cycleMessage(start, path) });
        } else if (later.has(step.to) && !steps.some((s) => s.to === step.to)) {
          walk(step.to, [...steps, step]);
        }
      }
    };
    walk(start, []);
  }
  return cycles;
}

/** Why `pkg` may not import `name` the way `record` does, or null when its package.json allows it. */
function undeclaredReason(pkg, name, record, isSrc) {
  const declaredIn = sectionsNaming(pkg, name);
  if (record.typeOnly) {
    // Types come from the package itself or from DefinitelyTyped; either may be a devDependency, even for src.
    if (declaredIn.length > 0 || sectionsNaming(pkg, typesPackageOf(name)).length > 0) return null;
    return `"${name}" (type-only) is declared in no section of ${pkg.name}'s package.json, nor is ${typesPackageOf(name)}`;
  }
  const allowed = isSrc ? RUNTIME_SECTIONS : SECTIONS;
  if (declaredIn.some((section) => allowed.includes(section))) return null;
  if (declaredIn.length > 0) {
    return `src imports "${name}" at runtime but ${pkg.name} declares it only in ${declaredIn.join(', ')}, which its users do not install`;
  }
  return `"${name}" is declared in no section of ${pkg.name}'s package.json`;
}

/**
 * Imports in one file of `pkg` that its package.json does not back. `isSrc`: the file is published code (under
 * `src/`), so a runtime import needs a dependency its users install; tests, scripts and benches may use any section.
 * A `.d.ts` file only ever imports types. Returns `{ file, line, specifier, reason }`.
 */
export function undeclaredImports({ pkg, file, source, isSrc }) {
  const declarationFile = /\.d\.[cm]?ts$/.test(file);
  const violations = [];
  for (const record of importRecords(source)) {
    const name = packageNameOf(record.specifier);
    if (name === null || name === pkg.name) continue;
    const reason = undeclaredReason(pkg, name, { ...record, typeOnly: record.typeOnly || declarationFile }, isSrc);
    if (reason) violations.push({ file, line: record.line, specifier: record.specifier, reason });
  }
  return violations;
}
