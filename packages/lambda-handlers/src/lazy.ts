/** A value, or a function producing it on first use (adapters, connections: built on the first invocation). */
export type Lazy<T> = T | (() => T | Promise<T>);

/**
 * Memoizes a lazy value. A failed build is forgotten so the next invocation tries again (a database that was not
 * reachable during one cold start should not poison the execution environment for its whole life).
 */
export function memoize<T>(lazy: Lazy<T>): () => Promise<T> {
  if (typeof lazy !== 'function') {
    const ready = Promise.resolve(lazy);
    return () => ready;
  }
  let pending: Promise<T> | undefined;
  return () => {
    if (!pending) {
      const started = Promise.resolve().then(() => (lazy as () => T | Promise<T>)());
      pending = started;
      started.catch(() => {
        if (pending === started) pending = undefined;
      });
    }
    return pending;
  };
}
