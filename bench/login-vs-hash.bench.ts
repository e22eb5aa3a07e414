/**
 * Figure 1 and 3. Login throughput through the Lambda login handler (`createAuthHandlers` around a core with in-memory
 * stores and the fake broker, HTTP API v2 events for POST /auth/login, silent logger) against raw argon2id
 * verification at the same parameters (OWASP_ARGON2ID) and the same concurrency, measured in alternating rounds (the order flipping every round) in one
 * process so machine noise hits both alike. The ratio says how much of a login is anything but the hash (target
 * >= 0.95); the event-loop delay p99 during the login rounds says whether hashing really runs off the loop (target
 * <= 10 ms).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createArgon2idHasher, createPasswordHashing, OWASP_ARGON2ID } from '@devauth/core';
import { BENCH_PASSWORD, devauthLoginHandler } from './devauth-login.js';
import { type Figure, median, round, runClosedLoop } from './lib.js';

export const LOGIN_FIGURES = {
  raw: 'raw argon2id verify throughput',
  login: 'login handler throughput (Lambda, in-memory stores, fake broker)',
  loop: 'event-loop delay p99 during login load',
} as const;

export async function benchLoginVersusHash(options: { rounds: number; opsPerRound: number; concurrency: number }) {
  const hasher = createPasswordHashing({ primary: createArgon2idHasher(OWASP_ARGON2ID) });
  const login = await devauthLoginHandler(hasher, options.concurrency);
  const password = BENCH_PASSWORD;
  const hash = await hasher.hash(password);

  // One login per user first: the first login also stores the IdentityId; the rounds measure returning users.
  for (let i = 0; i < options.concurrency; i++) await login(i);

  const raw: number[] = [];
  const logins: number[] = [];
  const loopP99: number[] = [];
  const measureRaw = async () => {
    raw.push(
      (await runClosedLoop(() => hasher.verify(hash, password), options.opsPerRound, options.concurrency)).opsPerSecond,
    );
  };
  const measureLogin = async () => {
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    const result = await runClosedLoop(login, options.opsPerRound, options.concurrency);
    histogram.disable();
    logins.push(result.opsPerSecond);
    loopP99.push(histogram.percentile(99) / 1e6);
  };
  // The order flips every round: whichever side runs second in a pair inherits the first one's garbage and heat.
  for (let round = 0; round < options.rounds; round++) {
    for (const measure of round % 2 === 0 ? [measureRaw, measureLogin] : [measureLogin, measureRaw]) await measure();
  }
  const rawMedian = median(raw);
  const loginMedian = median(logins);
  const ratio = loginMedian / rawMedian;
  const figures: Figure[] = [
    { name: LOGIN_FIGURES.raw, value: round(rawMedian, 2), unit: 'ops/s', compared_to: null, ratio: null },
    {
      name: LOGIN_FIGURES.login,
      value: round(loginMedian, 2),
      unit: 'ops/s',
      compared_to: LOGIN_FIGURES.raw,
      ratio: round(ratio),
    },
    { name: LOGIN_FIGURES.loop, value: round(median(loopP99), 2), unit: 'ms', compared_to: null, ratio: null },
  ];
  return { figures, ratio, loopP99: median(loopP99), raw, login: logins };
}
