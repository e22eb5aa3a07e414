import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Composition, composeDevauth } from '@devauth/lambda-handlers';

const here = dirname(fileURLToPath(import.meta.url));
/** The real bin, run from the sources (it imports `@devauth/cli`, which resolves to src/ under this condition). */
export const BIN = join(here, '..', '..', 'bin', 'devauth.mjs');
const tsx = createRequire(import.meta.url).resolve('tsx');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** A scratch directory, removed by `cleanup()`. */
export function scratch(label: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `devauth-cli-${label}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs `devauth <args>` in a child process with only `env` (plus PATH and a scratch HOME, so no AWS profile or
 * DEVAUTH_* variable of the machine leaks in), feeding `input` on stdin.
 */
export function devauth(
  args: readonly string[],
  options: { env?: Env; input?: string; cwd?: string; home?: string } = {},
): Promise<CliResult> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: options.home ?? tmpdir(),
    LANG: 'C.UTF-8',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  for (const [key, value] of Object.entries(options.env ?? {})) if (value !== undefined) env[key] = value;
  const child = spawn(process.execPath, ['--conditions=@devauth/source', '--import', tsx, BIN, ...args], {
    env,
    cwd: options.cwd ?? here,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  child.stdin.on('error', () => {});
  child.stdin.end(options.input ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr: withoutRuntimeNotice(stderr) }));
  });
}

/**
 * The AWS SDK warns once per process on Node < 22 that its later versions will need Node 22 (the CLI itself requires
 * Node >= 22 when published; this machine's own Node is 20). That notice is the runtime's, not the CLI's output, so it
 * is dropped here and only here: every other line of stderr is still asserted.
 */
function withoutRuntimeNotice(stderr: string): string {
  return stderr.replace(
    /\(node:\d+\) Warning: NodeVersionSupportWarning:[\s\S]*?\(Use `node --trace-warnings \.\.\.` to show where the warning was created\)\n/g,
    '',
  );
}

/** The environment of a PGlite store in a fresh data directory, with the in-process fake broker. */
export function pgliteEnv(dir: string, extra: Env = {}): Env {
  return {
    DEVAUTH_STORE: 'pglite',
    DEVAUTH_PGLITE_DATA_DIR: join(dir, 'pglite'),
    DEVAUTH_BROKER: 'fake',
    ...extra,
  };
}

/** The core over that same data directory, in this process (after the CLI exited: PGlite has one user at a time). */
export async function openPglite(env: Env): Promise<Composition> {
  return composeDevauth({ store: 'pglite', pgliteDataDir: env.DEVAUTH_PGLITE_DATA_DIR!, broker: 'fake' });
}

/** Hashes other tools made (copied from the core's fixtures), with their passwords. */
export const FOREIGN = {
  argon2id: {
    password: 'correct horse battery staple',
    hash: '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$ISO7kkvFzh19GM8qB7patN3C3Y9HHsjlVTfEZ9T600Y',
  },
  argon2i: {
    password: 'password',
    hash: '$argon2i$v=19$m=4096,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$iDoHsJkczCNRjwISH0IL7Bxa65e7yZ8nY0yRqC+7Odw',
  },
  scrypt: {
    password: 'correct horse battery staple',
    hash: '$scrypt$ln=10,r=8,p=1$qHXOea+V0trbOyckBMAYgw$I7/8bNqNs0VUFDoViAYpuT6PtNwY2dBTNwGkEUBUQ4U',
  },
  bcrypt: {
    password: 'correct horse battery staple',
    hash: '$2y$05$z1t3soh4I91q0b4LzTue0ONq1MGsp.nElRAiDAmTrpEeHIP3QJYGu',
  },
  django: {
    password: 'correct horse battery staple',
    hash: 'pbkdf2_sha256$10000$Wsoq6TRtLtvTjdzi$lEytLViCoJuIn68ypsixJSzhfpf8Ane6XqJkhlAogYQ=',
  },
} as const;

/** Every hash above, to assert none of them appears in an output. */
export const ALL_HASHES: readonly string[] = Object.values(FOREIGN).map((entry) => entry.hash);

/** The non-empty lines of a text. */
export const lines = (text: string): string[] => text.split('\n').filter((line) => line.trim() !== '');
