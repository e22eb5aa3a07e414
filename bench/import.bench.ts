/**
 * Import throughput per store: rows per second through the core's ImportUsers (every row validated and canonicalized
 * as registration does, batched into one `users.createMany` per `createManyLimit` rows), against the same users
 * written by the engine's own bulk write of new rows (`rawBatchWrite`, see bench-engines.ts: one multi-row INSERT
 * without ON CONFLICT; on DynamoDB full conditional transactions), batch for batch, in the same run, after a warm-up
 * round that is not counted. Which side goes first follows A B B A over the rounds; medians are reported.
 */
import { createDevauth, type ImportUserRow, staticCommonPasswords, type UserRecord, uuidv7 } from '@devauth/core';
import { FakeIdentityBroker } from '@devauth/core/testing';
import { ENGINES, type Engine } from './bench-engines.js';
import { type Figure, median, round } from './lib.js';

/** An argon2id PHC hash another system made (imports store it as it is; nothing is hashed during an import). */
const LEGACY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$ISO7kkvFzh19GM8qB7patN3C3Y9HHsjlVTfEZ9T600Y';

function* rowsOf(prefix: string, count: number): Generator<ImportUserRow> {
  for (let i = 0; i < count; i++) {
    yield { line: i + 1, username: `${prefix}${i}`, email: `${prefix}${i}@example.com`, passwordHash: LEGACY_HASH };
  }
}

/**
 * The users an import of `rowsOf(prefix, count)` creates, built ahead (the raw side does no validation), with ids
 * like the ones the import gives (UUIDv7, 36 characters): the same rows, so the same keys to index.
 */
function recordsOf(prefix: string, count: number): UserRecord[] {
  const now = new Date();
  return Array.from({ length: count }, (_, i) => ({
    id: uuidv7(),
    username: `${prefix}${i}`,
    email: `${prefix}${i}@example.com`,
    emailVerified: false,
    role: 'shopper',
    passwordHash: LEGACY_HASH,
    passwordNormalization: 'none' as const,
    identityId: null,
    status: 'active' as const,
    createdAt: now,
    updatedAt: now,
    version: 1,
  }));
}

const ABBA = [false, true, true, false] as const;

const collectGarbage = (): void => (globalThis as { gc?: () => void }).gc?.();

async function measure(engine: Engine, options: { rounds: number; rows: number }): Promise<Figure[]> {
  const devauth = createDevauth({
    ...engine.stores,
    broker: new FakeIdentityBroker(),
    commonPasswords: staticCommonPasswords([]),
  });
  const batch = engine.stores.users.createManyLimit;
  const imported: number[] = [];
  const raw: number[] = [];
  const unconditional: number[] = [];
  const rate = async (rows: number, write: () => Promise<void>) => {
    // Each side starts on a collected heap (pnpm bench runs with --expose-gc): otherwise one side's garbage is
    // collected, and paid for, during the other side's timing.
    collectGarbage();
    const started = performance.now();
    await write();
    return rows / ((performance.now() - started) / 1000);
  };
  // The raw sides' records are built before their clock starts: what is timed is the write alone, while the import
  // is timed from its rows to its report (checks, ids and all).
  const sides = (stamp: string, rows: number) => ({
    raw: () => {
      const records = recordsOf(`r${stamp}_`, rows);
      return async () => {
        for (let i = 0; i < records.length; i += batch) await engine.rawBatchWrite(records.slice(i, i + batch));
      };
    },
    unconditional: () => {
      const overwrites = recordsOf(`u${stamp}_`, rows);
      return async () => {
        for (let i = 0; i < overwrites.length; i += batch)
          await engine.unconditionalBatchWrite?.(overwrites.slice(i, i + batch));
      };
    },
    imported: async () => {
      const report = await devauth.importUsers.execute(rowsOf(`i${stamp}_`, rows), { onExisting: 'skip' });
      if (report.created !== rows)
        throw new Error(`${engine.name}: the import created ${report.created} of ${rows} users`);
    },
  });
  // A warm-up round, not counted: the JIT compiles both paths and the engines' caches fill before anything is timed.
  const warm = sides(`w${Date.now().toString(36)}`, Math.min(options.rows, 2 * batch));
  await warm.raw()();
  await warm.imported();
  for (let round = 0; round < options.rounds; round++) {
    const side = sides(`${round}${Date.now().toString(36)}`, options.rows);
    // Which side goes first follows A B B A: an engine's own periodic costs land on the second write of every other
    // round (PGlite, measured: with a plain alternation they fell on the import each time), and this order gives
    // each side both places in both kinds of round.
    const importFirst = ABBA[round % ABBA.length]!;
    if (importFirst) imported.push(await rate(options.rows, side.imported));
    raw.push(await rate(options.rows, side.raw()));
    if (engine.unconditionalBatchWrite) unconditional.push(await rate(options.rows, side.unconditional()));
    if (!importFirst) imported.push(await rate(options.rows, side.imported));
  }
  const rawFigure: Figure = {
    name: `${engine.name}: raw batch-write throughput (same users)`,
    value: round(median(raw), 0),
    unit: 'rows/s',
    compared_to: null,
    ratio: null,
  };
  const value = round(median(imported), 0);
  const reference: Figure[] =
    unconditional.length === 0
      ? []
      : [
          {
            name: `${engine.name}: unconditional BatchWriteItem throughput (same users, reference only)`,
            value: round(median(unconditional), 0),
            unit: 'rows/s',
            compared_to: null,
            ratio: null,
          },
        ];
  return [
    ...reference,
    rawFigure,
    {
      name: `${engine.name}: import throughput`,
      value,
      unit: 'rows/s',
      compared_to: rawFigure.name,
      ratio: round(value / rawFigure.value),
    },
  ];
}

export async function benchImport(options: { rounds: number; rows: number }): Promise<Figure[]> {
  const all: Figure[] = [];
  for (const start of ENGINES) {
    let engine: Engine | undefined;
    try {
      engine = await start();
      all.push(...(await measure(engine, options)));
    } catch (error) {
      console.error(`import benchmark skipped (${start.name}): ${(error as Error).message}`);
    } finally {
      await engine?.stop();
    }
  }
  return all;
}
