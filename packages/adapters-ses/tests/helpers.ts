import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { OutgoingMessage } from '@devauth/core';
import { expect } from 'vitest';

/** A token as the core issues it (random, URL-safe): easy to find anywhere it leaks. */
export const TOKEN = 'RsT0k3n_Secret-9f8e7d6c5b4a39281706';

type TokenKindMessage = Extract<OutgoingMessage, { kind: 'password-reset' | 'email-verification' }>;

export function passwordReset(
  to = 'alice@example.org',
  token = TOKEN,
): Extract<OutgoingMessage, { kind: 'password-reset' }> {
  return {
    kind: 'password-reset',
    to,
    username: 'alice',
    token,
    issuedAt: new Date('2030-01-01T00:00:00Z'),
    expiresAt: new Date('2030-01-01T00:30:00Z'),
  };
}

export function emailVerification(to = 'alice@example.org', token = TOKEN): TokenKindMessage {
  return { ...passwordReset(to, token), kind: 'email-verification' };
}

/** The real SDK client as a backend would configure it, pointed at a local endpoint. */
export function sdkClient(endpoint: string, maxAttempts = 1): SESv2Client {
  return new SESv2Client({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts,
  });
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The rejection of a promise that must fail. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** Everything an error could show in a log line: message, stack, JSON, and a deep inspect with its cause chain. */
export function everythingShown(error: unknown): string {
  const parts = [String(error), inspect(error, { depth: 20, showHidden: true, getters: true })];
  if (error instanceof Error) parts.push(error.stack ?? '', error.message);
  try {
    parts.push(JSON.stringify(error));
  } catch {
    // Circular: inspect above shows it all.
  }
  let cause: unknown = error instanceof Error ? error.cause : undefined;
  for (let depth = 0; cause !== undefined && depth < 10; depth++) {
    parts.push(String(cause), inspect(cause, { depth: 20, showHidden: true }));
    if (cause instanceof Error) parts.push(cause.stack ?? '');
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return parts.join('\n');
}

/** Asserts that none of `secrets` appears in anything `error` could put in a log. */
export function expectNothingSecretIn(error: unknown, secrets: readonly string[]): void {
  const shown = everythingShown(error);
  for (const secret of secrets) expect(shown, `error shows ${JSON.stringify(secret)}`).not.toContain(secret);
}

export interface FakeSes {
  readonly endpoint: string;
  readonly requests: { readonly body: string }[];
  close(): Promise<void>;
}

/**
 * A local HTTP server that answers SES v2 requests with `answer` (per request, counted from 0). `hang` leaves the
 * request open (the client's request timeout fires).
 */
export async function fakeSes(
  answer: (index: number) => { status: number; headers?: Record<string, string>; body?: string } | 'hang',
): Promise<FakeSes> {
  const requests: { body: string }[] = [];
  const open = new Set<ServerResponse>();
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      const reply = answer(requests.length);
      requests.push({ body });
      if (reply === 'hang') {
        open.add(res);
        return;
      }
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body ?? '{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An SES v2 (restJson1) error answer. */
export function sesError(
  status: number,
  name: string,
  message = 'refused',
): {
  status: number;
  headers: Record<string, string>;
  body: string;
} {
  return {
    status,
    headers: { 'x-amzn-errortype': name, 'x-amzn-requestid': `req-${name}` },
    body: JSON.stringify({ message }),
  };
}
