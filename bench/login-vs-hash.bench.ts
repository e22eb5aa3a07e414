/**
 * Login throughput through the use case (in-memory stores, fake broker) against raw argon2id verification at the
 * same parameters and concurrency, measured in alternating rounds in one process so machine noise hits both alike.
 * The ratio says how much of a login is anything but the hash (target >= 0.95); the event-loop delay p99 during
 * logins says whether hashing really runs off the loop (target <= 10 ms).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createArgon2idHasher, createDevauth, createPasswordHashing, OWASP_ARGON2ID } from '@devauth/core';
import {
  FakeIdentityBroker,
  InMemoryInvitationStore,
  InMemoryLoginAttemptStore,
  InMemoryRefreshTokenStore,
  InMemoryUserStore,
} from '@devauth/core/testing';
import { type Figure, median, round, runClosedLoop } from './lib.js';

export async function benchLoginVersusHash(options: { rounds: number; opsPerRound: number; concurrency: number }) {
  const hasher = createPasswordHashing({ primary: createArgon2idHasher(OWASP_ARGON2ID) });
  const devauth = createDevauth({
    users: new InMemoryUserStore(),
    refreshTokens: new InMemoryRefreshTokenStore(),
    loginAttempts: new InMemoryLoginAttemptStore(),
    invitations: new InMemoryInvitationStore(),
    broker: new FakeIdentityBroker(),
    hasher,
  });
  const password = 'benchmark passphrase 0123';
  const usernames = Array.from({ length: options.concurrency }, (_, i) => `bench_user_${i}`);
  for (const username of usernames) await devauth.register.execute({ username, password });
  const hash = await hasher.hash(password);

  const raw: number[] = [];
  const login: number[] = [];
  const loopP99: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    raw.push(
      (await runClosedLoop(() => hasher.verify(hash, password), options.opsPerRound, options.concurrency)).opsPerSecond,
    );
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    const result = await runClosedLoop(
      (i) => devauth.login.execute({ username: usernames[i % usernames.length]!, password }),
      options.opsPerRound,
      options.concurrency,
    );
    histogram.disable();
    login.push(result.opsPerSecond);
    loopP99.push(histogram.percentile(99) / 1e6);
  }
  const rawMedian = median(raw);
  const loginMedian = median(login);
  const ratio = loginMedian / rawMedian;
  const figures: Figure[] = [
    {
      name: 'raw argon2id verify throughput',
      value: round(rawMedian, 2),
      unit: 'ops/s',
      compared_to: null,
      ratio: null,
    },
    {
      name: 'login use case throughput (in-memory, fake broker)',
      value: round(loginMedian, 2),
      unit: 'ops/s',
      compared_to: 'raw argon2id verify throughput',
      ratio: round(ratio),
    },
    {
      name: 'event-loop delay p99 during login load',
      value: round(median(loopP99), 2),
      unit: 'ms',
      compared_to: null,
      ratio: null,
    },
  ];
  return { figures, ratio, loopP99: median(loopP99), raw, login };
}
