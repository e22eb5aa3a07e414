import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM script without type declarations
import * as boundaries from '../scripts/check-boundaries.mjs';

const { coreViolations, importsOf, packageCycles, packageNameOf, undeclaredImports } = boundaries;

describe('Boundary check', () => {
  it('finds static, type, re-export, dynamic and require imports, ignoring comments', () => {
    const source = [
      "import { a } from 'zod';",
      "import type { B } from '@aws-sdk/client-dynamodb';",
      "export * from './x.js';",
      "export { c } from 'pg';",
      "const d = await import('@electric-sql/pglite');",
      "const e = require('tsyringe');",
      "// import { f } from '@devauth/adapters-dynamodb';",
    ].join('\n');
    expect((importsOf(source) as string[]).sort()).toEqual(
      ['./x.js', '@aws-sdk/client-dynamodb', '@electric-sql/pglite', 'pg', 'tsyringe', 'zod'].sort(),
    );
  });

  it('flags each forbidden kind of import in the core', () => {
    const reasons = (specifier: string, file = 'use-cases/login.use-case.ts') =>
      (coreViolations(file, `import x from '${specifier}';`) as { reason: string }[]).map((v) => v.reason);
    expect(reasons('@devauth/adapters-dynamodb')[0]).toMatch(/another devauth package/);
    expect(reasons('@aws-sdk/client-cognito-identity')[0]).toMatch(/AWS SDK/);
    expect(reasons('pg')[0]).toMatch(/database driver/);
    expect(reasons('@electric-sql/pglite')[0]).toMatch(/database driver/);
    expect(reasons('tsyringe')[0]).toMatch(/composition/);
    expect(reasons('tsyringe', 'composition.ts')).toEqual([]);
    expect(reasons('@devauth/core/testing')).toEqual([]);
    expect(reasons('zod')).toEqual([]);
  });

  it('passes on the repository as it is', () => {
    const output = execFileSync(process.execPath, ['scripts/check-boundaries.mjs'], { encoding: 'utf8' });
    expect(output).toMatch(/boundaries: ok/);
  });
});

type Pkg = { name: string } & Partial<
  Record<'dependencies' | 'devDependencies' | 'peerDependencies' | 'optionalDependencies', Record<string, string>>
>;
type Violation = { file: string; line: number; specifier: string; reason: string };

const pkg = (name: string, sections: Omit<Pkg, 'name'> = {}): Pkg => ({ name, ...sections });
const cycleMessages = (packages: Pkg[]) => (packageCycles(packages) as { message: string }[]).map((c) => c.message);

describe('Package cycles', () => {
  it('reports a two-package cycle through devDependencies once, as a readable path', () => {
    const packages = [
      pkg('@devauth/a', { dependencies: { '@devauth/b': 'workspace:^' } }),
      pkg('@devauth/b', { devDependencies: { '@devauth/a': 'workspace:^' } }),
    ];
    expect(cycleMessages(packages)).toEqual([
      'package cycle: @devauth/a -> @devauth/b (dependencies) -> @devauth/a (devDependencies)',
    ]);
  });

  it('reports a three-package cycle through peer and optional dependencies', () => {
    const packages = [
      pkg('@devauth/c', { optionalDependencies: { '@devauth/a': 'workspace:^' } }),
      pkg('@devauth/a', { peerDependencies: { '@devauth/b': 'workspace:^' }, dependencies: { zod: '^4' } }),
      pkg('@devauth/b', { devDependencies: { '@devauth/c': 'workspace:^' } }),
    ];
    expect(cycleMessages(packages)).toEqual([
      'package cycle: @devauth/a -> @devauth/b (peerDependencies) -> @devauth/c (devDependencies) -> @devauth/a (optionalDependencies)',
    ]);
  });

  it('names every section an edge is declared in', () => {
    const packages = [
      pkg('a', { devDependencies: { b: '*' }, peerDependencies: { b: '*' } }),
      pkg('b', { dependencies: { a: '*' } }),
    ];
    expect(cycleMessages(packages)).toEqual([
      'package cycle: a -> b (devDependencies, peerDependencies) -> a (dependencies)',
    ]);
  });

  it('finds no cycle in a diamond, nor through packages outside the workspace', () => {
    const packages = [
      pkg('top', { dependencies: { left: '*', right: '*' } }),
      pkg('left', { dependencies: { bottom: '*' } }),
      pkg('right', { devDependencies: { bottom: '*' } }),
      pkg('bottom', { dependencies: { outside: '*' } }),
    ];
    expect(cycleMessages(packages)).toEqual([]);
  });
});

describe('Undeclared imports', () => {
  const app = pkg('@devauth/app', {
    dependencies: { zod: '^4', '@aws-sdk/client-dynamodb': '^3' },
    devDependencies: { vitest: '^4', pg: '^8', '@types/aws-lambda': '^8', '@types/scope__lib': '^1' },
    peerDependencies: { tsyringe: '^4' },
    optionalDependencies: { '@node-rs/argon2': '^2' },
  });
  const check = (source: string, isSrc: boolean, file = isSrc ? 'src/x.ts' : 'tests/x.test.ts') =>
    undeclaredImports({ pkg: app, file, source, isSrc }) as Violation[];
  const specifiers = (source: string, isSrc: boolean) => check(source, isSrc).map((v) => v.specifier);

  it('flags a runtime import in src of a package declared only in devDependencies', () => {
    const [violation, ...rest] = check("import pg from 'pg';", true);
    expect(rest).toEqual([]);
    expect(violation).toMatchObject({ file: 'src/x.ts', line: 1, specifier: 'pg' });
    expect(violation!.reason).toMatch(/only in devDependencies/);
  });

  it('accepts the same import in tests, and runtime imports of dependencies, peers and optionals in src', () => {
    expect(check("import pg from 'pg';", false)).toEqual([]);
    const source = ["import { z } from 'zod';", "import 'tsyringe';", "await import('@node-rs/argon2');"].join('\n');
    expect(check(source, true)).toEqual([]);
  });

  it('flags an undeclared dynamic import, require and re-export, with its line', () => {
    const source = [
      'const x = 1;',
      "const m = await import('jose');",
      "require('esbuild');",
      "export * from 'ioredis';",
    ];
    const violations = check(source.join('\n'), false);
    expect(violations.map((v) => [v.specifier, v.line])).toEqual([
      ['jose', 2],
      ['esbuild', 3],
      ['ioredis', 4],
    ]);
    expect(violations[0]!.reason).toMatch(/declared in no section of @devauth\/app/);
  });

  it('lets type-only imports in src use devDependencies and @types packages', () => {
    const source = [
      "import type { APIGatewayProxyEventV2 } from 'aws-lambda';",
      "import { type Pool, type Client } from 'pg';",
      "export type { Thing } from '@scope/lib';",
      "type Vitest = typeof import('vitest');",
    ].join('\n');
    expect(check(source, true)).toEqual([]);
    // A value binding next to the type ones makes the import a runtime one again.
    expect(specifiers("import { type Pool, Client } from 'pg';", true)).toEqual(['pg']);
    expect(specifiers("import type { X } from 'undeclared-lib';", true)).toEqual(['undeclared-lib']);
  });

  it('accepts Node builtins, relative paths and the package importing itself', () => {
    const source = [
      "import { readFileSync } from 'node:fs';",
      "import { join } from 'path';",
      "import { readFile } from 'fs/promises';",
      "import { helper } from '../support/helper.js';",
      "import { app } from '@devauth/app';",
      "import { testing } from '@devauth/app/testing';",
    ].join('\n');
    expect(check(source, true)).toEqual([]);
  });

  it('maps subpath specifiers to their package', () => {
    expect(packageNameOf('@aws-sdk/client-dynamodb/dist-cjs/index.js')).toBe('@aws-sdk/client-dynamodb');
    expect(packageNameOf('zod/v4')).toBe('zod');
    expect(packageNameOf('node:test')).toBeNull();
    expect(check("import { z } from 'zod/v4/core';", true)).toEqual([]);
    expect(specifiers("import { x } from '@smithy/signature-v4/dist';", false)).toEqual(['@smithy/signature-v4/dist']);
  });

  it('ignores imports written inside string and template literals (test fixtures)', () => {
    const source = [
      'const fixture = [',
      '  "import pg from \'ioredis\';",',
      '  "const x = await import(\'jose\');",',
      '];',
      'const module = `',
      "import { x } from 'esbuild';",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the fixture is source text holding a template
      '${fixture.map((line) => `${line} // require(\'undeclared\')`).join("\\n")}',
      '`;',
      "const pattern = /import x from 'mongodb'/;",
    ].join('\n');
    expect(check(source, false)).toEqual([]);
    // Code after a template's `${…}` expression is still read.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the fixture is source text holding a template
    expect(specifiers("const s = `${a}`;\nimport x from 'jose';", false)).toEqual(['jose']);
  });
});
