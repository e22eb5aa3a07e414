/**
 * Where the client keeps its session (identity id, role, refresh token). Sync or async, so `localStorage`, IndexedDB
 * wrappers, keychains or a server-side store all fit. The password is never stored.
 */
export interface SessionStorage {
  get(key: string): string | null | undefined | Promise<string | null | undefined>;
  set(key: string, value: string): void | Promise<void>;
  remove(key: string): void | Promise<void>;
}

/**
 * The default, in Node and in browsers: lives as long as the process or page, out of reach of other scripts'
 * `localStorage.getItem`. A reload loses the session (the user logs in again; a guest gets a new identity).
 */
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

/**
 * Adapts `window.sessionStorage` or `window.localStorage`, named explicitly: an opt-in. The session then survives
 * reloads, and so is readable by any script running on the page: an XSS can take the refresh token (a session until
 * its family expires or is revoked) and the guest link secret. Prefer memory, or sessionStorage (one tab, gone when
 * it closes) over localStorage, and a strict Content-Security-Policy either way.
 */
export function webStorage(storage: WebStorageLike): SessionStorage {
  const target = storage as WebStorageLike | undefined;
  if (!target || typeof target.getItem !== 'function') {
    throw new Error(
      'webStorage: pass the Storage to use, e.g. webStorage(window.sessionStorage). There is no implicit ' +
        'localStorage default: Web Storage is readable by any script on the page (see the client README on XSS).',
    );
  }
  return {
    get: (key) => target.getItem(key),
    set: (key, value) => target.setItem(key, value),
    remove: (key) => target.removeItem(key),
  };
}
