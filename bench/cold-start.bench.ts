/**
 * Figure 7. A cold start through the first response: a fresh `node` process (clean environment) imports the BUNDLED
 * login handler and answers one login of an existing user, against the stack of lambda-stack.ts (PostgreSQL 15, the
 * identity-pool emulator), timed by this process from spawn to the response (the child writes it on fd 3 the moment
 * the handler returns). The baseline is what any handler answering a login must do at the least: a fresh process that
 * imports the AWS SDK's Cognito Identity client, verifies one argon2id hash (OWASP parameters, @node-rs/argon2) and
 * makes one GetOpenIdTokenForDeveloperIdentity call to the same emulator, signed with the same backend credentials.
 * Both run with the V8 heap flags Lambda's Node.js runtime gives a 1,769 MB function. Rounds alternate the two, the
 * order flipping every round; medians. Target: ratio <= 1.3.
 *
 * Each child counts the argon2 derivations it runs (COUNT_ARGON2): the measured login must hash exactly once (the core
 * ships the dummy hash for the default parameters, so no instance's first login hashes twice). After reporting, the
 * handler child answers a second, warm login (untimed here), so the cold path's own cost (configuration, composition,
 * lazy imports, connections) is the first invocation minus the warm one. Where the time goes, part by part (CPU per
 * package, each kind of wait), comes from separate profiled children (cold-start-profile.ts).
 */
import { join } from 'node:path';
import { loadBundler } from './bundles/build.js';
import { buildMappedLogin, type ColdStartProfile, profileColdStart } from './cold-start-profile.js';
import {
  COUNT_ARGON2,
  copyNativeBindings,
  DEVELOPER_PROVIDER_NAME,
  entryUrl,
  type LambdaStack,
  lambdaNodeFlags,
  REGION,
  runChild,
  writeModule,
} from './lambda-stack.js';
import { type Figure, median, round } from './lib.js';

export const COLD_START_FIGURES = {
  handler: 'cold start to first login response: bundled login handler (PostgreSQL, identity-pool emulator)',
  baseline: 'cold start to first response: SDK-only baseline (argon2id verify + GetOpenIdTokenForDeveloperIdentity)',
  derivations: 'cold start: argon2 derivations in the first login',
  part: (side: 'login handler' | 'baseline', part: string) => `cold start, ${side}: ${part}`,
} as const;

/** Both sides run with the V8 heap flags of a function at the construct's default for login, 1,769 MB. */
export const COLD_START_FLAGS = lambdaNodeFlags(1769);

/** The baseline handler: the SDK client at module scope, one verify and one developer-identity call per request. */
const BASELINE_SOURCE = `// Cold-start baseline: the least a login handler does.
import { CognitoIdentityClient, GetOpenIdTokenForDeveloperIdentityCommand } from '@aws-sdk/client-cognito-identity';
import { verify } from '@node-rs/argon2';

const env = process.env;
const client = new CognitoIdentityClient({ region: env.AWS_REGION, endpoint: env.BASELINE_ENDPOINT });

export const handler = async (event) => {
  const { password } = JSON.parse(event.body);
  if (!(await verify(env.BASELINE_HASH, password))) return { statusCode: 401, body: '' };
  const answer = await client.send(
    new GetOpenIdTokenForDeveloperIdentityCommand({
      IdentityPoolId: env.BASELINE_POOL_ID,
      IdentityId: env.BASELINE_IDENTITY_ID,
      Logins: { [env.BASELINE_PROVIDER]: env.BASELINE_USER_ID },
      PrincipalTags: { role: env.BASELINE_ROLE },
      TokenDuration: 900,
    }),
  );
  return { statusCode: 200, body: JSON.stringify({ identityId: answer.IdentityId, token: answer.Token }) };
};
`;

/** Runs in each fresh child: count derivations, time the import and the first invocation, then one warm one. */
const CHILD = `
import { createRequire } from 'node:module';
import { writeSync } from 'node:fs';
const bootMs = performance.now();
${COUNT_ARGON2}
const addonMs = performance.now() - bootMs;
const report = (line) => writeSync(3, JSON.stringify(line) + '\\n');
const event = JSON.parse(process.env.BENCH_EVENT);
const t0 = performance.now();
const { handler } = await import(process.env.BENCH_ENTRY_URL);
const t1 = performance.now();
const cold = await handler(event, { awsRequestId: 'bench-cold' });
const t2 = performance.now();
report({ statusCode: cold.statusCode, bootMs, addonMs, importMs: t1 - t0, invokeMs: t2 - t1, derivations: globalThis.__argon2Calls });
const before = globalThis.__argon2Calls;
const t3 = performance.now();
const warm = await handler(event, { awsRequestId: 'bench-warm' });
report({ statusCode: warm.statusCode, invokeMs: performance.now() - t3, derivations: globalThis.__argon2Calls - before });
process.exit(0);
`;

interface ColdLine {
  readonly statusCode: number;
  readonly bootMs: number;
  readonly addonMs: number;
  readonly importMs: number;
  readonly invokeMs: number;
  readonly derivations: number;
}

interface Sample {
  readonly totalMs: number;
  readonly cold: ColdLine;
  readonly warm: Pick<ColdLine, 'statusCode' | 'invokeMs' | 'derivations'>;
}

interface Side {
  readonly name: 'login handler' | 'baseline';
  readonly entry: string;
  readonly dir: string;
  readonly env: Readonly<Record<string, string>>;
}

async function sample(side: Side, event: string): Promise<Sample> {
  const env = { ...side.env, BENCH_ENTRY: side.entry, BENCH_ENTRY_URL: entryUrl(side.entry), BENCH_EVENT: event };
  const { firstLineMs, lines } = await runChild<ColdLine>(CHILD, env, side.dir, { args: COLD_START_FLAGS });
  const [cold, warm] = lines;
  if (cold?.statusCode !== 200 || warm?.statusCode !== 200) {
    throw new Error(`${side.name} answered ${cold?.statusCode} then ${warm?.statusCode} (expected 200 twice)`);
  }
  return { totalMs: firstLineMs, cold, warm };
}

/** The owners of profile samples, grouped as the breakdown figures name them. */
const CPU_GROUPS: [string, (owner: string) => boolean][] = [
  ['AWS SDK', (owner) => owner === 'AWS SDK'],
  ['pg (driver)', (owner) => owner === 'pg (driver)'],
  ['undici (Node 20 loads it on first use of Response)', (owner) => owner.startsWith('undici')],
  ['zod', (owner) => owner === 'zod'],
  ['devauth code', (owner) => owner.startsWith('@devauth/')],
  ['tsyringe, reflect-metadata, tslib', (owner) => owner.startsWith('tsyringe')],
  ['node: module loading (resolve, read, compile)', (owner) => owner.startsWith('node: module loading')],
  ['garbage collector', (owner) => owner === 'garbage collector'],
  ['idle (waiting)', (owner) => owner.startsWith('idle')],
];
const WAITS = ['store connect', 'statement', 'Cognito call', 'argon2 hash', 'all waits together'] as const;

function groupCpu(cpu: Map<string, number>): Map<string, number> {
  const groups = new Map<string, number>();
  for (const [owner, ms] of cpu) {
    const group = CPU_GROUPS.find(([, matches]) => matches(owner))?.[0] ?? 'other (built-ins, native, bundle runtime)';
    groups.set(group, (groups.get(group) ?? 0) + ms);
  }
  return groups;
}

/** Medians over profiled runs of every named part: `import: CPU …`, `first invocation: CPU …`, `waiting on …`. */
function profileParts(profiles: readonly ColdStartProfile[]): Map<string, number> {
  const parts = new Map<string, number[]>();
  const add = (name: string, ms: number) => parts.set(name, [...(parts.get(name) ?? []), ms]);
  for (const profile of profiles) {
    const groups = { import: groupCpu(profile.cpu.import), invoke: groupCpu(profile.cpu.invoke) };
    for (const name of [...CPU_GROUPS.map(([group]) => group), 'other (built-ins, native, bundle runtime)']) {
      add(`import, CPU: ${name}`, groups.import.get(name) ?? 0);
      add(`first invocation, CPU: ${name}`, groups.invoke.get(name) ?? 0);
    }
    for (const kind of WAITS) {
      add(`first invocation, waiting on: ${kind === 'statement' ? 'statements' : kind}`, profile.waits.get(kind) ?? 0);
    }
    add('first invocation, statements sent', profile.waitCounts.get('statement') ?? 0);
    add('first invocation, connections opened', profile.waitCounts.get('store connect') ?? 0);
  }
  return new Map([...parts].map(([name, values]) => [name, median(values)]));
}

export async function benchColdStart(
  stack: LambdaStack,
  options: { rounds: number; profiles: number },
): Promise<{ figures: Figure[]; lines: string[] }> {
  const { script, build } = await loadBundler();
  const baselineDir = join(stack.tmp, 'cold-baseline');
  const source = writeModule(join(stack.tmp, 'cold-baseline-src'), 'handler.mjs', BASELINE_SOURCE);
  await build(script.bundleOptions(source, baselineDir) as Parameters<typeof build>[0]);
  copyNativeBindings(stack, baselineDir);

  const handler: Side = {
    name: 'login handler',
    entry: stack.login.entry,
    dir: stack.login.dir,
    env: stack.handlerEnv,
  };
  // Warm-up, untimed: fills the file cache, and is the user's first login (it stores the IdentityId), so every
  // measured login is a returning user's, as most cold starts are.
  await sample(handler, stack.event);
  const user = await stack.user();
  if (user.identityId === null) throw new Error('the first login stored no IdentityId');
  const baseline: Side = {
    name: 'baseline',
    entry: join(baselineDir, 'index.mjs'),
    dir: baselineDir,
    env: {
      ...stack.handlerEnv,
      BASELINE_ENDPOINT: stack.emulatorEndpoint,
      BASELINE_HASH: user.passwordHash,
      BASELINE_POOL_ID: stack.identityPoolId,
      BASELINE_IDENTITY_ID: user.identityId,
      BASELINE_PROVIDER: DEVELOPER_PROVIDER_NAME,
      BASELINE_USER_ID: user.id,
      BASELINE_ROLE: user.role,
      AWS_REGION: REGION,
    },
  };
  await sample(baseline, stack.event);

  const samples = { handler: [] as Sample[], baseline: [] as Sample[] };
  const calls = stack.tokenCalls();
  for (let r = 0; r < options.rounds; r++) {
    const order = r % 2 === 0 ? ([handler, baseline] as const) : ([baseline, handler] as const);
    for (const side of order) {
      (side === handler ? samples.handler : samples.baseline).push(await sample(side, stack.event));
    }
  }
  // Two logins per child (cold, warm) on each side: every one reached the emulator exactly once.
  const expectedCalls = 4 * options.rounds;
  if (stack.tokenCalls() - calls !== expectedCalls) {
    throw new Error(
      `expected ${expectedCalls} GetOpenIdTokenForDeveloperIdentity calls, saw ${stack.tokenCalls() - calls}`,
    );
  }
  for (const s of samples.handler) {
    if (s.cold.derivations !== 1 || s.warm.derivations !== 1) {
      throw new Error(
        `a login ran ${s.cold.derivations} (cold) / ${s.warm.derivations} (warm) argon2 derivations, not 1`,
      );
    }
  }

  const med = (list: Sample[], pick: (s: Sample) => number) => median(list.map(pick));
  const total = { handler: med(samples.handler, (s) => s.totalMs), baseline: med(samples.baseline, (s) => s.totalMs) };
  const figures: Figure[] = [
    { name: COLD_START_FIGURES.baseline, value: round(total.baseline, 1), unit: 'ms', compared_to: null, ratio: null },
    {
      name: COLD_START_FIGURES.handler,
      value: round(total.handler, 1),
      unit: 'ms',
      compared_to: COLD_START_FIGURES.baseline,
      ratio: round(total.handler / total.baseline),
    },
    {
      name: COLD_START_FIGURES.derivations,
      value: Math.max(...samples.handler.map((s) => s.cold.derivations)),
      unit: 'derivations',
      compared_to: null,
      ratio: null,
    },
  ];
  // Where the time goes, per side (medians of the same rounds); the same parts of the baseline are compared to.
  const parts: [string, (s: Sample) => number][] = [
    ['node startup (process start to user code)', (s) => s.cold.bootMs],
    ['argon2 addon load', (s) => s.cold.addonMs],
    ['import of the bundle', (s) => s.cold.importMs],
    ['first invocation', (s) => s.cold.invokeMs],
    ['warm invocation (same process, after the first)', (s) => s.warm.invokeMs],
    ['first invocation minus warm invocation (cold path)', (s) => s.cold.invokeMs - s.warm.invokeMs],
  ];
  const lines: string[] = [];
  for (const [part, pick] of parts) {
    const h = med(samples.handler, pick);
    const b = med(samples.baseline, pick);
    const baseName = COLD_START_FIGURES.part('baseline', part);
    figures.push({ name: baseName, value: round(b, 2), unit: 'ms', compared_to: null, ratio: null });
    figures.push({
      name: COLD_START_FIGURES.part('login handler', part),
      value: round(h, 2),
      unit: 'ms',
      compared_to: baseName,
      ratio: b > 0 ? round(h / b) : null,
    });
    lines.push(`  ${part.padEnd(52)} handler ${h.toFixed(1).padStart(7)} ms   baseline ${b.toFixed(1).padStart(7)} ms`);
  }

  // Where the time goes (profiled children, untimed by the figures above): medians of `profiles` runs per side.
  const mapped = await buildMappedLogin(stack);
  const profiled = { handler: [] as ColdStartProfile[], baseline: [] as ColdStartProfile[] };
  for (let r = 0; r < options.profiles; r++) {
    profiled.handler.push(await profileColdStart(mapped, stack, COUNT_ARGON2, 'login handler', COLD_START_FLAGS));
    profiled.baseline.push(await profileColdStart(baseline, stack, COUNT_ARGON2, 'baseline', COLD_START_FLAGS));
  }
  const handlerParts = profileParts(profiled.handler);
  const baselineParts = profileParts(profiled.baseline);
  lines.push(`  where the time goes (CPU profile and recorded waits, median of ${options.profiles} profiled run(s)):`);
  for (const [part, h] of handlerParts) {
    const b = baselineParts.get(part) ?? 0;
    if (h < 0.05 && b < 0.05) continue;
    const unit = part.endsWith('sent') || part.endsWith('opened') ? 'count' : 'ms';
    const baseName = COLD_START_FIGURES.part('baseline', `profile, ${part}`);
    figures.push({ name: baseName, value: round(b, 1), unit, compared_to: null, ratio: null });
    figures.push({
      name: COLD_START_FIGURES.part('login handler', `profile, ${part}`),
      value: round(h, 1),
      unit,
      compared_to: baseName,
      ratio: b > 0 ? round(h / b) : null,
    });
    lines.push(`    ${part.padEnd(80)} handler ${h.toFixed(1).padStart(7)}   baseline ${b.toFixed(1).padStart(7)}`);
  }
  lines.push('    login handler, every owner of CPU samples in the first invocation (last profiled run):');
  const last = profiled.handler.at(-1)!;
  for (const [owner, ms] of [...last.cpu.invoke].sort((a, b) => b[1] - a[1])) {
    if (ms >= 0.5) lines.push(`      ${ms.toFixed(1).padStart(7)} ms  ${owner}`);
  }

  lines.unshift(
    `  spawn to first response (median of ${options.rounds}): handler ${total.handler.toFixed(1)} ms, baseline ` +
      `${total.baseline.toFixed(1)} ms, ratio ${(total.handler / total.baseline).toFixed(3)} (target <= 1.3)`,
    `  rounds, handler:  ${samples.handler.map((s) => s.totalMs.toFixed(0)).join(', ')} ms`,
    `  rounds, baseline: ${samples.baseline.map((s) => s.totalMs.toFixed(0)).join(', ')} ms`,
    `  argon2 derivations per login: ${samples.handler.map((s) => s.cold.derivations).join(', ')} (cold), ` +
      `${samples.handler.map((s) => s.warm.derivations).join(', ')} (warm)`,
  );
  return { figures, lines };
}
