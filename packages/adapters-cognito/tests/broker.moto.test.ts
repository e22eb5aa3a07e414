import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';
import {
  type CognitoIdentityClient,
  CreateIdentityPoolCommand,
  DescribeIdentityPoolCommand,
  GetCredentialsForIdentityCommand,
  GetOpenIdTokenCommand,
} from '@aws-sdk/client-cognito-identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CognitoIdentityBroker } from '../src/index.js';
import { closedPort, sdkClient } from './helpers.js';

// Wire compatibility with a second, independent implementation of the Cognito Identity protocol: moto_server.
// moto's semantics are fake (it ignores pool, Logins, PrincipalTags and TokenDuration, returns a random identity per
// call and a non-JWT token), so these tests check only the wire: the request is accepted and the response fields are
// present and typed. moto implements neither UnlinkDeveloperIdentity nor DeleteIdentities: removeIdentity is covered
// by the emulator tests only.

function onPath(command: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // Not in this directory.
    }
  }
  return false;
}

const motoMissing = !onPath('moto_server');
const PROVIDER = 'login.moto.test';
let moto: ChildProcess | undefined;
let endpoint: string;
let client: CognitoIdentityClient;
let identityPoolId: string;

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (moto?.exitCode !== null && moto?.exitCode !== undefined)
      throw new Error(`moto_server exited (${moto.exitCode})`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto_server did not listen on ${port} within ${timeoutMs} ms`);
}

describe('moto_server availability', () => {
  // Under CI the wire-compatibility tests are required; locally they are skipped without moto.
  it.runIf(Boolean(process.env.CI))('moto_server is installed (required under CI)', () => {
    expect(motoMissing, 'moto_server not found on PATH').toBe(false);
  });
});

describe.skipIf(motoMissing)('CognitoIdentityBroker against moto_server (wire compatibility)', () => {
  beforeAll(async () => {
    const port = await closedPort();
    // Own process group (detached), so afterAll can kill moto and anything it spawned.
    moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { detached: true, stdio: 'ignore' });
    await waitForPort(port, 20_000);
    endpoint = `http://127.0.0.1:${port}`;
    client = sdkClient(endpoint, 1);
    const pool = await client.send(
      new CreateIdentityPoolCommand({
        IdentityPoolName: 'devauth_moto',
        AllowUnauthenticatedIdentities: true,
        DeveloperProviderName: PROVIDER,
      }),
    );
    identityPoolId = pool.IdentityPoolId!;
  });

  afterAll(async () => {
    client?.destroy();
    if (moto?.pid === undefined || moto.exitCode !== null) return;
    const exited = new Promise((resolve) => moto!.once('exit', resolve));
    process.kill(-moto.pid, 'SIGTERM');
    const killed = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 3_000))]);
    if (!killed) process.kill(-moto.pid, 'SIGKILL');
  });

  const broker = () =>
    new CognitoIdentityBroker({
      identityPoolId,
      developerProviderName: PROVIDER,
      client,
      clock: { now: () => new Date('2030-01-01T00:00:00Z') },
    });

  it('CreateIdentityPool and DescribeIdentityPool: accepted, fields present and typed', async () => {
    expect(identityPoolId).toMatch(/^us-east-1:[0-9a-f-]+$/);
    const described = await client.send(new DescribeIdentityPoolCommand({ IdentityPoolId: identityPoolId }));
    expect(described).toMatchObject({
      IdentityPoolId: identityPoolId,
      IdentityPoolName: 'devauth_moto',
      AllowUnauthenticatedIdentities: true,
      DeveloperProviderName: PROVIDER,
    });
  });

  it('GetId (createGuestIdentity): accepted, IdentityId is a <region>:<uuid> string', async () => {
    const { identityId } = await broker().createGuestIdentity();
    expect(identityId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);
  });

  it('GetOpenIdTokenForDeveloperIdentity (getTokenForUser): accepted; fake semantics (random identity, non-JWT token), so only the wire is checked', async () => {
    const result = await broker().getTokenForUser({
      developerUserId: 'moto-user',
      principalTags: { role: 'buyer' },
      tokenDurationSeconds: 600,
    });
    expect(result.identityId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);
    expect(typeof result.token).toBe('string');
    expect(result.token.length).toBeGreaterThan(0);
    // moto's token is not a JWT: expiresAt falls back to clock + TokenDuration.
    expect(result.expiresAt.toISOString()).toBe('2030-01-01T00:10:00.000Z');
    expect(result.identityReplaced).toBe(false);
  });

  it('GetOpenIdTokenForDeveloperIdentity with IdentityId: accepted; moto echoes the id (it does no linking)', async () => {
    const { identityId } = await broker().createGuestIdentity();
    const result = await broker().getTokenForUser({
      developerUserId: 'moto-user-2',
      identityId,
      principalTags: {},
      tokenDurationSeconds: 60,
    });
    expect(result).toMatchObject({ identityId, identityReplaced: false });
  });

  it('GetCredentialsForIdentity: accepted; fake credentials, checked for shape only', async () => {
    const { identityId, token } = await broker().getTokenForUser({
      developerUserId: 'moto-user-3',
      principalTags: {},
      tokenDurationSeconds: 60,
    });
    const output = await client.send(
      new GetCredentialsForIdentityCommand({
        IdentityId: identityId,
        Logins: { 'cognito-identity.amazonaws.com': token },
      }),
    );
    expect(output.IdentityId).toBe(identityId);
    expect(output.Credentials).toMatchObject({
      AccessKeyId: expect.any(String),
      SecretKey: expect.any(String),
      SessionToken: expect.any(String),
      Expiration: expect.any(Date),
    });
  });

  it('GetOpenIdToken: accepted, IdentityId and Token present', async () => {
    const { identityId } = await broker().createGuestIdentity();
    const output = await client.send(new GetOpenIdTokenCommand({ IdentityId: identityId }));
    expect(output.IdentityId).toBe(identityId);
    expect(typeof output.Token).toBe('string');
  });
});
