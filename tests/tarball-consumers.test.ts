/**
 * The packages as a user installs them: every public workspace package (every package.json without
 * `"private": true`) is packed with `pnpm pack` (as `pnpm publish` would upload it: `files` applied, `workspace:`
 * ranges rewritten) and installed with `npm install` into a fresh npm project outside the workspace (in os.tmpdir(),
 * so nothing of the workspace's node_modules can be picked up), next to what such a user has: TypeScript 5 (`tsc`;
 * the repository's TypeScript 7 is not what users run), @types/aws-lambda, @types/node, Powertools' Logger, Jest and
 * the peer dependencies the packages require (the AWS SDK clients, aws-cdk-lib, constructs, tsyringe,
 * reflect-metadata), at the versions the workspace tests with. Not vitest: `@devauth/core` works without it.
 *
 * In that project:
 * - an ESM (`.mjs`) and a CJS (`.cjs`) consumer load every entry point of every package (each `exports` subpath but
 *   `./package.json`), check that each resolves into the package's dist/esm or dist/cjs, exposes a known export and
 *   the same names in both formats; `@devauth/core/testing/contracts` must fail to load, naming vitest;
 * - `tsc --noEmit` (nodenext, strict, skipLibCheck: false) checks, as ESM (`.ts`) and as CJS (`.cts`), a Lambda
 *   file that passes @types/aws-lambda's v1 and v2 events and `Context` to our handlers and guard, and a Powertools
 *   `Logger` as our logger, without casts; and the declarations of every entry point;
 * - a user's unit test of auth logic on the in-memory adapters runs under `node --test` and under Jest.
 *
 * It builds nothing: run `pnpm build` first (`pnpm test` does). npm's cache (~/.npm) is reused with
 * `--prefer-offline`, so only a first run downloads. DEVAUTH_KEEP_TARBALL_CONSUMER=1 keeps the project for a look.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** What a user adds for themselves (not in the workspace): pinned, so a new release cannot change the outcome. */
const USER_TOOLS: Readonly<Record<string, string>> = {
  // The `tsc` users have: TypeScript 7's JavaScript API is not ready, the repository's own checks run on it.
  typescript: '5.9.3',
  '@aws-lambda-powertools/logger': '2.36.0',
  jest: '30.5.2',
};
/** Also what a user adds, at the version the workspace uses (package dir, name). */
const WORKSPACE_PINNED: readonly (readonly [string, string])[] = [
  ['packages/lambda-handlers', '@types/aws-lambda'],
  ['.', '@types/node'],
];

/** A known runtime export of every entry point; an entry point missing here fails the test (add it). */
const KNOWN_EXPORTS: Readonly<Record<string, string>> = {
  '@devauth/access': 'defineAccessTable',
  '@devauth/adapters-cognito': 'createCognitoIdentityBroker',
  '@devauth/adapters-dynamodb': 'createDynamoDbStores',
  '@devauth/adapters-dynamodb/testing': 'startDynamoDbLocal',
  '@devauth/adapters-dynamodb/schema': 'DEVAUTH_TABLE',
  '@devauth/adapters-postgres': 'createPostgresStores',
  '@devauth/adapters-postgres/testing': 'startPostgresCluster',
  '@devauth/adapters-ses': 'createSesMessageSender',
  '@devauth/cdk': 'Devauth',
  '@devauth/cli': 'runCli',
  '@devauth/client': 'createDevauthClient',
  '@devauth/core': 'createDevauth',
  '@devauth/core/testing': 'createInMemoryStores',
  '@devauth/core/testing/contracts': 'describeUserStoreContract',
  '@devauth/core/composition': 'registerDevauth',
  '@devauth/dev': 'startLocalStack',
  '@devauth/lambda-handlers': 'createAuthHandlers',
  '@devauth/lambda-handlers/access': 'createGuard',
  '@devauth/lambda-handlers/middy': 'devauthMiddleware',
  '@devauth/lambda-handlers/env': 'HANDLER_ENV',
  '@devauth/local': 'startLocalGateway',
};
/** Entry points that need an optional peer dependency the user has not installed: loading them must say which. */
const NEEDS_OPTIONAL_PEER: Readonly<Record<string, string>> = {
  // The contract suites are vitest suites (`describe`/`it` from vitest), for adapter authors who test with it.
  '@devauth/core/testing/contracts': 'vitest',
};

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  exports?: Record<string, unknown>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}
interface Entry {
  readonly specifier: string;
  readonly known: string;
  readonly needs?: string;
}

const readJson = <T>(path: string) => JSON.parse(readFileSync(path, 'utf8')) as T;

function workspaceDirs(): string[] {
  return ['packages', 'examples']
    .flatMap((parent) =>
      readdirSync(join(root, parent), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => `${parent}/${entry.name}`),
    )
    .concat('bench')
    .filter((dir) => existsSync(join(root, dir, 'package.json')))
    .sort();
}

const publicPackages = workspaceDirs()
  .map((dir) => ({ dir, manifest: readJson<Manifest>(join(root, dir, 'package.json')) }))
  .filter(({ manifest }) => manifest.private !== true);
const workspaceNames = new Set(publicPackages.map(({ manifest }) => manifest.name));

const entries: Entry[] = publicPackages.flatMap(({ manifest }) =>
  Object.keys(manifest.exports ?? { '.': null })
    .filter((subpath) => subpath !== './package.json')
    .map((subpath) => {
      const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
      const needs = NEEDS_OPTIONAL_PEER[specifier];
      return { specifier, known: KNOWN_EXPORTS[specifier] ?? '', ...(needs ? { needs } : {}) };
    }),
);
const loadable = entries.filter((entry) => !entry.needs);

/** The installed version of `name` as seen from a workspace package (pnpm links it there or at the root). */
function workspaceVersion(dir: string, name: string): string {
  for (const base of [join(root, dir), root]) {
    const manifest = join(base, 'node_modules', name, 'package.json');
    if (existsSync(manifest)) return readJson<Manifest>(manifest).version;
  }
  throw new Error(`${name} is not installed in the workspace (looked in ${dir} and the root): cannot pin it`);
}

/** Non-optional peers of the public packages that are not workspace packages: npm would add them anyway. */
function requiredPeers(): Record<string, string> {
  const peers: Record<string, string> = {};
  for (const { dir, manifest } of publicPackages) {
    for (const name of Object.keys(manifest.peerDependencies ?? {})) {
      if (workspaceNames.has(name) || manifest.peerDependenciesMeta?.[name]?.optional) continue;
      peers[name] = workspaceVersion(dir, name);
    }
  }
  return peers;
}

interface Run {
  readonly label: string;
  readonly code: number | string;
  readonly stdout: string;
  /** stdout and stderr, for failure messages. */
  readonly output: string;
  readonly seconds: number;
}

/**
 * The environment of a user's shell: no pnpm or npm script variables (pnpm's `npm_config_*` settings are unknown
 * to npm), no NODE_OPTIONS (it may carry the workspace's `@devauth/source` condition), and no workspace
 * node_modules/.bin on PATH (its `tsc` is TypeScript 7).
 */
function userEnv(): NodeJS.ProcessEnv {
  const kept = /^npm_config_(registry|cache|userconfig|globalconfig|proxy|https_proxy|noproxy|cafile|strict_ssl)$/;
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|PNPM_|VITEST|NODE_OPTIONS$|NODE_PATH$)/.test(name) && !kept.test(name)) continue;
    env[name] = value;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((part) => part !== root && !part.startsWith(root + sep))
    .join(delimiter);
  return { ...env, NO_COLOR: '1', FORCE_COLOR: '0', npm_config_update_notifier: 'false' };
}

function run(
  label: string,
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number },
): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env ?? userEnv(), timeout: options.timeout ?? 300_000, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        const failure = error as (Error & { code?: number | string; signal?: string }) | null;
        const code = failure ? (failure.signal ?? failure.code ?? 1) : 0;
        const seconds = Math.round((performance.now() - started) / 100) / 10;
        const output = `${stdout}${stderr ? `\n--- stderr\n${stderr}` : ''}${failure && !stdout && !stderr ? failure.message : ''}`;
        resolve({ label, code, stdout, output, seconds });
      },
    );
  });
}

/** Fails with everything the process printed unless it exited 0. */
function expectSuccess(result: Run, { quiet = false } = {}): void {
  if (!quiet || result.code !== 0) {
    console.info(`tarball consumers: ${result.label} ${result.code === 0 ? 'ok' : 'FAILED'} in ${result.seconds} s`);
  }
  expect(result.code, `${result.label} exited with ${result.code}:\n${result.output}`).toBe(0);
}

async function mapTwoAtATime<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i] as T);
  };
  await Promise.all([worker(), worker()]);
  return results;
}

// ---- the consumer project's files ---------------------------------------------------------------------------------

/** Loads every entry point, checks it, prints `{ specifier: [names] }` as JSON. */
function loaderSource(format: 'esm' | 'cjs', list: readonly Entry[]): string {
  const esm = format === 'esm';
  const distPart = `/dist/${format}/`;
  return `${esm ? "import assert from 'node:assert/strict';" : "const assert = require('node:assert/strict');"}

const ENTRIES = ${JSON.stringify(list, null, 2)};
const missingCode = ${JSON.stringify(esm ? 'ERR_MODULE_NOT_FOUND' : 'MODULE_NOT_FOUND')};

async function main() {
  const names = {};
  for (const { specifier, known, needs } of ENTRIES) {
    if (needs) {
      let failure;
      try {
        ${esm ? 'await import(specifier);' : 'require(specifier);'}
      } catch (error) {
        failure = error;
      }
      assert.ok(failure, specifier + ' loaded without its optional peer ' + needs + ' (is ' + needs + ' installed?)');
      assert.equal(failure.code, missingCode, specifier + ': ' + failure.message);
      assert.match(failure.message, new RegExp("'" + needs + "'"), specifier + ': ' + failure.message);
      continue;
    }
    const resolved = ${esm ? 'decodeURIComponent(new URL(import.meta.resolve(specifier)).pathname)' : 'require.resolve(specifier)'};
    const installed = '/node_modules/' + specifier.split('/').slice(0, 2).join('/') + ${JSON.stringify(distPart)};
    assert.ok(resolved.includes(installed), specifier + ' resolved to ' + resolved + ', not into ' + installed);
    const loaded = ${esm ? 'await import(specifier)' : 'require(specifier)'};
    const own = Object.keys(loaded).filter((name) => name !== 'default' && name !== '__esModule').sort();
    assert.ok(own.length > 0, specifier + ' exports nothing');
    assert.ok(loaded[known] !== undefined && loaded[known] !== null, specifier + ' has no export ' + known + ' (it has: ' + own.join(', ') + ')');
    names[specifier] = own;
  }
  process.stdout.write(JSON.stringify(names));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
`;
}

/** The Lambda file of the issue: @types/aws-lambda events in, a Powertools Logger as ours, no casts. */
const LAMBDA_SOURCE = `import { Logger } from '@aws-lambda-powertools/logger';
import { createCognitoIdentityBroker } from '@devauth/adapters-cognito';
import { createDevauth } from '@devauth/core';
import { createInMemoryStores, FakeIdentityBroker } from '@devauth/core/testing';
import { createAuthHandlers, createHandlersFromConfig, createLoginHandler } from '@devauth/lambda-handlers';
import { createGuard, defineAccessTable } from '@devauth/lambda-handlers/access';
import { devauthMiddleware } from '@devauth/lambda-handlers/middy';
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyEventV2WithIAMAuthorizer,
  APIGatewayProxyHandler,
  APIGatewayProxyHandlerV2,
  APIGatewayProxyResult,
  APIGatewayProxyResultV2,
  Context,
  S3Event,
} from 'aws-lambda';

const identityPoolId = 'eu-west-1:00000000-0000-4000-8000-000000000000';
const logger = new Logger({ serviceName: 'shop' });

const stores = createInMemoryStores();
const broker = new FakeIdentityBroker({ identityPoolId });
const devauth = createDevauth({ ...stores, broker });
const handlers = createAuthHandlers({ devauth, me: { users: stores.users, identityPoolId }, logger });
const configured = createHandlersFromConfig(
  { store: 'dynamodb', tableName: 'devauth', identityPoolId, developerProviderName: 'login.example.com' },
  { logger },
);
const table = defineAccessTable([{ method: 'DELETE', path: '/products/{id}', roles: ['seller'] }]);
const guard = createGuard({ table, users: stores.users, identityPoolId });
export const cognito = createCognitoIdentityBroker({ identityPoolId, developerProviderName: 'login.example.com', logger });

// REST API (payload format 1.0)
export async function restLogin(event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> {
  return handlers.login(event, context);
}
export async function restDeleteProduct(event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> {
  const decision = await guard.authorize(event);
  if (!decision.allowed) return { statusCode: decision.statusCode, body: JSON.stringify({ reason: decision.reason }) };
  logger.info('product deleted', { role: decision.caller.role, requestId: context.awsRequestId });
  return { statusCode: 204, body: '' };
}

// HTTP API (payload format 2.0)
export async function httpLogin(event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyResultV2> {
  return configured.login(event, context);
}
export async function httpDeleteProduct(event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyResultV2> {
  const decision = await guard.authorize(event);
  if (!decision.allowed) return { statusCode: decision.statusCode, body: JSON.stringify({ reason: decision.reason }) };
  logger.info('product deleted', { role: decision.caller.role, requestId: context.awsRequestId });
  return { statusCode: 204 };
}
export async function httpMe(event: APIGatewayProxyEventV2WithIAMAuthorizer, context: Context) {
  const decision = await guard.authorize(event, { method: 'DELETE', path: '/products/{id}' });
  return decision.allowed ? handlers.me(event, context) : { statusCode: decision.statusCode };
}

// With the Handler types of @types/aws-lambda: our results fit theirs.
export const restRegister: APIGatewayProxyHandler = (event, context) => handlers.register(event, context);
export const httpRegister: APIGatewayProxyHandlerV2 = (event, context) => handlers.register(event, context);
export const login = createLoginHandler({ devauth, logger });
export const middyLogin = devauthMiddleware(handlers.login);

// The checks above are real checks: what does not fit is refused.
export async function notAnApiGatewayEvent(event: S3Event, context: Context) {
  // @ts-expect-error an S3 event is not an API Gateway proxy event
  return handlers.login(event, context);
}
// @ts-expect-error a bare function is not a logger
export const noLogger = createAuthHandlers({ devauth, logger: (message: string) => console.log(message) });
`;

/** The declarations of every entry point, each with its known export, compile (with skipLibCheck: false). */
function declarationsSource(list: readonly Entry[]): string {
  const imports = list.map(({ specifier, known }, i) => `import { ${known} as e${i} } from '${specifier}';`);
  return `${imports.join('\n')}\n\nexport const exported = [${list.map((_, i) => `e${i}`).join(', ')}];\n`;
}

/** A user's unit test of their auth logic on the in-memory adapters: node --test (ESM) and Jest (CJS). */
function authTestSource(runner: 'node' | 'jest'): string {
  const node = runner === 'node';
  const header = node
    ? `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDevauth } from '@devauth/core';
import { createInMemoryStores, FakeIdentityBroker } from '@devauth/core/testing';`
    : `const assert = require('node:assert/strict');
const { createDevauth } = require('@devauth/core');
const { createInMemoryStores, FakeIdentityBroker } = require('@devauth/core/testing');`;
  return `${header}

const password = 'a long passphrase nobody guesses';

function setUp() {
  const stores = createInMemoryStores();
  const broker = new FakeIdentityBroker();
  return { stores, broker, devauth: createDevauth({ ...stores, broker }) };
}

test('a registered user logs in and gets a Cognito identity', async () => {
  const { devauth, broker, stores } = setUp();
  const user = await devauth.register.execute({ username: 'Ada', password });
  assert.equal(user.username, 'ada');
  assert.equal('passwordHash' in user, false);
  assert.ok(await stores.users.findById(user.id));

  const session = await devauth.login.execute({ username: 'ada', password });
  assert.equal(session.user.id, user.id);
  assert.match(session.identityId, /^us-east-1:/);
  assert.equal(typeof session.openIdToken, 'string');
  assert.equal(typeof session.refreshToken, 'string');
  assert.equal(broker.calls.length, 1);
});

test('a wrong password and a taken username are refused', async () => {
  const { devauth } = setUp();
  await devauth.register.execute({ username: 'grace', password });
  await assert.rejects(devauth.login.execute({ username: 'grace', password: 'not the passphrase at all' }), {
    code: 'INVALID_CREDENTIALS',
  });
  await assert.rejects(devauth.register.execute({ username: 'grace', password }), { code: 'USERNAME_TAKEN' });
});
`;
}

const TSCONFIG = {
  compilerOptions: {
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2022',
    lib: ['es2022'],
    types: ['node'],
    strict: true,
    skipLibCheck: false,
    noEmit: true,
  },
  files: ['handler.ts', 'handler.cts', 'declarations.ts', 'declarations.cts'],
};

// ---- the test -----------------------------------------------------------------------------------------------------

describe('the published packages, installed by npm from their tarballs', () => {
  const keep = Boolean(process.env.DEVAUTH_KEEP_TARBALL_CONSUMER);
  let scratch = '';
  let app = '';

  beforeAll(async () => {
    const missing = publicPackages.filter(({ dir }) => !existsSync(join(root, dir, 'dist')));
    if (missing.length > 0) {
      throw new Error(
        `${missing.map(({ dir }) => `${dir}/dist`).join(', ')} missing: run \`pnpm build\` first (this test packs the built packages and builds nothing)`,
      );
    }
    const unknown = entries.filter((entry) => !entry.known).map((entry) => entry.specifier);
    if (unknown.length > 0) throw new Error(`add a known export of ${unknown.join(', ')} to KNOWN_EXPORTS`);

    scratch = mkdtempSync(join(tmpdir(), 'devauth-tarball-consumers-'));
    app = join(scratch, 'app');
    const tarballs = join(scratch, 'tarballs');
    mkdirSync(tarballs);
    if (keep) console.info(`tarball consumers: project in ${app}`);

    const packing = performance.now();
    const packed = await mapTwoAtATime(publicPackages, async ({ dir, manifest }) => {
      const result = await run(
        `pnpm pack ${manifest.name}`,
        'pnpm',
        ['pack', '--json', '--pack-destination', tarballs],
        {
          cwd: join(root, dir),
          env: process.env,
        },
      );
      expectSuccess(result, { quiet: true });
      return [manifest.name, `file:${JSON.parse(result.stdout).filename}`] as const;
    });
    const packSeconds = Math.round((performance.now() - packing) / 100) / 10;
    console.info(`tarball consumers: pnpm pack of ${packed.length} packages ok in ${packSeconds} s`);

    const pinned = Object.fromEntries(WORKSPACE_PINNED.map(([dir, name]) => [name, workspaceVersion(dir, name)]));
    mkdirSync(join(app, 'node-test'), { recursive: true });
    mkdirSync(join(app, 'jest'));
    const files: Record<string, string> = {
      'package.json': JSON.stringify(
        {
          name: 'devauth-tarball-consumer',
          version: '0.0.0',
          private: true,
          type: 'module',
          dependencies: { ...Object.fromEntries(packed), ...requiredPeers(), ...pinned, ...USER_TOOLS },
          jest: { testEnvironment: 'node', roots: ['<rootDir>/jest'], testMatch: ['**/*.test.cjs'] },
        },
        null,
        2,
      ),
      'tsconfig.json': JSON.stringify(TSCONFIG, null, 2),
      'load-entries.mjs': loaderSource('esm', entries),
      'load-entries.cjs': loaderSource('cjs', entries),
      'handler.ts': LAMBDA_SOURCE,
      'handler.cts': LAMBDA_SOURCE,
      'declarations.ts': declarationsSource(loadable),
      'declarations.cts': declarationsSource(loadable),
      'node-test/auth.test.mjs': authTestSource('node'),
      'jest/auth.test.cjs': authTestSource('jest'),
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(app, name), text);

    expectSuccess(
      await run(
        'npm install',
        'npm',
        ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-update-notifier', '--loglevel=error'],
        { cwd: app, timeout: 480_000 },
      ),
    );
    expect(existsSync(join(app, 'node_modules', 'vitest')), 'vitest must not be installed').toBe(false);
  }, 600_000);

  afterAll(() => {
    if (scratch && !keep) rmSync(scratch, { recursive: true, force: true });
  });

  it('covers every entry point of every public package', () => {
    expect(publicPackages.length).toBeGreaterThan(0);
    expect(Object.keys(KNOWN_EXPORTS).sort(), 'KNOWN_EXPORTS names an entry point that is gone').toEqual(
      entries.map((entry) => entry.specifier).sort(),
    );
  });

  let esmNames: Record<string, string[]> = {};

  it('imports every entry point from ESM', async () => {
    const result = await run('node load-entries.mjs', process.execPath, ['load-entries.mjs'], { cwd: app });
    expectSuccess(result);
    esmNames = JSON.parse(result.stdout);
    expect(Object.keys(esmNames).sort()).toEqual(loadable.map((entry) => entry.specifier).sort());
  }, 120_000);

  it('requires every entry point from CJS, with the same exports as ESM', async () => {
    const result = await run('node load-entries.cjs', process.execPath, ['load-entries.cjs'], { cwd: app });
    expectSuccess(result);
    expect(JSON.parse(result.stdout)).toEqual(esmNames);
  }, 120_000);

  it('type-checks a Lambda taking @types/aws-lambda events and a Powertools Logger, and every declaration, with tsc 5', async () => {
    const tsc = join(app, 'node_modules', 'typescript', 'bin', 'tsc');
    const version = readJson<Manifest>(join(app, 'node_modules', 'typescript', 'package.json')).version;
    expect(version.startsWith('5.')).toBe(true);
    expectSuccess(await run(`tsc ${version} --noEmit`, process.execPath, [tsc, '-p', '.'], { cwd: app }));
  }, 300_000);

  it("runs a user's auth unit test on the in-memory adapters under node --test", async () => {
    expectSuccess(await run('node --test', process.execPath, ['--test', 'node-test/auth.test.mjs'], { cwd: app }));
  }, 120_000);

  it('installs the operator CLI as a bin: devauth --help, and a store it can reach (memory) lists no users', async () => {
    const bin = join(app, 'node_modules', '.bin', 'devauth');
    const help = await run('devauth --help', bin, ['--help'], { cwd: app });
    expectSuccess(help);
    expect(help.stdout).toContain('import-users');
    const listed = await run('devauth list-users', bin, ['list-users', '--json'], {
      cwd: app,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DEVAUTH_STORE: 'memory' },
    });
    expectSuccess(listed);
    expect(listed.stdout.trim()).toBe('');
  }, 120_000);

  it('runs the same test under Jest', async () => {
    const jest = join(app, 'node_modules', 'jest', 'bin', 'jest.js');
    expectSuccess(await run('jest', process.execPath, [jest, '--ci', '--watchman=false'], { cwd: app }));
  }, 120_000);
});
