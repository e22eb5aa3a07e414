/**
 * The README's quick start, as a newcomer runs it: a fresh clone, Node.js and npm, no pnpm. The two commands are read
 * from README.md verbatim (the sh block under "## Quick start", through scripts/readme-quick-start.mjs, which .ci/run
 * uses too) and run in a fresh copy of the repository (the working tree's files as git lists them: tracked and
 * untracked-but-not-ignored, so uncommitted work is included; nothing installed, no node_modules) with a PATH that
 * has node, npm, npx and the system tools but no pnpm.
 *
 * - The demo command runs for real: it must fetch pnpm, install the dependencies, run the demo, exit 0 and end on
 *   the demo's success line. It runs on DEVAUTH_QUICKSTART_NODE when set (.ci/run sets the machine's own Node, 20
 *   here, so the promise that the quick start works on Node 20 is kept), else on the Node running this test.
 * - The test command would run this very suite inside itself. So it runs here with DEVAUTH_QUICKSTART_DRY_RUN=1,
 *   which scripts/quick-start.mjs honours by doing everything but the last step (fetch pnpm, install the
 *   dependencies) and printing the pnpm command it would run: `pnpm test`. The real run is CI's: .ci/run runs the
 *   README's test command verbatim on Node 24 with no pnpm on PATH, and the last test here checks that it does.
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM script without type declarations
import * as readmeQuickStart from '../scripts/readme-quick-start.mjs';

interface QuickStartCommand {
  readonly command: string;
  readonly script: string | undefined;
}
const { quickStartCommands, quickStartCommand, pnpmFreePath } = readmeQuickStart as {
  quickStartCommands(readme?: string): QuickStartCommand[];
  quickStartCommand(script: string, readme?: string): string;
  pnpmFreePath(node: string, dir: string, path?: string): string;
};

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);
const DEMO_LAST_LINE = 'demo OK: every expectation held; everything started was stopped';
const node = process.env.DEVAUTH_QUICKSTART_NODE || process.execPath;
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  packageManager: string;
  engines: unknown;
  scripts: Record<string, string>;
};

/** A fresh copy of the working tree (what `git clone` of it would give, uncommitted files included). */
function freshCopy(into: string): string {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((file) => file !== '' && existsSync(join(root, file)));
  for (const file of files) {
    mkdirSync(dirname(join(into, file)), { recursive: true });
    cpSync(join(root, file), join(into, file), { verbatimSymlinks: true });
  }
  expect(existsSync(join(into, 'node_modules'))).toBe(false);
  return into;
}

/** The environment of a newcomer's shell: no trace of the package manager or test runner running this suite. */
function newcomerEnv(path: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|PNPM_|VITEST|__VITEST|TSX_|NODE_OPTIONS$|DEVAUTH_QUICKSTART)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, PATH: path, ...extra };
}

describe('the README quick start', () => {
  const commands = quickStartCommands();

  it('is two commands that need npm only: the demo, then every check', () => {
    expect(commands.map(({ script }) => script)).toEqual(['demo', 'test']);
    for (const { command } of commands) expect(command).toMatch(/^npm /);
  });

  it("goes through the bootstrap, whose targets never call it again, and pins pnpm's exact version", () => {
    expect(manifest.scripts.demo).toBe('node scripts/quick-start.mjs demo');
    expect(manifest.scripts.test).toBe('node scripts/quick-start.mjs test');
    for (const target of ['demo:run', 'check']) {
      expect(manifest.scripts[target]).toBeDefined();
      expect(manifest.scripts[target]).not.toContain('quick-start');
      expect(manifest.scripts[target]).not.toMatch(/\bpnpm (run )?(demo|test)\b(?!:)/);
    }
    expect(manifest.packageManager).toMatch(/^pnpm@\d+\.\d+\.\d+$/);
    // The repository (not the published packages, which say >=22) runs on Node 20 too.
    expect(manifest.engines).toEqual({ node: '>=20' });
  });

  describe('in a fresh copy of the repository, with Node.js and npm but no pnpm on PATH', () => {
    let dir = '';
    let path = '';

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'devauth-quick-start-'));
      path = pnpmFreePath(node, join(dir, 'path'));
      const which = execFileSync('bash', ['-c', 'command -v pnpm pnpx || true; node --version'], {
        env: newcomerEnv(path),
        encoding: 'utf8',
      });
      expect(which.trim()).toBe(execFileSync(node, ['--version'], { encoding: 'utf8' }).trim());
    });
    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('runs the demo command: fetches pnpm, installs the dependencies, runs the demo, exits 0', async () => {
      const clone = freshCopy(join(dir, 'demo'));
      const command = quickStartCommand('demo');
      const { stdout } = await run('bash', ['-c', command], {
        cwd: clone,
        env: newcomerEnv(path),
        timeout: 480_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      const lines = stdout.trimEnd().split('\n');
      expect(lines.at(-1)).toBe(DEMO_LAST_LINE);
      expect(stdout).not.toContain('✗');
      expect(existsSync(join(clone, 'node_modules', '.modules.yaml'))).toBe(true);
    }, 540_000);

    it('resolves the test command to `pnpm test` (dry run: fetches pnpm, installs the dependencies, runs nothing)', async () => {
      const clone = freshCopy(join(dir, 'test'));
      const command = quickStartCommand('test');
      const { stdout, stderr } = await run('bash', ['-c', command], {
        cwd: clone,
        env: newcomerEnv(path, { DEVAUTH_QUICKSTART_DRY_RUN: '1' }),
        timeout: 300_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      expect(stdout.trimEnd().split('\n').at(-1)).toBe('quick-start: would run: pnpm test');
      expect(existsSync(join(clone, 'node_modules', '.modules.yaml'))).toBe(true);
      // A fresh `pnpm install --frozen-lockfile` warns about nothing, on Node 20 too: the workspace packages'
      // `engines: >=22` is in their publishConfig, applied when packed (README "Runtimes").
      expect(`${stdout}${stderr}`).toContain('pnpm install --frozen-lockfile');
      expect(`${stdout}${stderr}`).not.toMatch(/\bWARN\b|npm warn/i);
      // The dry run stopped there: nothing was built.
      expect(lstatSync(join(clone, 'packages', 'core')).isDirectory()).toBe(true);
      expect(existsSync(join(clone, 'packages', 'core', 'dist'))).toBe(false);
    }, 360_000);
  });

  it('is run for real by .ci/run: the README test command, verbatim, on Node 24, with no pnpm on PATH', () => {
    const ci = readFileSync(join(root, '.ci', 'run'), 'utf8');
    execFileSync('bash', ['-n', join(root, '.ci', 'run')]);
    const lines = ci.split('\n').filter((line) => !/^\s*#/.test(line));
    const code = lines.join('\n');
    // The command comes from README.md through the same extraction as above...
    expect(lines).toContain('readme_test=$(node scripts/readme-quick-start.mjs command test)');
    expect(
      execFileSync(process.execPath, ['scripts/readme-quick-start.mjs', 'command', 'test'], { cwd: root }),
    ).toEqual(Buffer.from(`${quickStartCommand('test')}\n`));
    // ...on a PATH built by the same helper, with Node 24 (from the npm registry's node-linux-<arch>@24) first...
    expect(code).toContain('install_node "$node_prefix/node24" "node-linux-$host_arch" 24');
    expect(lines).toContain('node24="$node_prefix/node24/node_modules/node-linux-$host_arch/bin/node"');
    expect(code).toMatch(
      /^pnpm_free_path=\$\(node scripts\/readme-quick-start\.mjs pnpm-free-path "\$node24" "\$pnpm_free_dir"\)$/m,
    );
    // ...and run as it is, its failure failing CI.
    expect(code).toMatch(/^PATH="\$pnpm_free_path" bash -c "\$readme_test" \|\| failed\+=/m);
    expect(code).toMatch(/^ {2}exit 1$/m);
    // No pnpm is installed for it: the bootstrap's npx is the only source.
    expect(code).not.toMatch(/install[^\n]*\bpnpm\b/);
    // The machine's own Node runs the demo test above.
    expect(lines).toContain('export DEVAUTH_QUICKSTART_NODE="$machine_node"');
  });
});
