/**
 * What `startDevServer` (and `devauth dev`) fails with when it cannot start or reload: a bad config file, a port in
 * use, a data directory it cannot open. The message says what is wrong and what to do; nothing was left running.
 */
export class DevServerError extends Error {
  override readonly name = 'DevServerError';
}
