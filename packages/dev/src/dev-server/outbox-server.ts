/**
 * The local outbox at a URL: every message the dev server "sent" (reset and verification links, notices), newest
 * first, as a page a developer clicks through and as JSON (`/messages.json`) for scripts and browser tests. It holds
 * live reset tokens, so it listens on loopback only, refuses requests naming another host (DNS rebinding), and tells
 * browsers not to cache it, frame it or send its URL on.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InMemoryOutbox, OutboxEntry } from '@devauth/core';
import { allowedHostNames, isAllowedHost } from '@devauth/local';
import { listen } from './listen.js';

export interface OutboxServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
} as const;

export async function startOutboxServer(outbox: InMemoryOutbox, port: number): Promise<OutboxServer> {
  const allowed = allowedHostNames(HOST);
  const server: Server = createServer((request, response) => serve(outbox, allowed, request, response));
  await listen(server, port, HOST, '--outbox-port');
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://${HOST}:${actual}`,
    port: actual,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function serve(
  outbox: InMemoryOutbox,
  allowed: ReadonlySet<string>,
  request: IncomingMessage,
  response: ServerResponse,
): void {
  const send = (status: number, type: string, body: string) => {
    response.writeHead(status, { 'content-type': type, ...SECURITY_HEADERS });
    response.end(request.method === 'HEAD' ? undefined : body);
  };
  if (!isAllowedHost(request.headersDistinct.host, allowed)) {
    send(403, 'text/plain', 'Forbidden host\n');
  } else if (request.method !== 'GET' && request.method !== 'HEAD') {
    send(405, 'text/plain', 'Method not allowed\n');
  } else {
    const path = new URL(request.url ?? '/', 'http://outbox').pathname;
    const entries = [...outbox.sent].reverse();
    if (path === '/messages.json') send(200, 'application/json', `${JSON.stringify(entries.map(toJson))}\n`);
    else if (path === '/') send(200, 'text/html; charset=utf-8', page(entries));
    else send(404, 'text/plain', 'Not found\n');
  }
}

function toJson(entry: OutboxEntry) {
  const { message, rendered, sentAt } = entry;
  return {
    kind: message.kind,
    to: message.to,
    username: message.username,
    sentAt: sentAt.toISOString(),
    subject: rendered.subject,
    text: rendered.text,
    ...('token' in message ? { token: message.token, expiresAt: message.expiresAt.toISOString() } : {}),
  };
}

function page(entries: readonly OutboxEntry[]): string {
  const items = entries.map((entry) => {
    const { message, rendered, sentAt } = entry;
    return `<article class="message" data-kind="${escapeHtml(message.kind)}" data-to="${escapeHtml(message.to)}">
<h2>${escapeHtml(rendered.subject)}</h2>
<p class="meta">${escapeHtml(message.kind)} to ${escapeHtml(message.to)} at ${escapeHtml(sentAt.toISOString())}</p>
<pre>${linkify(rendered.text)}</pre>
</article>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>devauth dev: outbox</title>
<style>body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}
.message{border:1px solid #ccc;border-radius:6px;padding:0 1rem;margin:1rem 0}.meta{color:#555}
pre{white-space:pre-wrap}</style></head>
<body><h1>Outbox</h1>
<p>Messages the local server sent, newest first. Reload to see new ones; they are kept until the server stops.</p>
${items.length === 0 ? '<p class="empty">No messages yet.</p>' : items.join('\n')}
</body></html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** Escapes the text and makes its http(s) URLs links. */
function linkify(text: string): string {
  return text
    .split(/(https?:\/\/[^\s<>"']+)/)
    .map((part, index) =>
      index % 2 === 1 ? `<a href="${escapeHtml(part)}">${escapeHtml(part)}</a>` : escapeHtml(part),
    )
    .join('');
}
