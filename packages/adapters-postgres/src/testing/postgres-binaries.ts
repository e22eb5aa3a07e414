import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { readdirSafe } from './safe-reads.js';

/** Where the server binaries are: an explicit directory, else PATH, else the newest Debian install. */

const BINARIES = ['initdb', 'pg_ctl', 'postgres'] as const;

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findBinDir(explicit: string | undefined): string | undefined {
  const hasAll = (dir: string) => BINARIES.every((name) => isExecutable(join(dir, name)));
  if (explicit !== undefined) return hasAll(explicit) ? explicit : undefined;
  const onPath = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  // Debian installs the server binaries outside PATH.
  const debian = readdirSafe('/usr/lib/postgresql')
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => join('/usr/lib/postgresql', version, 'bin'));
  return [...onPath, ...debian].find(hasAll);
}
