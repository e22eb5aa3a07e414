import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createDevauthClient } from '@devauth/client';
import { afterEach, describe, expect, it } from 'vitest';
import { type DevServer, DevServerError, type DevServerOptions, startDevServer } from '../src/index.js';
import { CONFIG_WITH_PRODUCTS, type DevAppFixture, devAppFixture } from './dev-app-fixture.js';

const PASSWORD = 'correct horse battery staple';
const servers: DevServer[] = [];
const fixtures: DevAppFixture[] = [];

async function start(fixture: DevAppFixture, options: DevServerOptions = {}): Promise<DevServer> {
  const server = await startDevServer({ cwd: fixture.dir, ...options });
  servers.push(server);
  return server;
}

function app(config?: string): DevAppFixture {
  const fixture = devAppFixture(config);
  fixtures.push(fixture);
  return fixture;
}

function clientOf(server: DevServer) {
  const { apiUrl, region, cognitoEndpoint } = server.info;
  return createDevauthClient({ baseUrl: apiUrl, region, cognito: { endpoint: cognitoEndpoint } });
}

async function products(server: DevServer, client: ReturnType<typeof clientOf>): Promise<unknown> {
  const response = await client.signedFetch(`${server.info.apiUrl}/products`);
  const body = await response.json();
  expect({ status: response.status, body }).toMatchObject({ status: 200 });
  return body;
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: last ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
  for (const fixture of fixtures.splice(0)) fixture.cleanup();
});

describe('startDevServer', () => {
  it('keeps users, sessions and IdentityIds in the data directory across a restart', async () => {
    const fixture = app();
    const first = await start(fixture);
    expect(first.info).toMatchObject({ store: 'pglite', dataDir: join(fixture.dir, '.devauth') });
    // What a web build reads: the same settings as the server's.
    expect(JSON.parse(readFileSync(first.infoFile, 'utf8'))).toEqual(first.info);
    const client = clientOf(first);
    await client.register({ username: 'ada', password: PASSWORD });
    const session = await client.login({ username: 'ada', password: PASSWORD });
    expect(await products(first, client)).toEqual({ products: ['teapot'], role: 'shopper' });
    await first.stop();

    const second = await start(fixture);
    expect(second.info.identityPoolId).toBe(first.info.identityPoolId);
    const again = clientOf(second);
    // The session from before the restart refreshes: its refresh token was kept.
    const refreshed = await again.refresh(session.refreshToken);
    expect(refreshed.identityId).toBe(session.identityId);
    const relogin = await again.login({ username: 'ada', password: PASSWORD });
    expect(relogin.identityId).toBe(session.identityId);
    expect(await products(second, again)).toEqual({ products: ['teapot'], role: 'shopper' });
  });

  it('keeps nothing with --store memory', async () => {
    const fixture = app();
    const first = await start(fixture, { store: 'memory' });
    await clientOf(first).register({ username: 'ada', password: PASSWORD });
    await first.stop();
    const second = await start(fixture, { store: 'memory' });
    await expect(clientOf(second).login({ username: 'ada', password: PASSWORD })).rejects.toMatchObject({
      code: 'INVALID_CREDENTIALS',
    });
  });

  it('reloads edited handlers, and a changed route table on the same ports, without losing the store', async () => {
    const fixture = app();
    const server = await start(fixture, { store: 'memory' });
    const client = clientOf(server);
    await client.register({ username: 'ada', password: PASSWORD });
    await client.login({ username: 'ada', password: PASSWORD });
    const apiUrl = server.info.apiUrl;

    // A module the handler imports, not the handler itself: the whole local module graph is loaded again.
    fixture.write('handlers/names.ts', "export const NAMES: string[] = ['teapot', 'kettle'];\n");
    await until(
      () => products(server, client),
      (body) => JSON.stringify(body).includes('kettle'),
      'the new handler',
    );

    fixture.write(
      'devauth.config.ts',
      CONFIG_WITH_PRODUCTS.replace(
        '  ],',
        "    { method: 'POST', path: '/products', roles: ['seller'], handler: './handlers/products.ts', export: 'create' },\n  ],",
      ),
    );
    await until(
      async () => server.info.routes.length,
      (count) => count === 2,
      'the new route table',
    );
    expect(server.info.apiUrl).toBe(apiUrl);
    expect(JSON.parse(readFileSync(server.infoFile, 'utf8')).routes).toHaveLength(2);
    // The shopper's session still works (same store, same identities); the seller-only route refuses it at the gateway.
    expect(await products(server, client)).toEqual({ products: ['teapot', 'kettle'], role: 'shopper' });
    const create = await client.signedFetch(`${apiUrl}/products`, { method: 'POST', body: '{}' });
    expect(create.status).toBe(403);
  });

  it('keeps serving the previous version when a reload fails', async () => {
    const fixture = app();
    const lines: string[] = [];
    const server = await start(fixture, { store: 'memory', log: (line) => lines.push(line) });
    fixture.write('handlers/names.ts', 'export const NAMES: string[] = [;\n');
    await until(
      async () => lines.join('\n'),
      (text) => text.includes('reload failed'),
      'the reload error',
    );
    await clientOf(server).guest();
    expect(await products(server, clientOf(server))).toMatchObject({ products: ['teapot'] });
  });

  it('serves the outbox: a password reset clicked through from its link', async () => {
    const fixture = app();
    const server = await start(fixture, { store: 'memory' });
    const client = clientOf(server);
    await client.register({ username: 'ada', email: 'ada@example.com', password: PASSWORD });
    const messages = async () =>
      (await (await fetch(`${server.info.outboxUrl}/messages.json`)).json()) as {
        kind: string;
        token?: string;
        text: string;
      }[];
    const verification = (await messages()).find((message) => message.kind === 'email-verification');
    await client.verifyEmail(verification!.token!);
    await client.forgotPassword('ada');
    const reset = (await messages()).find((message) => message.kind === 'password-reset');
    // The link the config names, with the token, in the message and on the page.
    const link = `http://localhost:5173/reset?token=${encodeURIComponent(reset!.token!)}`;
    expect(reset!.text).toContain(link);
    const page = await fetch(server.info.outboxUrl);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(await page.text()).toContain(`href="${link.replaceAll('&', '&#38;')}"`);
    await client.resetPassword({ token: reset!.token!, newPassword: `${PASSWORD} again` });
    await expect(client.login({ username: 'ada', password: `${PASSWORD} again` })).resolves.toMatchObject({
      user: { username: 'ada' },
    });
    // A page that names another host (DNS rebinding) gets nothing.
    const port = new URL(server.info.outboxUrl).port;
    const rebound = await rawGet(Number(port), 'evil.example');
    expect(rebound).toMatch(/^HTTP\/1\.1 403/);
  });
});

describe('startDevServer errors', () => {
  it('refuses a bad config in words, naming the field, before taking any port or the data directory', async () => {
    const fixture = app(
      "export default { routes: [{ method: 'GET', path: '/x', handler: './handlers/products.ts' }] };\n",
    );
    const error = await startDevServer({ cwd: fixture.dir }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DevServerError);
    expect((error as Error).message).toMatch(/routes\.0\.roles/);
    const missing = app(CONFIG_WITH_PRODUCTS.replace("export: 'list'", "export: 'nothing'"));
    await expect(startDevServer({ cwd: missing.dir })).rejects.toThrow(/has no function export "nothing"/);
    const none = app();
    await expect(startDevServer({ cwd: none.dir, configFile: 'absent.config.ts' })).rejects.toThrow(/does not exist/);
  });

  it('names the flag when a port is in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const fixture = app();
      await expect(start(fixture, { store: 'memory', port })).rejects.toThrow(`Port ${port} is in use`);
      await expect(start(fixture, { store: 'memory', port })).rejects.toThrow('--port');
      await expect(start(fixture, { store: 'memory', outboxPort: port })).rejects.toThrow('--outbox-port');
      // Nothing was left holding the data directory.
      const server = await start(fixture, { store: 'memory' });
      expect(server.info.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      blocker.close();
    }
  });

  it('refuses a damaged data directory, and a second server on the same one', async () => {
    const fixture = app();
    const server = await start(fixture);
    await expect(startDevServer({ cwd: fixture.dir })).rejects.toThrow(/Another devauth dev \(process \d+\)/);
    await server.stop();
    writeFileSync(join(fixture.dir, '.devauth', 'pglite', 'global', 'pg_control'), 'not a control file\n');
    await expect(startDevServer({ cwd: fixture.dir })).rejects.toThrow(/cannot be opened .*Move it away/s);
  });
});

/** A GET with a Host header of our choosing (fetch would not send a foreign one to 127.0.0.1). */
async function rawGet(port: number, host: string): Promise<string> {
  const { connect } = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () =>
      socket.end(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`),
    );
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk;
    });
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}
