import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/** `pnpm demo` is the product's main job: it must keep working, with every store it offers. */
describe('pnpm demo', () => {
  it.each(['pglite', 'memory'])(
    'runs end to end with the %s store, exits 0 and stops what it started',
    async (store) => {
      const { stdout, stderr } = await promisify(execFile)(
        process.execPath,
        ['--conditions=@devauth/source', '--import', 'tsx', 'scripts/demo.ts', `--store=${store}`],
        { timeout: 120_000 },
      );
      expect(stdout).toContain(`(${store} store)`);
      expect(stdout).toContain('demo OK: every expectation held');
      expect(stdout).not.toContain('✗');
      // Only the narration: no warning from a dependency, no stray log line.
      expect(stderr).toBe('');
    },
    150_000,
  );
});
