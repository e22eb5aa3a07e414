import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('import cost', () => {
  it('importing the package loads no container, adapter, driver, SDK client or native hashing addon', () => {
    // A fresh process: the test runner's own module graph must not hide what the import pulls in.
    const script = `
      const before = new Set(Object.keys(require.cache));
      require('./src/index.ts');
      const loaded = Object.keys(require.cache).filter((key) => !before.has(key));
      const heavy = loaded.filter((key) => /tsyringe|reflect-metadata|adapters-|pglite|@aws-sdk|@node-rs|[\\\\/]pg[\\\\/]|zxcvbn/.test(key));
      console.log(JSON.stringify({ heavy, metadata: typeof Reflect.getMetadata }));
    `;
    const output = execFileSync(
      process.execPath,
      ['--conditions=@devauth/source', '--require', 'tsx/cjs', '-e', script],
      { cwd: packageDir, encoding: 'utf8' },
    );
    const result = JSON.parse(output.trim().split('\n').at(-1)!) as { heavy: string[]; metadata: string };
    expect(result.heavy).toEqual([]);
    expect(result.metadata).toBe('undefined');
  });
});
