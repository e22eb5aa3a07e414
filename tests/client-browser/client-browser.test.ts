/**
 * @devauth/client in a real browser: headless Debian Chromium driven by playwright-core loads a page whose script is
 * the client bundled by esbuild for `platform: 'browser'`. One local server serves the page and the bundle and proxies
 * everything else (the auth routes, the AWS_IAM routes, and `/cognito` to the identity-pool emulator), so the browser
 * sees a single origin and no CORS is needed. The proxy keeps the Host header, which the SigV4 signature covers.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalStack } from '@devauth/dev';
import { build } from 'esbuild';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShopStack } from '../support/shop-stack.js';

const CHROMIUM = '/usr/bin/chromium';
const browserCredentialProviders = join(
  dirname(createRequire(join(process.cwd(), 'packages/client/package.json')).resolve('@aws-sdk/credential-providers')),
  '..',
  'dist-es',
  'index.browser.js',
);
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && !process.env.CI) {
  console.warn(
    `tests/client-browser: skipped, no Chromium at ${CHROMIUM} (apt-get install chromium); under CI this fails`,
  );
}
const here = fileURLToPath(new URL('.', import.meta.url));
const password = 'a long passphrase nobody guesses';
const html =
  '<!doctype html><html><head><meta charset="utf-8"><title>devauth client</title></head>' +
  '<body><p id="status">loading</p><pre id="result"></pre><script src="/client.js"></script></body></html>';

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

/** Serves the page and the bundle; forwards the rest unchanged (method, path, headers, body) to its upstream. */
function startPageServer(bundle: string, gateway: URL, emulator: URL): Server {
  return createServer((incoming, outgoing) => {
    const path = incoming.url ?? '/';
    if (incoming.method === 'GET' && path === '/') {
      outgoing.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
      return;
    }
    if (incoming.method === 'GET' && path === '/client.js') {
      outgoing.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(bundle);
      return;
    }
    const toEmulator = path.startsWith('/cognito');
    const upstream = toEmulator ? emulator : gateway;
    const forwarded = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: toEmulator ? path.slice('/cognito'.length) || '/' : path,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.writeHead(502).end());
    incoming.pipe(forwarded);
  });
}

describe('@devauth/client in headless Chromium', () => {
  let stack: LocalStack | undefined;
  let server: Server | undefined;
  let context: BrowserContext | undefined;
  let profile: string | undefined;
  let origin = '';

  beforeAll(async () => {
    if (!hasChromium) return;
    stack = await startShopStack();
    await stack.devauth.register.execute({ username: 'browser-user', password });
    const bundled = await build({
      entryPoints: [join(here, 'page.ts')],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      conditions: ['@devauth/source'],
      // @aws-sdk/credential-providers maps its entry to a browser build through the package.json `browser` field,
      // which webpack and Vite apply but esbuild does not for this extension-less mapping: point at it directly.
      alias: { '@aws-sdk/credential-providers': browserCredentialProviders },
      logLevel: 'silent',
    });
    const bundle = bundled.outputFiles[0]?.text ?? '';
    server = startPageServer(bundle, new URL(stack.endpoint), new URL(stack.emulator.endpoint));
    origin = await listen(server);
  });

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await stack?.stop();
  });

  it.skipIf(!hasChromium && !process.env.CI)(
    'guest browse, login keeping the IdentityId, signed calls and logout, in the page',
    async () => {
      if (!hasChromium) {
        throw new Error(`Chromium is missing at ${CHROMIUM}: install the Debian "chromium" package (.ci/run does)`);
      }
      profile = mkdtempSync(join(tmpdir(), 'devauth-chromium-'));
      // launchPersistentContext is how playwright takes a --user-data-dir: a fresh one per run.
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
          '--headless',
        ],
      });
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(`${origin}/`);
      await page.evaluate(
        ([username, secret]) =>
          (globalThis as unknown as { runScenario(u: string, p: string): Promise<void> }).runScenario(username, secret),
        ['browser-user', password] as const,
      );
      const status = await page.textContent('#status');
      const results = JSON.parse((await page.textContent('#result')) || '{}') as Record<string, unknown>;

      expect(pageErrors).toEqual([]);
      expect(results.error).toBeUndefined();
      expect(status).toBe('done');
      expect(results).toMatchObject({
        guestRole: 'guest',
        guestBrowse: { status: 200, body: ['teapot', 'kettle'] },
        guestCreate: 403,
        wrongPassword: { code: 'INVALID_CREDENTIALS', status: 401 },
        keptIdentity: true,
        orders: 200,
        me: { kind: 'user', role: 'shopper' },
        storedSession: true,
        storedPassword: false,
        afterLogout: null,
      });
    },
    90_000,
  );
});
