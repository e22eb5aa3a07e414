import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { appendFileSync, chownSync, closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinDir } from './postgres-binaries.js';
import { tail } from './safe-reads.js';
import { exited, killProcessTree, waitUntilReady } from './server-process.js';

/**
 * A throwaway PostgreSQL server for tests and benchmarks: `initdb` into a fresh temporary directory (trust auth,
 * durability off), the server on a free localhost port with its unix socket inside that directory, so it never
 * touches a system cluster. When this process runs as root, the server runs as the `postgres` OS user (PostgreSQL
 * refuses root) through `runuser`.
 *
 * The server is this process's child (not daemonized by `pg_ctl start`), so Node reaps it: no orphan or zombie is
 * left to an init that may never reap it. `stop()` shuts it down with `pg_ctl stop -m immediate`, kills whatever
 * remains, and deletes the directory.
 *
 * This module is the public API and the setup it runs (initdb, settings, port, running as the OS user); where the
 * binaries are is postgres-binaries.ts, and the running child (ready, exited, killed) is server-process.ts.
 */

export type PostgresClusterFailure = 'missing-binaries' | 'start-failed';

export class PostgresClusterError extends Error {
  constructor(
    readonly reason: PostgresClusterFailure,
    message: string,
  ) {
    super(message);
    this.name = 'PostgresClusterError';
  }
}

export interface PostgresClusterOptions {
  /** Extra server settings written to postgresql.conf, e.g. `{ max_connections: 300 }`. */
  readonly settings?: Readonly<Record<string, string | number | boolean>>;
  /** Directory with `initdb`, `pg_ctl` and `postgres`. Default: PATH, else the newest /usr/lib/postgresql/N/bin. */
  readonly binDir?: string;
  /** OS user that runs the server when this process is root. Default `postgres`. */
  readonly osUser?: string;
}

export interface PostgresCluster {
  /** `postgresql://postgres@127.0.0.1:<port>/postgres` (trust auth: no password). */
  readonly url: string;
  readonly port: number;
  /** The temporary directory: data in `data/`, log in `server.log`, unix socket `.s.PGSQL.<port>`. */
  readonly directory: string;
  /** Tears everything down: immediate shutdown, kills whatever remains, deletes the directory. Idempotent. */
  stop(): Promise<void>;
  /** Shuts the server down (fast mode: clients see their connections terminated) but keeps its data. */
  stopServer(): Promise<void>;
  /** Starts a server stopped by `stopServer` again, on the same port and data. */
  startServer(): Promise<void>;
}

const BASE_SETTINGS: Readonly<Record<string, string | number | boolean>> = {
  listen_addresses: '127.0.0.1',
  // Throwaway data: durability buys nothing and costs every commit an fsync.
  fsync: false,
  synchronous_commit: false,
  full_page_writes: false,
  max_connections: 200,
};

export async function startPostgresCluster(options: PostgresClusterOptions = {}): Promise<PostgresCluster> {
  const binDir = findBinDir(options.binDir);
  if (binDir === undefined) {
    throw new PostgresClusterError(
      'missing-binaries',
      'PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found on PATH or in /usr/lib/postgresql/*/bin: ' +
        'install PostgreSQL (e.g. apt-get install postgresql) or point the tests at a server with DATABASE_URL.',
    );
  }
  const runner = await commandRunner(options.osUser ?? 'postgres');
  const directory = mkdtempSync(join(tmpdir(), 'devauth-pg-'));
  const dataDir = join(directory, 'data');
  const logFile = join(directory, 'server.log');
  let port = 0;
  let server: ChildProcess | undefined;

  const pgCtl = (args: readonly string[], timeoutMs: number) =>
    runner.run(join(binDir, 'pg_ctl'), ['-D', dataDir, ...args], directory, timeoutMs);
  const startServer = async () => {
    const log = openSync(logFile, 'a');
    try {
      const [file, args] = runner.command(join(binDir, 'postgres'), ['-D', dataDir, '-p', String(port)]);
      // Detached: its own process group, which stop() can kill as a whole (runuser and the postmaster).
      server = spawn(file, args, { cwd: directory, detached: true, stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
    // A forgotten server must not keep Node alive; the exit hook below still kills it.
    server.unref();
    await waitUntilReady(server, dataDir, 60_000);
  };
  const killLeftovers = () => {
    // Only what descends from the child spawned here (runuser, the postmaster, its backends): never a pid read
    // from a file, which could by now belong to another process.
    if (server?.pid !== undefined && server.exitCode === null && server.signalCode === null) {
      killProcessTree(server.pid);
    }
  };
  const onExit = () => {
    // Last resort when the process exits without calling stop(): no server outlives it.
    killLeftovers();
    rmSync(directory, { recursive: true, force: true });
  };

  try {
    runner.chown(directory);
    await runner.run(
      join(binDir, 'initdb'),
      ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
      directory,
      120_000,
    );
    appendFileSync(
      join(dataDir, 'postgresql.conf'),
      toConf({ ...BASE_SETTINGS, unix_socket_directories: directory, ...options.settings }),
    );
    // A free port can be taken between probing and binding (another test file starting its own server): retry.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await startServer();
        break;
      } catch (error) {
        if (attempt >= 5 || !/could not bind|address already in use/i.test(tail(logFile))) throw error;
      }
    }
  } catch (error) {
    const message = `PostgreSQL did not start: ${(error as Error).message}\n${tail(logFile)}`;
    killLeftovers();
    rmSync(directory, { recursive: true, force: true });
    throw new PostgresClusterError('start-failed', message);
  }
  process.on('exit', onExit);

  let stopped = false;
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    port,
    directory,
    startServer,
    stopServer: async () => {
      await pgCtl(['-m', 'fast', '-w', '-t', '30', 'stop'], 40_000);
      await exited(server, 10_000);
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      process.off('exit', onExit);
      if (server && server.exitCode === null && server.signalCode === null) {
        await pgCtl(['-m', 'immediate', '-w', '-t', '10', 'stop'], 15_000).catch(() => undefined);
        killLeftovers();
        await exited(server, 5_000);
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

interface CommandRunner {
  /** The command line that runs `file` as the server's OS user. */
  command(file: string, args: readonly string[]): [string, string[]];
  run(file: string, args: readonly string[], cwd: string, timeoutMs: number): Promise<void>;
  chown(path: string): void;
}

/** Runs commands as this user, or as `osUser` through runuser when this process is root. */
async function commandRunner(osUser: string): Promise<CommandRunner> {
  const asRoot = process.getuid?.() === 0;
  const command = (file: string, args: readonly string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', osUser, '--', file, ...args]] : [file, [...args]];
  const run = (file: string, args: readonly string[], cwd: string, timeoutMs: number) =>
    exec(...command(file, args), cwd, timeoutMs);
  if (!asRoot) return { command, run, chown: () => {} };
  let uid: number;
  let gid: number;
  try {
    uid = Number(await capture('id', ['-u', osUser]));
    gid = Number(await capture('id', ['-g', osUser]));
  } catch {
    throw new PostgresClusterError(
      'start-failed',
      `Running as root: PostgreSQL refuses root, and there is no OS user "${osUser}" to run it as.`,
    );
  }
  return { command, run, chown: (path) => chownSync(path, uid, gid) };
}

function exec(file: string, args: readonly string[], cwd: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, [...args], { cwd, timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${String(stderr).trim() || error.message}`));
      else resolve();
    });
  });
}

function capture(file: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, [...args], { timeout: 10_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout.trim())));
  });
}

function toConf(settings: Readonly<Record<string, string | number | boolean>>): string {
  const lines = Object.entries(settings).map(([name, value]) => {
    if (!/^[a-z_][a-z0-9_.]*$/.test(name)) throw new Error(`Invalid PostgreSQL setting name: ${name}`);
    const text = typeof value === 'boolean' ? (value ? 'on' : 'off') : String(value);
    return `${name} = '${text.replace(/'/g, "''")}'`;
  });
  return `\n# devauth throwaway cluster\n${lines.join('\n')}\n`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port')),
      );
    });
  });
}
