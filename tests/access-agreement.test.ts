/**
 * One access table, three enforcers: the IAM policies generated from it (as the local gateway evaluates them on
 * SigV4-signed calls), the in-Lambda guard, and the table itself. For every route, role and payload version, all three
 * must give the same answer.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import { InMemoryUserStore, sampleUser } from '@devauth/core/testing';
import { createGuard, EXAMPLE_ACCESS_TABLE, isAllowed } from '@devauth/lambda-handlers/access';
import { startIdentityPoolEmulator, startLocalGateway } from '@devauth/local';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const region = 'us-east-1';
const provider = 'login.agreement.test';
type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken: string };

describe('Access table agreement: IAM at the gateway, the guard, the table', () => {
  const stops: Array<() => Promise<unknown>> = [];
  const credentials = new Map<string, Credentials>();
  const guardSaw: string[] = [];
  let endpoints: Record<'v1' | 'v2', string>;

  beforeAll(async () => {
    const emulator = await startIdentityPoolEmulator({ region });
    stops.push(() => emulator.stop());
    const pool = emulator.createPool({ developerProviderName: provider, allowUnauthenticatedIdentities: true });
    const client = new CognitoIdentityClient({
      endpoint: emulator.endpoint,
      region,
      credentials: { accessKeyId: 'backend', secretAccessKey: 'backend' },
    });
    const users = new InMemoryUserStore();
    const toCredentials = (c: { AccessKeyId?: string; SecretKey?: string; SessionToken?: string } | undefined) => ({
      accessKeyId: c?.AccessKeyId ?? '',
      secretAccessKey: c?.SecretKey ?? '',
      sessionToken: c?.SessionToken ?? '',
    });
    const guest = await client.send(new GetIdCommand({ IdentityPoolId: pool.identityPoolId }));
    const guestCredentials = await client.send(new GetCredentialsForIdentityCommand({ IdentityId: guest.IdentityId }));
    credentials.set('guest', toCredentials(guestCredentials.Credentials));
    for (const role of ['shopper', 'seller']) {
      const user = sampleUser({ role });
      const token = await client.send(
        new GetOpenIdTokenForDeveloperIdentityCommand({
          IdentityPoolId: pool.identityPoolId,
          Logins: { [provider]: user.id },
          PrincipalTags: { role },
        }),
      );
      await users.create({ ...user, identityId: token.IdentityId ?? null });
      const issued = await client.send(
        new GetCredentialsForIdentityCommand({
          IdentityId: token.IdentityId,
          Logins: { 'cognito-identity.amazonaws.com': token.Token ?? '' },
        }),
      );
      credentials.set(role, toCredentials(issued.Credentials));
    }
    client.destroy();

    const guard = createGuard({ table: EXAMPLE_ACCESS_TABLE, users, identityPoolId: pool.identityPoolId });
    const handler = async (event: unknown) => {
      const decision = await guard.authorize(event);
      guardSaw.push(decision.allowed ? 'allowed' : `denied ${decision.statusCode}`);
      return { statusCode: decision.allowed ? 200 : decision.statusCode, body: '{}' };
    };
    endpoints = { v1: '', v2: '' };
    for (const payload of ['v1', 'v2'] as const) {
      const gateway = await startLocalGateway({
        region,
        emulator,
        accessTable: EXAMPLE_ACCESS_TABLE,
        identityPoolId: pool.identityPoolId,
        routes: EXAMPLE_ACCESS_TABLE.routes.map((route) => ({
          method: route.method,
          path: route.path,
          payload,
          auth: 'AWS_IAM' as const,
          handler,
        })),
      });
      stops.push(() => gateway.stop());
      endpoints[payload] = gateway.endpoint;
    }
  });

  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  const cases = EXAMPLE_ACCESS_TABLE.routes.flatMap((route) =>
    ['guest', 'shopper', 'seller'].flatMap((role) =>
      (['v1', 'v2'] as const).map((payload) => ({
        method: route.method,
        path: route.path.replace('{id}', 'teapot'),
        role,
        payload,
      })),
    ),
  );

  it.each(cases)('$method $path as $role ($payload)', async ({ method, path, role, payload }) => {
    const url = new URL(`${endpoints[payload]}${path}`);
    const signer = new SignatureV4({
      credentials: credentials.get(role)!,
      region,
      service: 'execute-api',
      sha256: Sha256,
    });
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: {},
      headers: { host: url.host },
    });
    const before = guardSaw.length;
    const response = await fetch(url, { method, headers: signed.headers as Record<string, string> });
    const expected = isAllowed(EXAMPLE_ACCESS_TABLE, method, path, role);

    expect(response.status).toBe(expected ? 200 : 403);
    if (expected) {
      // IAM let it through and the guard, reading the event's IAM identity fields, agreed.
      expect(guardSaw.slice(before)).toEqual(['allowed']);
    } else {
      // IAM refused it, as API Gateway would, before the Lambda ran.
      expect(((await response.json()) as { message: string }).message).toMatch(
        /is not authorized to perform: execute-api:Invoke/,
      );
      expect(guardSaw.length).toBe(before);
    }
  });
});
