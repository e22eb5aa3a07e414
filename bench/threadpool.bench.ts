/**
 * Figure 10. Login throughput with libuv thread pools of 1, 2 and 4 threads (UV_THREADPOOL_SIZE; argon2id runs on
 * that pool, so it bounds how many hashes run at once): the Lambda login handler over in-memory stores and the fake
 * broker, argon2id OWASP, at the same concurrency as figure 1. Each size runs in its own fresh child process (libuv
 * fixes the pool size at first use), all three started before the first round; rounds alternate the sizes, the order
 * rotating every round, and the parent waits for each round to finish before starting the next, so only one child
 * works at a time. Medians, and ratios to size 1.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Figure, median, round } from './lib.js';

export const POOL_SIZES = [1, 2, 4] as const;

export const THREADPOOL_FIGURES = {
  throughput: (size: number, concurrency: number) =>
    `login throughput, UV_THREADPOOL_SIZE=${size} (Lambda handler, in-memory stores, argon2id OWASP, concurrency ${concurrency})`,
} as const;

const CHILD = fileURLToPath(new URL('./threadpool-child.ts', import.meta.url));

type Reply = 'ready' | { readonly opsPerSecond: number } | { readonly error: string };

function nextReply(child: ChildProcess): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`threadpool child exited (${code}) before answering`));
    child.once('exit', onExit);
    child.once('message', (reply: Reply) => {
      child.off('exit', onExit);
      resolve(reply);
    });
  });
}

export async function benchThreadpool(options: {
  rounds: number;
  opsPerRound: number;
  concurrency: number;
}): Promise<{ figures: Figure[]; lines: string[] }> {
  const children = new Map<number, ChildProcess>();
  try {
    for (const size of POOL_SIZES) {
      // The bench's own flags (tsx, the @devauth/source condition) are inherited; the pool size is the child's alone.
      const child = fork(CHILD, [], {
        env: { ...process.env, UV_THREADPOOL_SIZE: String(size), BENCH_CONCURRENCY: String(options.concurrency) },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.set(size, child);
      const ready = await nextReply(child);
      if (ready !== 'ready') throw new Error(`threadpool child (size ${size}) did not start: ${JSON.stringify(ready)}`);
    }
    const throughput = new Map<number, number[]>(POOL_SIZES.map((size) => [size, []]));
    for (let r = 0; r < options.rounds; r++) {
      const order = POOL_SIZES.map((_, i) => POOL_SIZES[(i + r) % POOL_SIZES.length]!);
      for (const size of order) {
        const child = children.get(size)!;
        const reply = nextReply(child);
        child.send({ opsPerRound: options.opsPerRound, concurrency: options.concurrency });
        const answer = await reply;
        if (answer === 'ready' || 'error' in answer)
          throw new Error(`threadpool round failed (size ${size}): ${JSON.stringify(answer)}`);
        throughput.get(size)!.push(answer.opsPerSecond);
      }
    }
    const base = median(throughput.get(1)!);
    const figures: Figure[] = [];
    const lines: string[] = [];
    for (const size of POOL_SIZES) {
      const value = median(throughput.get(size)!);
      figures.push({
        name: THREADPOOL_FIGURES.throughput(size, options.concurrency),
        value: round(value, 2),
        unit: 'ops/s',
        compared_to: size === 1 ? null : THREADPOOL_FIGURES.throughput(1, options.concurrency),
        ratio: size === 1 ? null : round(value / base),
      });
      lines.push(
        `  UV_THREADPOOL_SIZE=${size}: ${value.toFixed(1)} logins/s (x${(value / base).toFixed(2)} vs 1); rounds ` +
          `${throughput
            .get(size)!
            .map((v) => v.toFixed(1))
            .join(', ')}`,
      );
    }
    return { figures, lines };
  } finally {
    for (const child of children.values()) {
      if (child.connected) child.send('exit');
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, 10_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    }
  }
}
