/**
 * devauth against Better Auth (better-auth 1.7.25, email/password), side by side in one process: sign-in throughput
 * at each library's default password hashing, then with both on the same argon2id hasher (OWASP m=19456 KiB, t=2,
 * p=1, given to Better Auth through `emailAndPassword.password`) so the ratio shows the overhead around the hash, and
 * the event-loop delay p99 during the default-hashing login load.
 *
 * Ours is a full Lambda invocation: `createAuthHandlers(...).login` on an HTTP API (payload v2) POST /auth/login
 * event, over in-memory stores, including the FakeIdentityBroker call and the refresh-token write. Theirs is
 * `auth.handler(new Request(...))` on POST /api/auth/sign-in/email over its memory adapter, including the session
 * it creates. Both sides sign up one user per worker beforehand (untimed), warm up once, then run closed loops at the
 * same concurrency in alternating rounds (the order flips every round) so machine noise hits both alike; figures are
 * medians of the rounds and every ratio is ours/theirs. Every response must be a 200 or the benchmark throws.
 * Better Auth's rate limiter (on by default in production, 3 sign-ins per 10 s) is disabled with
 * `rateLimit: { enabled: false }`; ours cannot kick in, since devauth throttles only after failed logins.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
  createArgon2idHasher,
  createDefaultPasswordHasher,
  createPasswordHashing,
  OWASP_ARGON2ID,
} from '@devauth/core';
import { type BetterAuthOptions, betterAuth } from 'better-auth';
import { memoryAdapter } from 'better-auth/adapters/memory';
import { devauthLoginHandler, BENCH_PASSWORD as PASSWORD } from './devauth-login.js';
import { type Figure, median, round, runClosedLoop } from './lib.js';

type Options = { rounds: number; opsPerRound: number; concurrency: number };
/** One sign-in of user `index % users`; throws unless it answered 200. */
type SignIn = (index: number) => Promise<void>;

const BASE_URL = 'http://localhost:3000';
const OWASP = `m=${OWASP_ARGON2ID.memoryCost} KiB, t=${OWASP_ARGON2ID.timeCost}, p=${OWASP_ARGON2ID.parallelism}`;
/** From @better-auth/utils 0.5.1 dist/password.node.mjs (the "node" export of `@better-auth/utils/password`). */
const BETTER_AUTH_SCRYPT =
  'scrypt N=16384, r=16, p=1 (32 MiB), 64-byte key, salt = 16 random bytes as hex, password NFKC-normalized; ' +
  'node:crypto scrypt with a callback, so it runs on the libuv thread pool, off the event loop';

/** The `emailAndPassword.password` option: Better Auth's hook for another hasher. */
type BetterAuthPassword = NonNullable<NonNullable<BetterAuthOptions['emailAndPassword']>['password']>;

async function betterAuthSignIn(users: number, password?: BetterAuthPassword): Promise<SignIn> {
  const auth = betterAuth({
    baseURL: BASE_URL,
    secret: 'devauth-benchmark-secret-for-better-auth-0123456789',
    database: memoryAdapter({ user: [], session: [], account: [], verification: [] }),
    emailAndPassword: { enabled: true, ...(password ? { password } : {}) },
    rateLimit: { enabled: false },
    logger: { disabled: true },
    telemetry: { enabled: false },
  });
  const bodies: string[] = [];
  for (let i = 0; i < users; i++) {
    const email = `bench_user_${i}@example.com`;
    await auth.api.signUpEmail({ body: { email, password: PASSWORD, name: `bench user ${i}` } });
    bodies.push(JSON.stringify({ email, password: PASSWORD }));
  }
  return async (index) => {
    const response = await auth.handler(
      new Request(`${BASE_URL}/api/auth/sign-in/email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: BASE_URL },
        body: bodies[index % users]!,
      }),
    );
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`better-auth sign-in answered ${response.status}`);
  };
}

interface Side {
  readonly name: string;
  readonly signIn: SignIn;
  readonly throughput: number[];
  readonly loopP99: number[];
}

const side = (name: string, signIn: SignIn): Side => ({ name, signIn, throughput: [], loopP99: [] });

async function measure(target: Side, options: Options): Promise<void> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const result = await runClosedLoop(target.signIn, options.opsPerRound, options.concurrency);
  histogram.disable();
  target.throughput.push(result.opsPerSecond);
  target.loopP99.push(histogram.percentile(99) / 1e6);
}

/** Two figures, theirs and ours (compared with theirs, ratio ours/theirs), from the medians of their rounds. */
function compare(unit: string, ours: [string, number[]], theirs: [string, number[]]): Figure[] {
  const ourValue = median(ours[1]);
  const theirValue = median(theirs[1]);
  return [
    { name: theirs[0], value: round(theirValue, 2), unit, compared_to: null, ratio: null },
    {
      name: ours[0],
      value: round(ourValue, 2),
      unit,
      compared_to: theirs[0],
      ratio: theirValue > 0 ? round(ourValue / theirValue) : null,
    },
  ];
}

export async function benchBetterAuth(options: Options): Promise<{ figures: Figure[]; lines: string[] }> {
  const users = options.concurrency;
  const argon2id = createPasswordHashing({ primary: createArgon2idHasher(OWASP_ARGON2ID) });
  const pairs: [Side, Side][] = [
    [
      side(
        'login throughput, default hashing: devauth Lambda handler (argon2id)',
        await devauthLoginHandler(createDefaultPasswordHasher(), users),
      ),
      side('sign-in throughput, default hashing: better-auth (scrypt)', await betterAuthSignIn(users)),
    ],
    [
      side(
        'login throughput, same hasher (argon2id OWASP): devauth Lambda handler',
        await devauthLoginHandler(argon2id, users),
      ),
      side(
        'sign-in throughput, same hasher (argon2id OWASP): better-auth',
        await betterAuthSignIn(users, {
          hash: (password) => argon2id.hash(password),
          verify: ({ hash, password }) => argon2id.verify(hash, password),
        }),
      ),
    ],
  ];
  for (const target of pairs.flat()) {
    await runClosedLoop(target.signIn, users * 2, options.concurrency);
  }
  for (let r = 0; r < options.rounds; r++) {
    for (const [ours, theirs] of pairs) {
      for (const target of r % 2 === 0 ? [ours, theirs] : [theirs, ours]) await measure(target, options);
    }
  }

  const [[oursDefault, theirsDefault]] = pairs as [[Side, Side]];
  const figures = [
    ...pairs.flatMap(([ours, theirs]) =>
      compare('ops/s', [ours.name, ours.throughput], [theirs.name, theirs.throughput]),
    ),
    ...compare(
      'ms',
      ['event-loop delay p99 during login load: devauth', oursDefault.loopP99],
      ['event-loop delay p99 during login load: better-auth', theirsDefault.loopP99],
    ),
  ];
  const list = (values: number[]) => values.map((value) => value.toFixed(1)).join(', ');
  const lines = [
    `default hashers: devauth argon2id ${OWASP}, 32-byte tag, 16-byte salt (@node-rs/argon2 on the libuv thread pool);`,
    `  better-auth ${BETTER_AUTH_SCRYPT}`,
    ...pairs
      .flat()
      .map((s) => `${s.name}: ${list(s.throughput)} ops/s; event-loop delay p99 ${list(s.loopP99)} ms (per round)`),
    ...figures
      .filter((figure) => figure.compared_to !== null)
      .map((figure) => `${figure.name}: ${figure.value} ${figure.unit}, ours/theirs ${figure.ratio}`),
    'event-loop delay p99 target (devauth): <= 10 ms',
  ];
  return { figures, lines };
}
