import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDynamoDbStores, DynamoDbErrorDetails, type DynamoDbStores } from '@devauth/adapters-dynamodb';
import { countRequests, type DynamoDbLocal, startDynamoDbLocal } from '@devauth/adapters-dynamodb/testing';
import { DEFAULT_THROTTLE_POLICY, mintAccountToken, nextVersion, UpstreamUnavailableError } from '@devauth/core';
import { sampleDate, sampleRefreshToken, sampleUser } from '@devauth/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { newClient, newTable, startTestEngine } from './support.js';

/**
 * Short timeouts and one retry, as a latency-bound Lambda would configure its client. `throwOnRequestTimeout` matters:
 * without it this SDK only logs a warning when `requestTimeout` passes and keeps waiting for the answer.
 */
const FAST_FAILING = {
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 500, requestTimeout: 1000, throwOnRequestTimeout: true },
} as const;
const BOUND_MS = 5000;
/**
 * For the resetting proxy: the same retries, but a request timeout no cold engine reaches, so that every attempt's
 * fate is the proxy's reset (or refusal), never a timeout.
 */
const PATIENT = {
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 500, requestTimeout: 4000, throwOnRequestTimeout: true },
} as const;

// The engine keeps its data on disk, so that after a stop and restart "the write is absent" means something.
const dbPath = mkdtempSync(join(tmpdir(), 'devauth-dynamodb-'));
const engine = await startTestEngine({ dbPath });
/** Every engine this file started, restarts included, even one still starting when a test timed out. */
const started: Promise<DynamoDbLocal | undefined>[] = [Promise.resolve(engine.available ? engine.local : undefined)];
afterAll(async () => {
  await engine.stop();
  for (const result of await Promise.allSettled(started)) {
    if (result.status === 'fulfilled') await result.value?.stop();
  }
  rmSync(dbPath, { recursive: true, force: true });
});

/** Runs `operation` and returns what it threw, with how long it took. */
async function failure(operation: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await operation();
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error('expected the operation to fail');
}

function expectUpstreamUnavailable(
  { error, ms }: { error: unknown; ms: number },
  expected: { notApplied?: boolean } = {},
): void {
  expect(error).toBeInstanceOf(UpstreamUnavailableError);
  if (expected.notApplied !== undefined)
    expect((error as UpstreamUnavailableError).notApplied).toBe(expected.notApplied);
  expect((error as UpstreamUnavailableError).upstream).toBe('dynamodb');
  expect((error as UpstreamUnavailableError).retryAfterSeconds).toBeGreaterThan(0);
  // No raw SDK error crosses the port, not even as the cause.
  expect((error as Error).cause).toBeInstanceOf(DynamoDbErrorDetails);
  expect(ms).toBeLessThan(BOUND_MS);
}

/** Every port operation, each expected to fail with UpstreamUnavailableError. */
function everyOperation(stores: DynamoDbStores): Record<string, () => Promise<unknown>> {
  const user = sampleUser();
  const token = sampleRefreshToken();
  return {
    'users.findById': () => stores.users.findById(user.id),
    'users.findByUsername': () => stores.users.findByUsername(user.username),
    'users.findByEmail': () => stores.users.findByEmail(user.email!),
    'users.findByIdentityId': () => stores.users.findByIdentityId('us-east-1:x'),
    'users.update': () => stores.users.update(nextVersion(user, { status: 'disabled' }, sampleDate(1))),
    'users.delete': () => stores.users.delete(user.id),
    'users.list': () => stores.users.list({ limit: 10 }),
    'users.list (filtered)': () => stores.users.list({ usernamePrefix: 'a', role: 'seller', limit: 10 }),
    'users.list (email)': () => stores.users.list({ email: user.email!, limit: 10 }),
    'users.createMany': () => stores.users.createMany([sampleUser(), sampleUser({ email: null })]),
    'refreshTokens.issue': () => stores.refreshTokens.issue(token),
    'refreshTokens.find': () => stores.refreshTokens.find(token.tokenHash),
    'refreshTokens.rotate': () => stores.refreshTokens.rotate(token.tokenHash, sampleRefreshToken()),
    'refreshTokens.revokeFamily': () => stores.refreshTokens.revokeFamily(token.familyId),
    'refreshTokens.revokeAllForUser': () => stores.refreshTokens.revokeAllForUser(token.userId),
    'refreshTokens.listSessions': () => stores.refreshTokens.listSessions(token.userId, sampleDate(0)),
    'loginAttempts.get': () => stores.loginAttempts.get(['user:x']),
    'loginAttempts.recordFailure': () => stores.loginAttempts.recordFailure(['user:x'], sampleDate(0), 60),
    'loginAttempts.reserve': () => stores.loginAttempts.reserve('user:x', sampleDate(0), DEFAULT_THROTTLE_POLICY),
    'loginAttempts.release': () => stores.loginAttempts.release('user:x'),
    'loginAttempts.reset': () => stores.loginAttempts.reset('user:x'),
    'invitations.create': () =>
      stores.invitations.create({
        codeHash: 'x',
        role: 'seller',
        createdAt: sampleDate(0),
        expiresAt: sampleDate(1),
        usedAt: null,
      }),
    'invitations.consume': () => stores.invitations.consume('x', 'seller', sampleDate(0)),
    'invitations.release': () => stores.invitations.release('x'),
    'invitations.list': () => stores.invitations.list({ limit: 10 }),
    'invitations.revoke': () => stores.invitations.revoke('x'),
    'guestLinks.create': () =>
      stores.guestLinks.create({
        secretHash: 'x',
        identityId: 'us-east-1:x',
        createdAt: sampleDate(0),
        expiresAt: sampleDate(1),
        usedAt: null,
      }),
    'guestLinks.consume': () => stores.guestLinks.consume('x', 'us-east-1:x', sampleDate(0)),
    'guestLinks.release': () => stores.guestLinks.release('x'),
    'accountTokens.issue': () =>
      stores.accountTokens.issue(
        mintAccountToken({ purpose: 'password-reset', userId: user.id, now: sampleDate(0), ttlSeconds: 60 }).record,
      ),
    'accountTokens.consume': () => stores.accountTokens.consume('x', 'password-reset', sampleDate(0)),
    'accountTokens.deleteAllForUser': () => stores.accountTokens.deleteAllForUser(user.id),
  };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A server that accepts connections and never answers (a hung engine or a black-holing network). */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * A TCP proxy in front of the engine that forwards each request and, when the engine's answer starts to come back,
 * resets the client's connection instead of passing it on: the request was received and applied, the caller only
 * sees a reset (a load balancer or NAT dropping the flow after the request went out). With `closeAfterResets`, it
 * stops listening after that many resets, so the SDK's retry meets a refused connection.
 */
async function resettingProxy(
  targetPort: number,
  options: { closeAfterResets?: number } = {},
): Promise<{ port: number; readonly resets: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let resets = 0;
  let closed = false;
  const server: Server = createServer((inbound) => {
    const outbound = connect(targetPort, '127.0.0.1');
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    }
    inbound.on('data', (chunk) => outbound.write(chunk));
    inbound.on('close', () => outbound.destroy());
    outbound.on('data', () => {
      if (inbound.destroyed) return;
      resets++;
      inbound.resetAndDestroy();
      outbound.destroy();
      if (options.closeAfterResets !== undefined && resets >= options.closeAfterResets && !closed) {
        closed = true;
        server.close();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    get resets() {
      return resets;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      if (!closed) {
        closed = true;
        await new Promise((resolve) => server.close(resolve));
      }
    },
  };
}

if (!engine.available) {
  describe.skip(`DynamoDB faults (${engine.reason})`, () => {
    it('needs an engine', () => {});
  });
} else {
  const client = newClient(engine.endpoint);
  const tableName = await newTable(client);
  const healthy = createDynamoDbStores({ client, tableName });

  describe('an unreachable engine', () => {
    it('a closed port: UpstreamUnavailableError within the bound, SDK retries counted, nothing written', async () => {
      const unreachable = newClient(`http://127.0.0.1:${await closedPort()}`, FAST_FAILING);
      const requests = countRequests(unreachable);
      const stores = createDynamoDbStores({ client: unreachable, tableName });
      const user = sampleUser();

      // Nothing was ever sent: the error says so (a caller may undo its own side effects).
      expectUpstreamUnavailable(await failure(() => stores.users.create(user)), { notApplied: true });
      expect(requests.total).toBe(FAST_FAILING.maxAttempts);
      for (const [name, operation] of Object.entries(everyOperation(stores))) {
        const outcome = await failure(operation);
        expect(outcome.error, name).toBeInstanceOf(UpstreamUnavailableError);
        expect((outcome.error as UpstreamUnavailableError).notApplied, name).toBe(true);
        expectUpstreamUnavailable(outcome);
      }

      // Pointed back at the engine: the user is absent and the username free.
      expect(await healthy.users.findById(user.id)).toBeNull();
      expect(await healthy.users.findByUsername(user.username)).toBeNull();
      await healthy.users.create(user);
      expect(await healthy.users.findByUsername(user.username)).toEqual(user);
    });

    it('a server that never answers: UpstreamUnavailableError after the request timeout', async () => {
      const server = await silentServer();
      try {
        const hung = newClient(`http://127.0.0.1:${server.port}`, FAST_FAILING);
        const stores = createDynamoDbStores({ client: hung, tableName });
        const user = sampleUser();
        // The request went out and no answer came: it may have been applied.
        expectUpstreamUnavailable(await failure(() => stores.users.create(user)), { notApplied: false });
        expectUpstreamUnavailable(await failure(() => stores.users.findByUsername(user.username)));
        expect(await healthy.users.findByUsername(user.username)).toBeNull();
      } finally {
        await server.close();
      }
    });

    it('a reset after the request was sent: UpstreamUnavailableError without notApplied, and the write did commit', async () => {
      const proxy = await resettingProxy(Number(new URL(engine.endpoint).port));
      try {
        const link = {
          secretHash: `gl_${randomUUID()}`,
          identityId: `us-east-1:${randomUUID()}`,
          createdAt: sampleDate(0),
          expiresAt: sampleDate(3600),
          usedAt: null,
        };
        await healthy.guestLinks.create(link);
        // Warm the engine for this kind of request (a cold JVM can be slow to answer the first one).
        await healthy.guestLinks.consume(`gl_${randomUUID()}`, link.identityId, sampleDate(1));
        const stores = createDynamoDbStores({
          client: newClient(`http://127.0.0.1:${proxy.port}`, PATIENT),
          tableName,
        });
        const outcome = await failure(() => stores.guestLinks.consume(link.secretHash, link.identityId, sampleDate(1)));
        expectUpstreamUnavailable(outcome, { notApplied: false });
        // Every SDK attempt reached the engine and was reset on its way back.
        expect(proxy.resets).toBe(PATIENT.maxAttempts);
        // Why the flag must stay false: the link was spent, releasing it "because nothing happened" would be wrong.
        expect(await healthy.guestLinks.consume(link.secretHash, link.identityId, sampleDate(2))).toBe(false);
      } finally {
        await proxy.close();
      }
    });

    it('a reset after sending, then a refused retry: still not notApplied (the first attempt committed)', async () => {
      const proxy = await resettingProxy(Number(new URL(engine.endpoint).port), { closeAfterResets: 1 });
      try {
        await healthy.users.create(sampleUser());
        const stores = createDynamoDbStores({
          client: newClient(`http://127.0.0.1:${proxy.port}`, PATIENT),
          tableName,
        });
        const user = sampleUser();
        const outcome = await failure(() => stores.users.create(user));
        expectUpstreamUnavailable(outcome, { notApplied: false });
        expect(proxy.resets).toBe(1);
        // The last attempt was refused (never sent), the first one had committed the registration.
        expect((outcome.error as Error).cause).toMatchObject({ attempts: PATIENT.maxAttempts });
        expect(((outcome.error as Error).cause as DynamoDbErrorDetails).message).toMatch(/ECONNREFUSED/);
        expect(await healthy.users.findByUsername(user.username)).toEqual(user);
      } finally {
        await proxy.close();
      }
    });

    it.skipIf(engine.local === undefined)(
      'a stopped DynamoDB Local: UpstreamUnavailableError within the bound; after a restart the failed registration left nothing',
      async () => {
        const stores = createDynamoDbStores({ client: newClient(engine.endpoint, FAST_FAILING), tableName });
        const before = sampleUser();
        await stores.users.create(before);

        const local = engine.local!;
        await local.stop();
        const user = sampleUser({ email: `${randomUUID()}@example.test` });
        expectUpstreamUnavailable(await failure(() => stores.users.create(user)));
        expectUpstreamUnavailable(await failure(() => stores.users.findByUsername(before.username)));
        // A client with no connection pooled from before the stop can only be refused: nothing was sent. (The client
        // above may write to a keep-alive socket the engine's death has not yet closed on this side; that reset says
        // nothing about whether the request was received, so it is rightly not notApplied.)
        const fresh = createDynamoDbStores({ client: newClient(engine.endpoint, FAST_FAILING), tableName });
        expectUpstreamUnavailable(await failure(() => fresh.users.create(user)), { notApplied: true });

        const restart = startDynamoDbLocal({ port: local.port, dbPath });
        started.push(restart);
        await restart;
        // Read back with a patient client: a JVM just started can take over a second on its first requests on a
        // loaded machine, and the fast-failing client's 1 s bound is what was under test above, not here.
        const after = createDynamoDbStores({ client: newClient(engine.endpoint), tableName });
        // The data written before the stop survived, so the absence of the failed write is meaningful.
        expect(await after.users.findByUsername(before.username)).toEqual(before);
        expect(await after.users.findById(user.id)).toBeNull();
        expect(await after.users.findByUsername(user.username)).toBeNull();
        await after.users.create(user);
        expect(await after.users.findByUsername(user.username)).toEqual(user);
      },
      // A stop and a JVM start: seconds alone, longer on a loaded machine.
      90_000,
    );
  });
}
