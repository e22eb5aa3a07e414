/**
 * Per-engine login and registration throughput, p50/p99 latency and round trips per operation, through the core use
 * cases with the fake broker. Hashing is held at tiny argon2id parameters here so the figures show the store, not
 * the hash (the login-vs-hash benchmark covers hashing). Engines run side by side in one process: DynamoDB Local
 * (Java), a throwaway PostgreSQL 15 cluster, and PGlite (embedded).
 */
import { createArgon2idHasher, createDevauth, createPasswordHashing, staticCommonPasswords } from '@devauth/core';
import { FakeIdentityBroker } from '@devauth/core/testing';
import { ENGINES, type Engine } from './bench-engines.js';
import { type Figure, median, percentile, round, runClosedLoop } from './lib.js';

async function measure(engine: Engine, options: { rounds: number; opsPerRound: number; concurrency: number }) {
  const devauth = createDevauth({
    ...engine.stores,
    broker: new FakeIdentityBroker(),
    hasher: createPasswordHashing({ primary: createArgon2idHasher({ memoryCost: 64, timeCost: 1, parallelism: 1 }) }),
    commonPasswords: staticCommonPasswords([]),
  });
  const password = 'benchmark passphrase 0123';
  const register = { throughput: [] as number[], latencies: [] as number[], trips: [] as number[] };
  const login = { throughput: [] as number[], latencies: [] as number[], trips: [] as number[] };
  const lookupTrips: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const names = Array.from({ length: options.opsPerRound }, (_, i) => `b${round}_${i}_${Date.now().toString(36)}`);
    engine.resetRoundTrips();
    const registered = await runClosedLoop(
      (i) => devauth.register.execute({ username: names[i]!, password }),
      options.opsPerRound,
      options.concurrency,
    );
    register.trips.push(engine.roundTrips() / options.opsPerRound);
    register.throughput.push(registered.opsPerSecond);
    register.latencies.push(...registered.latenciesMs);
    // First logins also store the IdentityId; measure the steady state (second login) like a returning user.
    await runClosedLoop(
      (i) => devauth.login.execute({ username: names[i]!, password }),
      options.opsPerRound,
      options.concurrency,
    );
    engine.resetRoundTrips();
    const loggedIn = await runClosedLoop(
      (i) => devauth.login.execute({ username: names[i]!, password }),
      options.opsPerRound,
      options.concurrency,
    );
    login.trips.push(engine.roundTrips() / options.opsPerRound);
    login.throughput.push(loggedIn.opsPerSecond);
    login.latencies.push(...loggedIn.latenciesMs);
    engine.resetRoundTrips();
    await engine.stores.users.findByUsername(names[0]!);
    lookupTrips.push(engine.roundTrips());
  }
  const figures = (operation: string, data: typeof login): Figure[] => [
    {
      name: `${engine.name}: ${operation} throughput`,
      value: round(median(data.throughput), 1),
      unit: 'ops/s',
      compared_to: null,
      ratio: null,
    },
    {
      name: `${engine.name}: ${operation} latency p50`,
      value: round(percentile(data.latencies, 50), 2),
      unit: 'ms',
      compared_to: null,
      ratio: null,
    },
    {
      name: `${engine.name}: ${operation} latency p99`,
      value: round(percentile(data.latencies, 99), 2),
      unit: 'ms',
      compared_to: null,
      ratio: null,
    },
    {
      name: `${engine.name}: ${operation} round trips per use case`,
      value: round(median(data.trips), 2),
      unit: 'round trips',
      compared_to: null,
      ratio: null,
    },
  ];
  return [
    ...figures('registration', register),
    ...figures('login', login),
    {
      name: `${engine.name}: login lookup (findByUsername) round trips`,
      value: median(lookupTrips),
      unit: 'round trips',
      compared_to: null,
      ratio: null,
    },
  ];
}

export async function benchEngines(options: { rounds: number; opsPerRound: number; concurrency: number }) {
  const all: Figure[] = [];
  for (const start of ENGINES) {
    let engine: Engine | undefined;
    try {
      engine = await start();
      all.push(...(await measure(engine, options)));
    } catch (error) {
      console.error(`engine benchmark skipped (${start.name}): ${(error as Error).message}`);
    } finally {
      await engine?.stop();
    }
  }
  // Throughputs compared with PGlite, the embedded default, measured in the same run.
  const baseline = (operation: string) => all.find((f) => f.name === `PGlite: ${operation} throughput`);
  return all.map((figure) => {
    const match = /^(.*): (registration|login) throughput$/.exec(figure.name);
    const base = match ? baseline(match[2]!) : undefined;
    if (!match || !base || match[1] === 'PGlite') return figure;
    return { ...figure, compared_to: base.name, ratio: round(figure.value / base.value) };
  });
}
