/**
 * A tiny TCP proxy (node:net) in front of a real peer, to make it fail the way networks do and to count what the
 * client attempted:
 *
 * - `pass`: bytes flow both ways (optionally each chunk delayed by `delayMs`: a slow peer).
 * - `stall`: connections are accepted and whatever the client sends is read (and counted) but never forwarded, and
 *   nothing comes back: a hung peer or a black-holed route. Links open before the switch stall too.
 * - `reset`: a connection is reset (RST) as soon as the client sends anything on it (its request is counted first):
 *   a peer that is down behind a load balancer, or a network that drops the flow.
 *
 * Counting is protocol-aware, so "attempts" means what the client sent, whatever the connection reuse:
 * `postgres` counts statements (frontend Query and Execute messages), `http` counts request lines.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export type ProxyMode = 'pass' | 'stall' | 'reset';
export type ProxyProtocol = 'postgres' | 'http';

export interface FaultProxy {
  readonly port: number;
  /** `127.0.0.1:<port>`. */
  readonly host: string;
  mode: ProxyMode;
  /** Extra latency per forwarded chunk in `pass` mode. */
  delayMs: number;
  /** Connections accepted since the last `resetCounters()`. */
  readonly connections: number;
  /** Statements (postgres) or requests (http) the clients sent since the last `resetCounters()`. */
  readonly attempts: number;
  /** In `pass` mode, resets the connection carrying the n-th counted attempt (1-based) from now on; once. */
  resetAttempt(n: number): void;
  resetCounters(): void;
  /** Resolves once no attempt arrived for `quietMs` (clients still retrying in the background are counted). */
  settled(quietMs?: number): Promise<void>;
  close(): Promise<void>;
}

interface Link {
  readonly inbound: Socket;
  outbound: Socket | undefined;
  /** Bytes of the client stream not yet parsed (postgres framing) or scanned (http). */
  pending: Buffer;
  startupDone: boolean;
}

export async function startFaultProxy(options: {
  readonly targetHost: string;
  readonly targetPort: number;
  readonly protocol: ProxyProtocol;
}): Promise<FaultProxy> {
  const links = new Set<Link>();
  let mode: ProxyMode = 'pass';
  let delayMs = 0;
  let connections = 0;
  let attempts = 0;
  let lastAttemptAt = Date.now();
  let resetAt: number | undefined;

  const destroy = (link: Link, reset: boolean) => {
    links.delete(link);
    if (reset) link.inbound.resetAndDestroy();
    else link.inbound.destroy();
    link.outbound?.destroy();
  };

  /** Counts the attempts in a chunk from the client; true when the link must be reset (resetAttempt). */
  const count = (link: Link, chunk: Buffer): boolean => {
    link.pending = Buffer.concat([link.pending, chunk]);
    let found = 0;
    if (options.protocol === 'postgres') {
      // Startup (and SSLRequest) messages carry no type byte: length, then protocol code.
      while (!link.startupDone && link.pending.length >= 8) {
        const length = link.pending.readInt32BE(0);
        if (link.pending.length < length) break;
        const code = link.pending.readInt32BE(4);
        link.pending = link.pending.subarray(length);
        if (code !== 80877103) link.startupDone = true; // not an SSLRequest: the real startup message
      }
      while (link.startupDone && link.pending.length >= 5) {
        const length = link.pending.readInt32BE(1);
        if (link.pending.length < length + 1) break;
        const type = String.fromCharCode(link.pending[0]!);
        if (type === 'Q' || type === 'E') found++;
        link.pending = link.pending.subarray(length + 1);
      }
    } else {
      const text = link.pending.toString('latin1');
      const lines = [...text.matchAll(/(?:GET|POST|PUT|DELETE|HEAD|PATCH) \S+ HTTP\/1\.[01]\r\n/g)];
      found = lines.length;
      // Keep only what follows the last request line, and at most a line's worth: a request line split across
      // chunks is counted once complete, and none is counted twice.
      const last = lines.at(-1);
      const rest = last === undefined ? link.pending : link.pending.subarray(last.index + last[0].length);
      link.pending = rest.subarray(Math.max(0, rest.length - 256));
    }
    let reset = false;
    for (let i = 0; i < found; i++) {
      attempts++;
      if (resetAt !== undefined && attempts === resetAt) {
        resetAt = undefined;
        reset = true;
      }
    }
    if (found > 0) lastAttemptAt = Date.now();
    return reset;
  };

  const server: Server = createServer((inbound) => {
    connections++;
    lastAttemptAt = Date.now();
    const link: Link = { inbound, outbound: undefined, pending: Buffer.alloc(0), startupDone: false };
    links.add(link);
    inbound.on('error', () => destroy(link, false));
    inbound.on('close', () => destroy(link, false));
    // Connect upstream only when passing: a stalled link never reaches the peer.
    const ensureOutbound = () => {
      if (link.outbound) return link.outbound;
      const outbound = connect(options.targetPort, options.targetHost);
      link.outbound = outbound;
      outbound.on('error', () => destroy(link, false));
      outbound.on('close', () => destroy(link, false));
      outbound.on('data', (data) => {
        if (mode !== 'pass') return; // a stalled peer answers nothing
        const forward = () => links.has(link) && inbound.write(data);
        if (delayMs > 0) setTimeout(forward, delayMs);
        else forward();
      });
      return outbound;
    };
    if (mode === 'pass') ensureOutbound();
    // A link opened while resetting, or stalling, is held until the client speaks (the reset then carries its count).
    inbound.on('data', (chunk) => {
      const reset = count(link, chunk);
      if (mode === 'reset' || reset) {
        destroy(link, true);
        return;
      }
      if (mode === 'stall') return;
      const outbound = ensureOutbound();
      const forward = () => links.has(link) && outbound.write(chunk);
      if (delayMs > 0) setTimeout(forward, delayMs);
      else forward();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  return {
    port,
    host: `127.0.0.1:${port}`,
    get mode() {
      return mode;
    },
    set mode(next: ProxyMode) {
      mode = next;
    },
    get delayMs() {
      return delayMs;
    },
    set delayMs(next: number) {
      delayMs = next;
    },
    get connections() {
      return connections;
    },
    get attempts() {
      return attempts;
    },
    resetAttempt(n: number) {
      resetAt = attempts + n;
    },
    resetCounters() {
      connections = 0;
      attempts = 0;
      resetAt = undefined;
    },
    async settled(quietMs = 300) {
      while (Date.now() - lastAttemptAt < quietMs) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async close() {
      for (const link of [...links]) destroy(link, false);
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A localhost port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
