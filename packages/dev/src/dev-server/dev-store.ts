/**
 * The dev server's stores: PGlite in a data directory (the default: users and sessions survive a restart) or memory
 * (`--store memory`: gone with the process). One server per data directory: PGlite is a single-process database, and
 * two servers writing one directory would corrupt it, so a lock file names the server that holds it.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createInMemoryStores } from '@devauth/core/testing';
import type { LocalStackStores } from '../local-stack.js';
import { DevServerError } from './errors.js';

export type DevStoreKind = 'pglite' | 'memory';

export interface DevStore {
  readonly kind: DevStoreKind;
  readonly stores: LocalStackStores;
  /** Where PGlite keeps the database (pglite only). */
  readonly databaseDir: string | undefined;
  close(): Promise<void>;
}

/** Opens the stores in `dataDir` (created when missing), holding its lock until `close()`. */
export async function openDevStore(kind: DevStoreKind, dataDir: string): Promise<DevStore> {
  mkdirSync(dataDir, { recursive: true });
  const releaseLock = lockDataDir(dataDir);
  try {
    if (kind === 'memory') {
      return { kind, stores: createInMemoryStores(), databaseDir: undefined, close: async () => releaseLock() };
    }
    const databaseDir = join(dataDir, 'pglite');
    const [{ PGlite }, postgres] = await Promise.all([
      import('@electric-sql/pglite'),
      import('@devauth/adapters-postgres'),
    ]);
    let db: InstanceType<typeof PGlite>;
    try {
      db = await PGlite.create(databaseDir);
    } catch (error) {
      throw new DevServerError(
        `The database in ${databaseDir} cannot be opened (${describe(error)}): it is not a PGlite data directory ` +
          'or it is damaged. Move it away (or delete it) to start with an empty store, or run with --store memory.',
        { cause: error },
      );
    }
    try {
      const client = postgres.fromPGlite(db);
      await postgres.migrate(client);
      return {
        kind,
        stores: postgres.createPostgresStores(client),
        databaseDir,
        close: async () => {
          await db.close();
          releaseLock();
        },
      };
    } catch (error) {
      await db.close().catch(() => undefined);
      throw new DevServerError(`The database in ${databaseDir} cannot be migrated (${describe(error)}).`, {
        cause: error,
      });
    }
  } catch (error) {
    releaseLock();
    throw error;
  }
}

/** Takes `<dataDir>/dev-server.lock` for this process; a lock left by a process that is gone is taken over. */
function lockDataDir(dataDir: string): () => void {
  const file = join(dataDir, 'dev-server.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
      if (Number.isSafeInteger(holder) && isRunning(holder)) {
        throw new DevServerError(
          `Another devauth dev (process ${holder}) is using ${dataDir}: stop it, or give this one another --data-dir.`,
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new DevServerError(`Cannot take the lock ${file}.`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}
