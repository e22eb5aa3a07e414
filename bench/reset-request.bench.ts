/**
 * The password-reset request (POST /auth/password/forgot through the Lambda handler, in-memory stores, the local
 * outbox), measured like login: against its expensive step. A reset request hashes nothing; what dominates is the
 * response floor (`passwordResetResponseFloorMs`) that makes a known account (token stored, message sent) and an
 * unknown one answer alike. So the figures are the request's latency median over the floor (target <= 1.1: the
 * request itself adds little) and the relative difference between known and unknown accounts (target <= 0.1),
 * measured in alternating rounds, plus the throughput at the floor.
 */
import { readFileSync } from 'node:fs';
import { createDevauth, InMemoryOutbox } from '@devauth/core';
import { createInMemoryStores, FakeIdentityBroker } from '@devauth/core/testing';
import { type ApiGatewayProxyEvent, createAuthHandlers, silentLogger } from '@devauth/lambda-handlers';
import { type Figure, median, round, runClosedLoop } from './lib.js';

/** Shorter than the 1 s default so the rounds stay short; the ratio to it is what is judged. */
export const BENCH_RESET_FLOOR_MS = 100;

export const RESET_FIGURES = {
  known: `password reset request latency p50, known account (floor ${BENCH_RESET_FLOOR_MS} ms)`,
  unknown: `password reset request latency p50, unknown account (floor ${BENCH_RESET_FLOOR_MS} ms)`,
  floor: 'password reset response floor',
  difference: 'password reset request: known vs unknown latency difference',
  throughput: 'password reset request throughput at the floor',
} as const;

const sample = JSON.parse(
  readFileSync(new URL('../packages/lambda-handlers/tests/fixtures/http-api-v2.json', import.meta.url), 'utf8'),
) as Record<string, unknown> & { headers: Record<string, string> };

function forgotEvent(username: string): ApiGatewayProxyEvent {
  const body = JSON.stringify({ username });
  const headers = { ...sample.headers, 'content-length': String(Buffer.byteLength(body)) };
  return {
    ...structuredClone(sample),
    rawPath: '/auth/password/forgot',
    routeKey: 'POST /auth/password/forgot',
    headers,
    body,
    isBase64Encoded: false,
  } as unknown as ApiGatewayProxyEvent;
}

export async function benchResetRequest(options: { rounds: number; opsPerRound: number; concurrency: number }) {
  const outbox = new InMemoryOutbox();
  const devauth = createDevauth(
    { ...createInMemoryStores(), broker: new FakeIdentityBroker(), messages: outbox },
    { passwordResetResponseFloorMs: BENCH_RESET_FLOOR_MS, passwordResetRateLimit: { freeFailures: 1_000_000 } },
  );
  const { passwordForgot } = createAuthHandlers({ devauth, logger: silentLogger });
  const users = options.concurrency;
  for (let i = 0; i < users; i++) {
    await devauth.register.execute({
      username: `reset_user_${i}`,
      password: 'benchmark passphrase 0123',
      email: `reset_user_${i}@bench.example.com`,
    });
    // Resets go to verified addresses only: without this the known account would be sent nothing.
    const verification = outbox.latest('email-verification', `reset_user_${i}@bench.example.com`)!.message.token;
    await devauth.verifyEmail.execute({ token: verification });
  }
  outbox.clear();
  const known = Array.from({ length: users }, (_, i) => forgotEvent(`reset_user_${i}`));
  const unknown = Array.from({ length: users }, (_, i) => forgotEvent(`nobody_${i}`));
  const request = (events: ApiGatewayProxyEvent[]) => async (index: number) => {
    const response = await passwordForgot(events[index % users]!, { awsRequestId: `bench-${index}` });
    if (response.statusCode !== 202) throw new Error(`the reset handler answered ${response.statusCode}`);
  };

  const latencies = { known: [] as number[], unknown: [] as number[] };
  const throughputs: number[] = [];
  const measure = (kind: 'known' | 'unknown') => async () => {
    const result = await runClosedLoop(
      request(kind === 'known' ? known : unknown),
      options.opsPerRound,
      options.concurrency,
    );
    latencies[kind].push(...result.latenciesMs);
    if (kind === 'known') throughputs.push(result.opsPerSecond);
  };
  for (let r = 0; r < options.rounds; r++) {
    for (const run of r % 2 === 0 ? [measure('known'), measure('unknown')] : [measure('unknown'), measure('known')]) {
      await run();
    }
  }
  if (outbox.sent.length === 0) throw new Error('no reset message was sent: the benchmark measured nothing');
  const knownMedian = median(latencies.known);
  const unknownMedian = median(latencies.unknown);
  const difference = Math.abs(knownMedian - unknownMedian) / Math.min(knownMedian, unknownMedian);
  const figures: Figure[] = [
    { name: RESET_FIGURES.floor, value: BENCH_RESET_FLOOR_MS, unit: 'ms', compared_to: null, ratio: null },
    {
      name: RESET_FIGURES.known,
      value: round(knownMedian, 2),
      unit: 'ms',
      compared_to: RESET_FIGURES.floor,
      ratio: round(knownMedian / BENCH_RESET_FLOOR_MS),
    },
    {
      name: RESET_FIGURES.unknown,
      value: round(unknownMedian, 2),
      unit: 'ms',
      compared_to: RESET_FIGURES.known,
      ratio: round(unknownMedian / knownMedian),
    },
    { name: RESET_FIGURES.difference, value: round(difference), unit: 'fraction', compared_to: null, ratio: null },
    {
      name: RESET_FIGURES.throughput,
      value: round(median(throughputs), 2),
      unit: 'ops/s',
      compared_to: null,
      ratio: null,
    },
  ];
  return { figures, knownMedian, unknownMedian, difference };
}
