/**
 * One child of bench/threadpool.bench.ts, started with its own UV_THREADPOOL_SIZE (libuv reads it once, when the pool
 * is first used, so each size needs its own process): the Lambda login handler over in-memory stores and the fake
 * broker, argon2id at the OWASP parameters (devauth-login.ts, as figure 1). It warms up, then runs one round of
 * closed-loop logins per message from the parent and answers with the round's throughput.
 */
import { createArgon2idHasher, createPasswordHashing, OWASP_ARGON2ID } from '@devauth/core';
import { devauthLoginHandler } from './devauth-login.js';
import { runClosedLoop } from './lib.js';

interface RoundRequest {
  readonly opsPerRound: number;
  readonly concurrency: number;
}

const concurrency = Number(process.env.BENCH_CONCURRENCY);
const login = await devauthLoginHandler(
  createPasswordHashing({ primary: createArgon2idHasher(OWASP_ARGON2ID) }),
  concurrency,
);
// Returning users, and the pool started: one login per user before any round.
await Promise.all(Array.from({ length: concurrency }, (_, i) => login(i)));

process.on('message', (message: RoundRequest | 'exit') => {
  if (message === 'exit') {
    process.disconnect();
    return;
  }
  void runClosedLoop(login, message.opsPerRound, message.concurrency).then(
    ({ opsPerSecond }) => process.send?.({ opsPerSecond }),
    (error: Error) => process.send?.({ error: error.message }),
  );
});
process.send?.('ready');
