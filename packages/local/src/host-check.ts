/**
 * DNS-rebinding protection for both local servers. A web page on evil.example can make its own name resolve to
 * 127.0.0.1 and then talk to a local server as "same origin", reading every answer; what gives it away is the Host
 * header, which still says evil.example. So a request is served only when its Host names the server: its listening
 * address, `localhost`, `127.0.0.1`, `[::1]`, or a name the caller allowed explicitly (`allowedHosts`).
 *
 * The port is not compared: a rebinding attack shows up as a foreign name whatever the port, and local proxies in
 * front of these servers (a dev server, the test suites' fault proxy) forward with their own port in Host.
 */

/** Names every local server answers to, whatever address it listens on. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'] as const;
/** Listening on every interface says nothing about the names clients use: those must be listed in allowedHosts. */
const WILDCARD_ADDRESSES = new Set(['', '0.0.0.0', '::']);

/** The host names (lower-case, IPv6 without brackets) a server listening on `listenHost` serves. */
export function allowedHostNames(listenHost: string, extra: readonly string[] = []): ReadonlySet<string> {
  const names = new Set<string>(LOOPBACK_NAMES);
  const own = bareName(listenHost);
  if (!WILDCARD_ADDRESSES.has(own)) names.add(own);
  for (const name of extra) names.add(bareName(name));
  return names;
}

/**
 * True when the request's Host header (Node's `headersDistinct.host`) names this server: exactly one Host line,
 * well-formed, with an allowed name.
 */
export function isAllowedHost(hostLines: readonly string[] | undefined, allowed: ReadonlySet<string>): boolean {
  if (hostLines === undefined || hostLines.length !== 1) return false;
  const name = hostName(hostLines[0]!);
  return name !== undefined && allowed.has(name);
}

/** The name part of a Host header value (`name`, `name:port`, `[v6]`, `[v6]:port`); undefined when malformed. */
export function hostName(value: string): string | undefined {
  const host = value.trim().toLowerCase();
  const match = /^(?:\[([0-9a-f:.]+)\]|([^:[\]\s/@]+))(?::(\d{1,5}))?$/.exec(host);
  if (!match) return undefined;
  return match[1] ?? match[2];
}

function bareName(host: string): string {
  const lower = host.trim().toLowerCase();
  return lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
}
