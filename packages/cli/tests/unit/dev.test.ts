import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, devauth, scratch } from './support.js';

const tsx = createRequire(import.meta.url).resolve('tsx');
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function project(config: string): string {
  const { dir, cleanup } = scratch('dev');
  cleanups.push(cleanup);
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(dir, 'devauth.config.ts'), config);
  mkdirSync(join(dir, 'handlers'));
  writeFileSync(join(dir, 'handlers', 'hello.ts'), 'export const handler = () => ({ body: { hello: true } });\n');
  return dir;
}

const CONFIG =
  "export default { routes: [{ method: 'GET', path: '/hello', roles: ['guest'], handler: './handlers/hello.ts' }] };\n";

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

describe('devauth dev', () => {
  it('serves until Ctrl+C, then stops everything it started and exits 0', async () => {
    const dir = project(CONFIG);
    const child = spawn(process.execPath, ['--conditions=@devauth/source', '--import', tsx, BIN, 'dev', '--json'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir, LANG: 'C.UTF-8' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    const [line] = (await once(child.stdout.setEncoding('utf8'), 'data')) as [string];
    const info = JSON.parse(line.split('\n')[0]!);
    expect(info).toMatchObject({ store: 'pglite', dataDir: join(dir, '.devauth'), identityPoolId: expect.any(String) });
    // Unsigned: refused as API Gateway refuses a call without SigV4, so the gateway is up and enforcing.
    expect((await fetch(`${info.apiUrl}/hello`)).status).toBe(403);
    expect((await fetch(info.outboxUrl)).status).toBe(200);
    child.kill('SIGINT');
    const [code] = await once(child, 'close');
    expect({ code, stderr }).toMatchObject({ code: 0, stderr: expect.stringContaining('SIGINT received, stopping') });
    const ports = [info.apiUrl, info.cognitoEndpoint, info.outboxUrl].map((url: string) => Number(new URL(url).port));
    expect(await Promise.all(ports.map(refused))).toEqual([true, true, true]);
  });

  it('fails in words on a bad config, with exit code 1 and nothing left running', async () => {
    const dir = project(
      "export default { routes: [{ method: 'GET', path: '/hello', handler: './handlers/hello.ts' }] };\n",
    );
    const result = await devauth(['dev'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/is not a valid devauth dev config:\n\s+routes\.0\.roles/);
    const usage = await devauth(['dev', '--store', 'dynamodb'], { cwd: dir });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--store must be pglite or memory');
  });
});
