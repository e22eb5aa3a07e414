import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDynamoDbStores, DynamoDbErrorDetails, type DynamoDbStores } from '@devauth/adapters-dynamodb';
import { countRequests, type DynamoDbLocal, startDynamoDbLocal } from '@devauth/adapters-dynamodb/testing';
import { nextVersion, UpstreamUnavailableError } from '@devauth/core';
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

function expectUpstreamUnavailable({ error, ms }: { error: unknown; ms: number }): void {
  expect(error).toBeInstanceOf(UpstreamUnavailableError);
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
    'users.findByIdentityId': () => stores.users.findByIdentityId('us-east-1:x'),
    'users.update': () => stores.users.update(nextVersion(user, { status: 'disabled' }, sampleDate(1))),
    'users.delete': () => stores.users.delete(user.id),
    'refreshTokens.issue': () => stores.refreshTokens.issue(token),
    'refreshTokens.find': () => stores.refreshTokens.find(token.tokenHash),
    'refreshTokens.rotate': () => stores.refreshTokens.rotate(token.tokenHash, sampleRefreshToken()),
    'refreshTokens.revokeFamily': () => stores.refreshTokens.revokeFamily(token.familyId),
    'loginAttempts.get': () => stores.loginAttempts.get(['user:x']),
    'loginAttempts.recordFailure': () => stores.loginAttempts.recordFailure(['user:x'], sampleDate(0), 60),
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

      expectUpstreamUnavailable(await failure(() => stores.users.create(user)));
      expect(requests.total).toBe(FAST_FAILING.maxAttempts);
      for (const [name, operation] of Object.entries(everyOperation(stores))) {
        const outcome = await failure(operation);
        expect(outcome.error, name).toBeInstanceOf(UpstreamUnavailableError);
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
        expectUpstreamUnavailable(await failure(() => stores.users.create(user)));
        expectUpstreamUnavailable(await failure(() => stores.users.findByUsername(user.username)));
        expect(await healthy.users.findByUsername(user.username)).toBeNull();
      } finally {
        await server.close();
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

        const restart = startDynamoDbLocal({ port: local.port, dbPath });
        started.push(restart);
        await restart;
        // The data written before the stop survived, so the absence of the failed write is meaningful.
        expect(await stores.users.findByUsername(before.username)).toEqual(before);
        expect(await stores.users.findById(user.id)).toBeNull();
        expect(await stores.users.findByUsername(user.username)).toBeNull();
        await stores.users.create(user);
        expect(await stores.users.findByUsername(user.username)).toEqual(user);
      },
      // A stop and a JVM start: seconds alone, longer on a loaded machine.
      90_000,
    );
  });
}
