#!/usr/bin/env node
// The root `demo` and `test` scripts: `node scripts/quick-start.mjs demo|test [args]`. They make the README's quick
// start (`npm run demo`, `npm test`) work on a machine with Node.js and npm only, and keep `pnpm demo` / `pnpm test`
// working as before. The work itself lives in the root scripts `demo:run` and `check`.
//
// - Run by pnpm (`pnpm demo`, `pnpm test`; pnpm names itself in npm_config_user_agent): pnpm has already installed
//   the dependencies if they were missing or stale (`verifyDepsBeforeRun: install` in pnpm-workspace.yaml), so this
//   only runs `pnpm run demo:run` / `pnpm run check` with the same pnpm and the given arguments.
// - Run by npm (`npm run demo`, `npm test`) or by node directly: no pnpm is assumed. It fetches the exact pnpm of
//   package.json's `packageManager` through `npx --yes pnpm@<version>` (from the npm registry, into npm's cache; no
//   global install, no corepack), installs the dependencies with `pnpm install --frozen-lockfile` when node_modules
//   is missing, then hands over to `pnpm demo` / `pnpm test`, i.e. the case above.
// Nothing recurses: the pnpm case runs another script (`demo:run`, `check`), never `demo` or `test` again, and a
// hand-over that comes back without pnpm's user agent is refused (DEVAUTH_QUICKSTART_HANDED_OVER).
//
// DEVAUTH_QUICKSTART_DRY_RUN=1 does everything up to the last step (fetch pnpm, install the dependencies when missing)
// and prints the pnpm command it would run instead of running it: tests/quick-start.test.ts checks that way that
// `npm test` resolves to `pnpm test` without running the whole suite inside the suite (.ci/run runs it for real).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The quick-start command -> the root script that does the work. */
const TARGETS = { demo: 'demo:run', test: 'check' };

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [name, ...args] = process.argv.slice(2);
const dryRun = ['1', 'true', 'yes'].includes((process.env.DEVAUTH_QUICKSTART_DRY_RUN ?? '').toLowerCase());
const say = (line) => process.stderr.write(`quick-start: ${line}\n`);

if (!Object.hasOwn(TARGETS, name ?? '')) {
  say(`usage: node scripts/quick-start.mjs ${Object.keys(TARGETS).join('|')} [args...]`);
  process.exit(2);
}

/**
 * Runs a command (stdio inherited, or stdout captured and returned); exits this process the way the command ended
 * unless it succeeded.
 */
function run(command, commandArgs, env = process.env, { capture = false } = {}) {
  const stdio = capture ? ['inherit', 'pipe', 'inherit'] : 'inherit';
  const result = spawnSync(command, commandArgs, { cwd: root, stdio, env, encoding: 'utf8' });
  if (result.error) {
    say(`could not run ${command}: ${result.error.message}`);
    process.exit(127);
  }
  if (result.signal) {
    process.kill(process.pid, result.signal);
    process.exit(1);
  }
  if (result.status !== 0) process.exit(result.status ?? 1);
  return result.stdout ?? '';
}

const quoted = (words) => words.map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word}'`)).join(' ');

const pnpmCli = process.env.npm_execpath;
if ((process.env.npm_config_user_agent ?? '').startsWith('pnpm/') && pnpmCli) {
  // Under pnpm: its CLI is npm_execpath (a JavaScript file, or the standalone @pnpm/exe binary).
  const pnpmArgs = ['--silent', 'run', TARGETS[name], ...args];
  if (dryRun) {
    console.log(`quick-start: would run: ${quoted(['pnpm', ...pnpmArgs])}`);
    process.exit(0);
  }
  // The hand-over marker has done its job: the checks and the demo run without it.
  const { DEVAUTH_QUICKSTART_HANDED_OVER: _, ...env } = process.env;
  if (/\.[cm]?js$/.test(pnpmCli)) run(process.execPath, [pnpmCli, ...pnpmArgs], env);
  else run(pnpmCli, pnpmArgs, env);
  process.exit(0);
}

if (process.env.DEVAUTH_QUICKSTART_HANDED_OVER) {
  say('handed over to pnpm, but pnpm did not run this script (npm_config_user_agent has no pnpm/): refusing to loop');
  process.exit(1);
}

const packageManager = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager ?? '';
const version = /^pnpm@(\d+\.\d+\.\d+)/.exec(packageManager)?.[1];
if (!version) {
  say(`package.json's packageManager (${packageManager || 'missing'}) names no exact pnpm version`);
  process.exit(1);
}
const env = { ...process.env, DEVAUTH_QUICKSTART_HANDED_OVER: '1' };
const pnpm = (pnpmArgs, options) => run('npx', ['--yes', `pnpm@${version}`, ...pnpmArgs], env, options);

// Fetches pnpm on first use (npm registry, into npm's cache), and checks it runs.
const fetched = pnpm(['--version'], { capture: true }).trim();
say(`pnpm ${fetched} through npx (no pnpm needed on PATH)`);
if (!existsSync(join(root, 'node_modules', '.modules.yaml'))) {
  say('first run: installing the dependencies (pnpm install --frozen-lockfile)');
  pnpm(['install', '--frozen-lockfile']);
}
if (dryRun) {
  console.log(`quick-start: would run: ${quoted(['pnpm', name, ...args])}`);
  process.exit(0);
}
pnpm([name, ...args]);
