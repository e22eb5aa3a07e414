import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CognitoIdentityClient, DescribeIdentityPoolCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { afterEach, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'src', 'cli.ts');
const tsx = createRequire(import.meta.url).resolve('tsx');

let child: ChildProcess | undefined;

/** Runs the CLI from source (tsx) in its own process group, and returns its first stdout line. */
async function startCli(args: string[]): Promise<string> {
  child = spawn(process.execPath, ['--conditions=@devauth/source', '--import', tsx, cli, ...args], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`devauth-local exited early with ${code}`);
    }),
  ])) as [string];
  return line;
}

afterEach(() => {
  // Whatever happened in the test, nothing may survive it.
  if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  child = undefined;
});

describe('devauth-local CLI', () => {
  it('starts on a free port with one pool, prints it, serves it and stops on SIGTERM', async () => {
    const line = await startCli([
      '--json',
      '--provider',
      'login.cli.test',
      '--pool-id',
      'us-east-1:00000000-0000-4000-8000-00000000c11a',
      '--no-guests',
    ]);
    const summary = JSON.parse(line) as {
      endpoint: string;
      identityPoolId: string;
      allowUnauthenticatedIdentities: boolean;
    };
    expect(summary).toMatchObject({
      identityPoolId: 'us-east-1:00000000-0000-4000-8000-00000000c11a',
      developerProviderName: 'login.cli.test',
      allowUnauthenticatedIdentities: false,
      endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
    });

    const client = new CognitoIdentityClient({
      endpoint: summary.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    const described = await client.send(new DescribeIdentityPoolCommand({ IdentityPoolId: summary.identityPoolId }));
    expect(described.DeveloperProviderName).toBe('login.cli.test');
    await expect(client.send(new GetIdCommand({ IdentityPoolId: summary.identityPoolId }))).rejects.toMatchObject({
      name: 'NotAuthorizedException',
    });
    client.destroy();

    const exited = once(child!, 'exit');
    child!.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
  });

  it('serves only its own Host names plus those given with --allowed-host', async () => {
    const line = await startCli(['--json', '--allowed-host', 'devbox.cli.test', '--allowed-host', 'other.cli.test']);
    const { endpoint } = JSON.parse(line) as { endpoint: string };
    const url = new URL(endpoint);
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const outgoing = request(
          { host: url.hostname, port: url.port, path: '/.well-known/jwks.json', headers: { host }, agent: false },
          (incoming) => {
            incoming.resume();
            resolve(incoming.statusCode ?? 0);
          },
        );
        outgoing.on('error', reject);
        outgoing.end();
      });
    expect(await status('devbox.cli.test')).toBe(200);
    expect(await status(`other.cli.test:${url.port}`)).toBe(200);
    expect(await status(url.host)).toBe(200);
    expect(await status('evil.example')).toBe(403);
    const exited = once(child!, 'exit');
    child!.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
  });

  it('prints a readable summary and stops on SIGINT', async () => {
    const first = await startCli([]);
    expect(first).toBe('devauth-local identity-pool emulator');
    const exited = once(child!, 'exit');
    child!.kill('SIGINT');
    const [code] = await exited;
    expect(code).toBe(0);
  });

  it.each([
    [['--port', 'x'], 'Invalid --port'],
    [['--pool-id', 'not-a-pool'], 'Invalid identity pool id'],
    [['--link-conflict', 'maybe'], 'Invalid --link-conflict'],
  ])('refuses bad options %j and exits', async (args, message) => {
    child = spawn(process.execPath, ['--conditions=@devauth/source', '--import', tsx, cli, ...args], {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(stderr).toContain(message);
  });
});
