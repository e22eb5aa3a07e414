/**
 * Where the client keeps its session (identity id, role, refresh token). Sync or async, so `localStorage`, IndexedDB
 * wrappers, keychains or a server-side store all fit. The password is never stored.
 */
export interface SessionStorage {
  get(key: string): string | null | undefined | Promise<string | null | undefined>;
  set(key: string, value: string): void | Promise<void>;
  remove(key: string): void | Promise<void>;
}

/** The default: lives as long as the process or page. */
export function memoryStorage(): SessionStorage {
  const values = new Map<string, string>();
  return {
    get: (key) => values.get(key),
    set: (key, value) => {
      values.set(key, value);
    },
    remove: (key) => {
      values.delete(key);
    },
  };
}

/** The subset of the DOM `Storage` interface used here (declared locally: the package does not need the DOM lib). */
export interface WebStorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Adapts `window.localStorage` or `window.sessionStorage` (the default is `localStorage`). */
export function webStorage(storage?: WebStorageLike): SessionStorage {
  const target = storage ?? (globalThis as { localStorage?: WebStorageLike }).localStorage;
  if (!target) throw new Error('webStorage: no Storage given and globalThis.localStorage is not available');
  return {
    get: (key) => target.getItem(key),
    set: (key, value) => target.setItem(key, value),
    remove: (key) => target.removeItem(key),
  };
}
