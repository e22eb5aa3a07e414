import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM script without type declarations
import { coreViolations, importsOf } from '../scripts/check-boundaries.mjs';

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
