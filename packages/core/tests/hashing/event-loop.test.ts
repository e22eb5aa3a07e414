/**
 * Hashing must run off the event loop: one login's hash must not stall every other request the process serves.
 * A 1 ms interval counts ticks, and each operation records how many ticks happened while it ran. An operation on
 * the event loop blocks it for its whole duration, so no tick can happen during it (the synchronous control below
 * shows exactly that); an operation on the libuv thread pool lets the loop tick throughout.
 *
 * Counting ticks per operation, rather than bounding the longest gap between ticks, keeps the test meaningful and
 * stable on a busy 2-core machine running other suites in parallel, where a single late tick of 20-100 ms happens.
 */
import { hashRawSync } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { createArgon2idHasher, OWASP_ARGON2ID } from '../../src/hashing/argon2id.hasher.js';
import { createScryptHasher } from '../../src/hashing/scrypt.hasher.js';

/** Counts ticks of a 1 ms interval, and how many of them happen while each measured operation runs. */
class TickCounter {
  ticks = 0;
  readonly ticksPerOperation: number[] = [];
  private readonly timer = setInterval(() => {
    this.ticks++;
  }, 1);

  async measure<T>(operation: () => Promise<T> | T): Promise<T> {
    const before = this.ticks;
    const result = await operation();
    this.ticksPerOperation.push(this.ticks - before);
    return result;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

async function withTickCounter(run: (counter: TickCounter) => Promise<void>): Promise<TickCounter> {
  const counter = new TickCounter();
  try {
    await new Promise((resolve) => setTimeout(resolve, 5)); // let the interval start first
    await run(counter);
  } finally {
    counter.stop();
  }
  return counter;
}

describe('hashing runs off the event loop', () => {
  it('keeps the loop ticking while argon2id hashes and verifies at the OWASP parameters', async () => {
    const hasher = createArgon2idHasher(); // OWASP defaults
    const password = 'correct horse battery staple';
    await hasher.hash(password); // the first call also loads the native module

    const counter = await withTickCounter(async (ticks) => {
      for (let round = 0; round < 5; round++) {
        const encoded = await ticks.measure(() => hasher.hash(password));
        await expect(ticks.measure(() => hasher.verify(encoded, password))).resolves.toBe(true);
      }
    });
    const operations = counter.ticksPerOperation;
    // On the loop, no operation could see a single tick. Off it, the loop ticks through them (about once per
    // millisecond when the machine is idle; the bounds leave room for a heavily loaded one).
    expect(operations.filter((ticks) => ticks > 0).length).toBeGreaterThanOrEqual(operations.length / 2);
    expect(operations.reduce((sum, ticks) => sum + ticks, 0)).toBeGreaterThanOrEqual(2 * operations.length);

    // Control: the same derivation done synchronously blocks the loop; not one tick happens while it runs.
    const blocked = await withTickCounter(async (ticks) => {
      await ticks.measure(() => hashRawSync(password, { ...OWASP_ARGON2ID, outputLen: 32 }));
    });
    expect(blocked.ticksPerOperation).toEqual([0]);
  });

  it('keeps the loop ticking while scrypt derives a key', async () => {
    const hasher = createScryptHasher({ log2Cost: 15 }); // 32 MiB: long enough to see, short enough for a unit test
    const counter = await withTickCounter(async (ticks) => {
      await ticks.measure(() => hasher.hash('correct horse battery staple'));
    });
    expect(counter.ticksPerOperation[0]).toBeGreaterThanOrEqual(5);
  });
});
