import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalStack } from '@devauth/dev';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveInputs } from '../scripts/smoke-aws.js';
import { startShopStack } from './support/shop-stack.js';

/**
 * `pnpm smoke:aws` (scripts/smoke-aws.ts) runs against a deployed stack with the caller's AWS credentials, so CI
 * cannot run it for real. These tests check what can be checked here: that it refuses to start without its inputs
 * and says exactly what is missing, how it reads a `cdk deploy --outputs-file` file, and that the journey itself
 * holds end to end against the local stack (identity-pool emulator + local gateway), printing no secret.
 */

const SCRIPT = ['--conditions=@devauth/source', '--import', 'tsx', 'scripts/smoke-aws.ts'];

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function runScript(args: readonly string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...SCRIPT, ...args], { env, timeout: 90_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

let home: string;

/** Nothing of the caller's environment: no AWS or DEVAUTH variables, and a home without ~/.aws. */
function bareEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: home,
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'absent-credentials'),
    AWS_CONFIG_FILE: join(home, 'absent-config'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'devauth-smoke-aws-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('pnpm smoke:aws without inputs', () => {
  it('exits non-zero, sends nothing and names every missing input', async () => {
    const { code, stdout, stderr } = await runScript([], bareEnv());
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('cannot start, nothing was sent');
    expect(stderr).toContain('API URL: pass --api-url <url>, set DEVAUTH_API_URL');
    expect(stderr).toContain('identity pool id: pass --identity-pool-id');
    expect(stderr).toContain('region: pass --region');
    expect(stderr).toContain('AWS credentials (to delete the Cognito identities this run creates): none');
    expect(stderr).toContain('--keep-identities');
  });
});

describe('smoke:aws inputs', () => {
  const outputs = (name: string, json: unknown) => {
    const file = join(home, name);
    writeFileSync(file, JSON.stringify(json));
    return file;
  };
  const stack = {
    ApiUrlA1B2C3: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/',
    IdentityPoolIdD4E5: 'eu-west-1:11111111-2222-3333-4444-555555555555',
  };

  it('reads the one stack of a cdk outputs file whose keys contain ApiUrl and IdentityPoolId', () => {
    const file = outputs('one.json', { Other: { BucketName: 'b' }, Devauth: { ...stack, RegionX: 'eu-west-1' } });
    const result = resolveInputs(['--outputs', file, '--keep-identities'], {});
    expect(result).toMatchObject({
      kind: 'inputs',
      inputs: {
        apiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod',
        identityPoolId: stack.IdentityPoolIdD4E5,
        region: 'eu-west-1',
        deniedMethod: 'POST',
        deniedPath: '/products',
      },
    });
  });

  it('asks for --stack when several stacks match, and flags beat the file', () => {
    const file = outputs('two.json', { A: stack, B: stack });
    const ambiguous = resolveInputs(['--outputs', file], {});
    expect(ambiguous.kind === 'problems' && ambiguous.problems.join('\n')).toMatch(
      /several stacks match \(A, B\).*--stack/,
    );
    const chosen = resolveInputs(['--outputs', file, '--stack', 'B', '--api-url', 'https://api.example.com'], {});
    expect(chosen).toMatchObject({
      kind: 'inputs',
      inputs: { apiUrl: 'https://api.example.com', region: 'eu-west-1' },
    });
  });

  it('refuses a region other than the pool id says, and plain http off this machine', () => {
    const result = resolveInputs(
      ['--api-url', 'http://api.example.com', '--identity-pool-id', stack.IdentityPoolIdD4E5, '--region', 'us-east-1'],
      {},
    );
    expect(result.kind).toBe('problems');
    const problems = result.kind === 'problems' ? result.problems.join('\n') : '';
    expect(problems).toContain('must be https');
    expect(problems).toContain('is not the identity pool\'s region "eu-west-1"');
  });
});

/** The values of these keys in any JSON body that crosses the proxy are secrets the script must never print. */
const SECRET_KEYS = new Set(['password', 'openIdToken', 'refreshToken', 'guestLinkSecret']);

function collectSecrets(body: Buffer, into: Set<string>, identityIds: Set<string>): void {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return;
  }
  const walk = (value: unknown) => {
    if (value === null || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries(value)) {
      if (typeof inner === 'string' && SECRET_KEYS.has(key)) into.add(inner);
      if (typeof inner === 'string' && key === 'identityId') identityIds.add(inner);
      walk(inner);
    }
  };
  walk(json);
}

/**
 * A loopback proxy in front of the local gateway that records every secret in the bodies it forwards: the issued
 * tokens, the refresh tokens, the guest link secret, and the password the script chose. The Host header is passed
 * on unchanged, so the SigV4 signatures (which cover it) stay valid; the local servers do not compare its port.
 */
async function startRecordingProxy(target: string) {
  const secrets = new Set<string>();
  const identityIds = new Set<string>();
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      collectSecrets(body, secrets, identityIds);
      const upstream = request(
        new URL(incoming.url ?? '/', target),
        { method: incoming.method, headers: incoming.headers },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('end', () => {
            const answerBody = Buffer.concat(parts);
            collectSecrets(answerBody, secrets, identityIds);
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            outgoing.end(answerBody);
          });
        },
      );
      upstream.on('error', () => {
        outgoing.writeHead(502);
        outgoing.end();
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    secrets,
    identityIds,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('pnpm smoke:aws against the local stack', () => {
  let stack: LocalStack;
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;

  beforeAll(async () => {
    stack = await startShopStack();
    proxy = await startRecordingProxy(stack.endpoint);
  });
  afterAll(async () => {
    await proxy?.close();
    await stack?.stop();
  });

  it('runs the whole journey, cleans up its Cognito identity, exits 0 and prints no secret', async () => {
    const file = join(home, 'cdk-outputs.json');
    writeFileSync(
      file,
      JSON.stringify({
        Unrelated: { BucketName: 'assets' },
        DevauthSmoke: { ApiUrl5E8F21: `${proxy.url}/`, IdentityPoolId9C3A: stack.identityPoolId, Region: stack.region },
      }),
    );
    // The backend credentials startLocalStack gives its emulator (packages/dev/src/local-stack.ts): DeleteIdentities
    // is a developer operation, so the emulator verifies its SigV4 signature against them, as Cognito would.
    const env = bareEnv({
      AWS_ACCESS_KEY_ID: 'devauth-local-backend',
      AWS_SECRET_ACCESS_KEY: 'devauth-local-backend-secret',
    });
    const { code, stdout, stderr } = await runScript(
      ['--outputs', file, '--cognito-endpoint', stack.emulator.endpoint, '--timeout', '60'],
      env,
    );

    expect(stdout).toContain('smoke:aws OK: every check held');
    expect(stdout).not.toContain('✗');
    expect(code).toBe(0);
    for (const step of [
      '1. guest',
      '2. register',
      '3. log in',
      '4. AWS',
      '5. an allowed',
      '6. a denied',
      '7. refresh',
      '8. log out',
    ]) {
      expect(stdout).toContain(step);
    }
    expect(stdout).toContain('403: IAM refuses this route to the role');
    expect(stdout).toContain('the session is revoked: its refresh token is refused (401)');

    // Every secret the stack issued or the script sent went through the proxy (or the emulator); none is printed.
    for (const issued of stack.emulator.credentials.list()) {
      proxy.secrets.add(issued.accessKeyId).add(issued.secretAccessKey).add(issued.sessionToken);
    }
    // The password, the guest link secret, two refresh tokens, the OpenID token(s) and the three credential parts.
    expect(proxy.secrets.size).toBeGreaterThanOrEqual(8);
    for (const secret of proxy.secrets) {
      expect(stdout).not.toContain(secret);
      expect(stderr).not.toContain(secret);
    }
    expect(stdout).not.toMatch(/eyJ[\w-]*\.[\w-]+\./);

    // Its one identity (the guest's, upgraded in place) is deleted; the user stays, and the output says so.
    expect(proxy.identityIds.size).toBe(1);
    for (const identityId of proxy.identityIds) {
      expect(stdout).toContain(identityId);
      expect(stack.emulator.pools.identity(identityId)).toBeUndefined();
    }
    const username = /registered "([^"]+)"/.exec(stdout)?.[1];
    expect(username).toMatch(/^smoke-/);
    expect(await stack.stores.users.findByUsername(username!)).not.toBeNull();
    expect(stdout).toContain(`the throwaway user "${username}"`);
  }, 120_000);
});
