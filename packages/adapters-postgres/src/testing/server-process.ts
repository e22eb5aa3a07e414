import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readdirSafe } from './safe-reads.js';

/**
 * The server as this process's child: waiting until it is ready or gone, and killing it with everything below it. The
 * kill follows only the child spawned here, never a pid read from a file, which could by now belong to another
 * process.
 */

/** Resolves once postmaster.pid says "ready" (what `pg_ctl start -w` waits for); rejects if the server exits first. */
export function waitUntilReady(server: ChildProcess, dataDir: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      clearInterval(poll);
      reject(new Error(`postgres exited during startup (${signal ?? `code ${code}`})`));
    };
    const poll = setInterval(() => {
      if (postmasterStatus(dataDir) === 'ready') {
        clearInterval(poll);
        server.off('exit', onExit);
        resolve();
      } else if (Date.now() > deadline) {
        clearInterval(poll);
        server.off('exit', onExit);
        reject(new Error(`postgres was not ready after ${timeoutMs} ms`));
      }
    }, 50);
    server.once('exit', onExit);
  });
}

export function exited(server: ChildProcess | undefined, timeoutMs: number): Promise<void> {
  if (!server || server.exitCode !== null || server.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    server.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** postmaster.pid: line 1 is the pid, line 8 the status ("starting", "ready", "stopping"). */
function postmasterLines(dataDir: string): string[] {
  try {
    return readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return [];
  }
}

function postmasterStatus(dataDir: string): string | undefined {
  return postmasterLines(dataDir)[7]?.trim();
}

const HAS_PROC = readdirSafe('/proc').length > 0;

/** Running, and not a zombie awaiting its parent's wait (Linux: /proc; elsewhere: signal 0). */
function isRunning(pid: number): boolean {
  if (!HAS_PROC) {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.charAt(stat.lastIndexOf(')') + 2);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Every process below `pid` (PostgreSQL backends each lead their own process group: a group kill misses them). */
function descendantsOf(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSafe('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(parent, [...(parents.get(parent) ?? []), Number(entry)]);
    } catch {
      // Exited meanwhile.
    }
  }
  const found: number[] = [];
  for (let queue = [pid]; queue.length > 0; ) {
    const children = queue.flatMap((each) => parents.get(each) ?? []);
    found.push(...children);
    queue = children;
  }
  return found;
}

function killGroup(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** SIGKILL for `pid`, its process group and every descendant, if it still runs. */
export function killProcessTree(pid: number): void {
  if (!isRunning(pid)) return;
  const descendants = descendantsOf(pid);
  killGroup(pid);
  for (const descendant of descendants) killGroup(descendant);
}
