/**
 * What the cold-start and memory benchmarks run the bundled login handler against, in fresh `node` processes with a
 * clean environment (as bundles/measure.ts): the login route bundled exactly as `pnpm bundle` bundles it (into
 * `.devauth-tmp/`, so the external AWS SDK resolves from the workspace's node_modules as it resolves from the Lambda
 * runtime's), a throwaway PostgreSQL 15 cluster (store `postgres`: the handler opens a real TCP connection and sends
 * real statements at its first invocation, as on RDS), and the identity-pool emulator of @devauth/local in this process,
 * verifying the SigV4 signature of every developer call against the local backend credentials. One user is registered
 * (argon2id OWASP, the default hasher) before anything is measured.
 *
 * Why PostgreSQL and not DynamoDB Local: DynamoDB Local is a Java emulator whose latencies say nothing about
 * DynamoDB's (bench/README.md, figure 5), and the handler configuration has no DynamoDB endpoint; a PostgreSQL
 * connection costs what it costs on RDS minus the network and TLS (the cluster trusts local connections, so there is
 * no SCRAM exchange either): a lower bound of the real connect cost, but a real one.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createPostgresStores, fromPgPool, migrate } from '@devauth/adapters-postgres';
import { startPostgresCluster } from '@devauth/adapters-postgres/testing';
import { createDevauth } from '@devauth/core';
import { FakeIdentityBroker } from '@devauth/core/testing';
import { startIdentityPoolEmulator } from '@devauth/local';
import { loadBundler, repoRoot } from './bundles/build.js';
import { BENCH_PASSWORD, loginEvent } from './devauth-login.js';

/** The backend's AWS credentials: the handler's (from its environment, as a Lambda's role) and the baseline's. */
export const BACKEND_CREDENTIALS = {
  accessKeyId: 'devauth-bench-backend',
  secretAccessKey: 'devauth-bench-backend-secret',
} as const;

export const REGION = 'us-east-1';
export const DEVELOPER_PROVIDER_NAME = 'login.devauth.local';
export const BENCH_USERNAME = 'cold_start_user';

export interface LambdaStack {
  readonly tmp: string;
  /** The bundled login route: `<dir>/index.mjs`, with the native bindings in `<dir>/node_modules`. */
  readonly login: { readonly dir: string; readonly entry: string };
  /** The environment of a handler process: a clean one (no NODE_OPTIONS), the backend credentials, DEVAUTH_*. */
  readonly handlerEnv: Readonly<Record<string, string>>;
  /** The HTTP API v2 POST /auth/login event of the registered user, as JSON. */
  readonly event: string;
  readonly identityPoolId: string;
  readonly emulatorEndpoint: string;
  readonly postgresPort: number;
  /** GetOpenIdTokenForDeveloperIdentity calls the emulator answered so far. */
  tokenCalls(): number;
  /** The registered user as stored now (its IdentityId is set by its first login). */
  user(): Promise<{
    readonly id: string;
    readonly identityId: string | null;
    readonly passwordHash: string;
    readonly role: string;
  }>;
  stop(): Promise<void>;
}

/**
 * The `node` the handler processes run on: this one, or BENCH_CHILD_NODE (e.g. a Node 24 binary, the version of the
 * construct's default Lambda runtime, nodejs24.x, when the bench itself runs on another).
 */
export const CHILD_NODE = process.env.BENCH_CHILD_NODE || process.execPath;

/** The version of CHILD_NODE. */
export function childNodeVersion(): string {
  return execFileSync(CHILD_NODE, ['--version'], { encoding: 'utf8' }).trim();
}

/**
 * The V8 heap flags Lambda's Node.js runtime starts node with for a function of `memoryMb` (its /var/runtime/bootstrap:
 * new space M/10 in integer MB, `--max-semi-space-size` half of that, `--max-old-space-size` M minus it), so a handler
 * process here garbage-collects as it would in a function of that size, not as this machine's memory allows.
 */
export function lambdaNodeFlags(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memoryMb - newSpace}`];
}

/** The environment every bench child starts from: nothing of this process's (no tsx in NODE_OPTIONS). */
export function cleanEnv(extra: Readonly<Record<string, string>>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', AWS_REGION: REGION, ...extra };
}

export async function startLambdaStack(): Promise<LambdaStack> {
  const stops: Array<() => Promise<void> | void> = [];
  const stop = async () => {
    for (const step of stops.splice(0).reverse()) await step();
  };
  try {
    mkdirSync(join(repoRoot, '.devauth-tmp'), { recursive: true });
    const tmp = mkdtempSync(join(repoRoot, '.devauth-tmp', 'bench-lambda-'));
    stops.push(() => rmSync(tmp, { recursive: true, force: true }));
    const { script } = await loadBundler();
    await script.buildBundles({ outRoot: join(tmp, 'handlers'), routes: ['login'] });
    const loginDir = join(tmp, 'handlers', 'login');

    const cluster = await startPostgresCluster();
    stops.push(() => cluster.stop());
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: cluster.url, max: 2 });
    stops.push(() => pool.end());
    const client = fromPgPool(pool);
    await migrate(client);
    // Registered with the core's default hasher (argon2id, OWASP parameters); registration calls no broker.
    const stores = createPostgresStores(client);
    const devauth = createDevauth({ ...stores, broker: new FakeIdentityBroker() });
    const registered = await devauth.register.execute({ username: BENCH_USERNAME, password: BENCH_PASSWORD });

    const emulator = await startIdentityPoolEmulator({ region: REGION, backendCredentials: BACKEND_CREDENTIALS });
    stops.push(() => emulator.stop());
    const identityPool = emulator.createPool({ developerProviderName: DEVELOPER_PROVIDER_NAME });

    const handlerEnv = cleanEnv({
      AWS_ACCESS_KEY_ID: BACKEND_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: BACKEND_CREDENTIALS.secretAccessKey,
      DEVAUTH_STORE: 'postgres',
      DEVAUTH_DATABASE_URL: cluster.url,
      DEVAUTH_IDENTITY_POOL_ID: identityPool.identityPoolId,
      DEVAUTH_DEVELOPER_PROVIDER_NAME: DEVELOPER_PROVIDER_NAME,
      DEVAUTH_COGNITO_ENDPOINT: emulator.endpoint,
    });
    return {
      tmp,
      login: { dir: loginDir, entry: join(loginDir, 'index.mjs') },
      handlerEnv,
      event: JSON.stringify(loginEvent(BENCH_USERNAME, BENCH_PASSWORD)),
      identityPoolId: identityPool.identityPoolId,
      emulatorEndpoint: emulator.endpoint,
      postgresPort: cluster.port,
      tokenCalls: () =>
        emulator.requests.list('GetOpenIdTokenForDeveloperIdentity').filter((entry) => entry.statusCode === 200).length,
      user: async () => {
        const found = await stores.users.findById(registered.id);
        if (!found) throw new Error('the bench user is gone');
        return { id: found.id, identityId: found.identityId, passwordHash: found.passwordHash, role: found.role };
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Copies the login bundle's native bindings beside another bundle (the baseline's), so both resolve @node-rs/argon2
 * the same way, from their own node_modules.
 */
export function copyNativeBindings(stack: LambdaStack, toDir: string): void {
  cpSync(join(stack.login.dir, 'node_modules'), join(toDir, 'node_modules'), { recursive: true });
}

/** Writes `source` as `<dir>/<name>` and returns its path. */
export function writeModule(dir: string, name: string, source: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, source);
  return path;
}

export interface ChildResult<T> {
  /** Parent-side: from just before spawn to the first line the child wrote on fd 3. */
  readonly firstLineMs: number;
  /** Every JSON line the child wrote on fd 3. */
  readonly lines: T[];
}

/**
 * Runs `code` (an ES module) in a fresh `node` with `env`, in `cwd`. The child reports on file descriptor 3 (one JSON
 * object per line; stdout stays the handler's log, as on Lambda); the parent notes when the first line arrives, then
 * waits for the child to exit. A child that fails, or writes nothing, fails the benchmark with its stderr.
 */
export function runChild<T>(
  code: string,
  env: Readonly<Record<string, string>>,
  cwd: string,
  options: { readonly timeoutMs?: number; readonly args?: readonly string[] } = {},
): Promise<ChildResult<T>> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let firstLineMs: number | undefined;
    let report = '';
    let stderr = '';
    const child: ChildProcess = spawn(CHILD_NODE, [...(options.args ?? []), '--input-type=module', '-e', code], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.stdout?.resume();
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const fd3 = child.stdio[3] as NodeJS.ReadableStream;
    fd3.on('data', (chunk: Buffer) => {
      report += chunk.toString();
      if (firstLineMs === undefined && report.includes('\n')) firstLineMs = performance.now() - started;
    });
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      const lines = report
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as T);
      if (status !== 0 || firstLineMs === undefined || lines.length === 0) {
        reject(new Error(`bench child failed (${status ?? signal}): ${stderr}`));
        return;
      }
      resolve({ firstLineMs, lines });
    });
  });
}

/**
 * A preamble for a child that must count argon2 derivations: loads @node-rs/argon2 as `entry` would resolve it and
 * wraps its functions (every devauth hash and verification goes through `hashRaw`), so `globalThis.__argon2Calls`
 * counts every derivation the process ran. The ESM import of the CommonJS addon (the handler's dynamic import, the
 * baseline's static one) reads the cached, wrapped exports. Loading it here moves the addon's load before the timed
 * import, alike for both sides.
 */
export const COUNT_ARGON2 = `
import { createRequire as __benchRequire } from 'node:module';
const __argon2 = __benchRequire(process.env.BENCH_ENTRY)('@node-rs/argon2');
globalThis.__argon2Calls = 0;
for (const name of ['hash', 'hashRaw', 'verify', 'hashSync', 'hashRawSync', 'verifySync']) {
  const original = __argon2[name];
  __argon2[name] = function (...args) { globalThis.__argon2Calls++; return original.apply(this, args); };
}
`;

/** `pathToFileURL` of an entry, for `import()` in a child. */
export const entryUrl = (entry: string) => pathToFileURL(entry).href;
