import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { devauth, FOREIGN, pgliteEnv, scratch } from './support.js';

const ROWS = 100_000;
/** The old generation's size for the CLI process (V8's --max-old-space-size). */
const HEAP_CAP_MIB = 96;

/** Writes the file with backpressure (the test itself holds no more of it than the CLI may). */
async function writeUsersFile(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < rows; i++) {
    // Every 10,000th row is bad (an unknown role), to check the reports too.
    const row =
      i % 10_000 === 9_999
        ? { username: `user${i}`, role: 'wizard', passwordHash: FOREIGN.bcrypt.hash }
        : { username: `user${i}`, email: `user${i}@example.com`, passwordHash: FOREIGN.bcrypt.hash };
    if (!out.write(`${JSON.stringify(row)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
}

describe('devauth import-users at scale', () => {
  const { dir, cleanup } = scratch('memory');
  afterAll(cleanup);

  it(`streams a ${ROWS.toLocaleString('en')}-row file in bounded memory, with progress`, async () => {
    const file = join(dir, 'big.jsonl');
    await writeUsersFile(file, ROWS);
    // The data directory exists before the import: PGlite's initdb has a peak of its own (about 1.2 GB of RSS on
    // Node 24, measured), which says nothing about the import.
    const migrated = await devauth(['migrate'], { env: pgliteEnv(dir) });
    expect(migrated.code).toBe(0);
    const result = await devauth(['import-users', file, '--json', '--progress'], {
      // The old generation capped at 96 MiB: if the import held the file's rows (or any per-row state), it would run
      // out of heap and fail, whatever the garbage collector's pace (Node 24 lets garbage pile up longer than 20).
      env: pgliteEnv(dir, { DEVAUTH_CLI_REPORT_MEMORY: '1', NODE_OPTIONS: `--max-old-space-size=${HEAP_CAP_MIB}` }),
    });
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)).toEqual({
      read: ROWS,
      created: ROWS - 10,
      updated: 0,
      skipped: 0,
      rejected: 10,
    });
    expect(result.stderr).toContain('line 10000: role: is not a configured role');
    expect(result.stderr).toMatch(/import-users: \d+ rows read, \d+ created/);
    expect(result.stderr).not.toContain(FOREIGN.bcrypt.hash);
    const memory = /memory: maxRSS=(\d+) maxHeapUsed=(\d+)/.exec(result.stderr);
    expect(memory).not.toBeNull();
    const [maxRssKiB, maxHeapKiB] = [Number(memory![1]), Number(memory![2])];
    // The file is about 13 MB; holding its rows would take several times that of heap. The live JS heap stays small
    // (two batches of rows: one written, one read): the run completed under the cap, and the heap used (garbage
    // included) never passed the cap plus the young generation. The RSS bound leaves room for PGlite's WebAssembly
    // memory, which grows with the database it holds (100,000 users and the users table's indexes), not the file.
    expect(maxHeapKiB).toBeLessThan((HEAP_CAP_MIB + 32) * 1024);
    expect(maxRssKiB).toBeLessThan(1024 * 1024);
  }, 600_000);
});
