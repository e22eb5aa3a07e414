/**
 * The synthesized example shop runs offline: `startTemplateApp` reads the CloudFormation template `cdk synth` wrote
 * for examples/shop, creates its DynamoDB table in DynamoDB Local from the template's own definition, starts its
 * identity pool in the emulator, runs every Lambda function from its staged asset (the real auth handler bundles and
 * the shop's guard-using handlers) with its synthesized environment, and enforces the roles' synthesized policies at
 * the local gateway. The shop journey then runs against it over HTTP with the client, on both API kinds.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoDbStores } from '@devauth/adapters-dynamodb';
import { type DynamoDbLocal, startDynamoDbLocal } from '@devauth/adapters-dynamodb/testing';
import { createPostgresStores, fromPgPool } from '@devauth/adapters-postgres';
import { type PostgresCluster, startPostgresCluster } from '@devauth/adapters-postgres/testing';
import { createDevauthClient, type DevauthClient } from '@devauth/client';
import { createDevauth, type DevauthDependencies } from '@devauth/core';
import { FakeIdentityBroker } from '@devauth/core/testing';
import { type FunctionLogLine, startTemplateApp, type TemplateApp } from '@devauth/local';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = process.cwd();
const example = join(root, 'examples', 'shop');
const password = 'a long passphrase nobody guesses';

function run(args: string[], cwd: string, env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
}

describe('the synthesized example shop, offline', () => {
  let dir = '';
  let dynamodb: DynamoDbLocal;
  let postgres: PostgresCluster;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'devauth-template-'));
    const module = ['--input-type=module', '-e'];
    run(
      [
        ...module,
        `await (await import('./packages/lambda-handlers/scripts/bundle.mjs')).buildBundles({ outRoot: ${JSON.stringify(join(dir, 'auth'))} })`,
      ],
      root,
    );
    run(
      [
        ...module,
        `await (await import('./scripts/build-handlers.mjs')).buildHandlers(${JSON.stringify(join(dir, 'app'))})`,
      ],
      example,
    );
    const variants = [
      ['http', 'dynamodb'],
      ['rest', 'dynamodb'],
      ['http', 'postgres'],
    ] as const;
    for (const [apiKind, store] of variants) {
      run(['--conditions=@devauth/source', '--import', 'tsx', 'bin/shop.ts'], example, {
        CDK_OUTDIR: join(dir, `cdk.out.${apiKind}.${store}`),
        CDK_CONTEXT_JSON: JSON.stringify({
          handlersAssetDir: join(dir, 'auth'),
          appHandlersDir: join(dir, 'app'),
          apiKind,
          store,
        }),
      });
    }
    dynamodb = await startDynamoDbLocal();
    postgres = await startPostgresCluster();
  }, 240_000);

  afterAll(async () => {
    await dynamodb?.stop();
    await postgres?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The operator's side of the journey: the stores the functions use, opened from the test (closed after). */
  type OperatorStores = () => { stores: Omit<DevauthDependencies, 'broker'>; close: () => Promise<void> };
  const dynamoDbOperator =
    (app: () => TemplateApp): OperatorStores =>
    () => {
      const client = new DynamoDBClient({
        endpoint: dynamodb.endpoint,
        region: app().region,
        credentials: app().awsCredentials,
      });
      const stores = createDynamoDbStores({ client, tableName: Object.values(app().tables)[0]! });
      return { stores, close: async () => client.destroy() };
    };
  const postgresOperator: OperatorStores = () => {
    const pool = new pg.Pool({ connectionString: postgres.url, max: 2 });
    return { stores: createPostgresStores(fromPgPool(pool)), close: () => pool.end() };
  };

  describe.each([
    ['http', 'dynamodb'],
    ['rest', 'dynamodb'],
    ['http', 'postgres'],
  ] as const)('%s API over %s', (apiKind, store) => {
    let app: TemplateApp;
    const logs: FunctionLogLine[] = [];
    const clientFor = (): DevauthClient =>
      createDevauthClient({ baseUrl: app.endpoint, region: app.region, cognito: { endpoint: app.emulator.endpoint } });

    beforeAll(async () => {
      app = await startTemplateApp({
        template: join(dir, `cdk.out.${apiKind}.${store}`, 'DevauthShop.template.json'),
        ...(store === 'dynamodb' ? { dynamodb: { endpoint: dynamodb.endpoint } } : { postgres: { url: postgres.url } }),
        // The Lambda runtime's SDK, offline: the shop's and the handlers' own @aws-sdk packages.
        moduleFallbackDirs: [example, join(root, 'packages', 'lambda-handlers')],
        functionLog: (line) => logs.push(line),
        warn: () => undefined,
      });
    }, 60_000);
    afterAll(async () => {
      await app?.stop();
    });

    it('serves the API as deployed: stage, routes, authorization types, unknown routes', async () => {
      expect(app.apiKind).toBe(apiKind);
      expect(new URL(app.endpoint).pathname).toBe(apiKind === 'rest' ? '/prod' : '/');
      const routes = app.routes.filter((r) => r.method !== 'OPTIONS').map((r) => `${r.auth} ${r.method} ${r.path}`);
      expect(routes.sort()).toEqual(
        [
          'AWS_IAM DELETE /products/{id}',
          'AWS_IAM GET /me',
          'AWS_IAM POST /me/password',
          'AWS_IAM DELETE /me',
          'AWS_IAM GET /me/sessions',
          'AWS_IAM DELETE /me/sessions/{familyId}',
          'AWS_IAM POST /me/sessions/revoke-others',
          'AWS_IAM DELETE /me/sessions',
          'NONE POST /auth/password/forgot',
          'NONE POST /auth/password/reset',
          'NONE POST /auth/email/verify',
          'AWS_IAM POST /me/email',
          'AWS_IAM POST /me/email/verification',
          'AWS_IAM GET /orders',
          'AWS_IAM GET /products',
          'AWS_IAM POST /products',
          'NONE POST /auth/guest',
          'NONE POST /auth/login',
          'NONE POST /auth/logout',
          'NONE POST /auth/refresh',
          'NONE POST /auth/register',
          // devauth's admin routes: the shop declares the admin role (IAM lets only that role call them).
          'AWS_IAM GET /admin/users',
          'AWS_IAM GET /admin/users/{userId}',
          'AWS_IAM PUT /admin/users/{userId}/role',
          'AWS_IAM PUT /admin/users/{userId}/status',
          'AWS_IAM DELETE /admin/users/{userId}',
          'AWS_IAM DELETE /admin/users/{userId}/sessions',
          'AWS_IAM POST /admin/invitations',
          'AWS_IAM GET /admin/invitations',
          'AWS_IAM DELETE /admin/invitations/{invitationId}',
        ].sort(),
      );
      const unsigned = await fetch(`${app.endpoint}/products`);
      expect(unsigned.status).toBe(403);
      const unknown = await fetch(`${app.endpoint}/nowhere`);
      expect(unknown.status).toBe(apiKind === 'rest' ? 403 : 404);
      expect(await unknown.json()).toEqual({
        message: apiKind === 'rest' ? 'Missing Authentication Token' : 'Not Found',
      });
      expect(app.developerProviderName).toBe('login.shop.example.com');
    });

    // A test of the PostgreSQL variant only (registered for it, not skipped for the others).
    if (store === 'postgres') {
      it('ran the migrations custom resource against the local server first', async () => {
        const client = new pg.Client({ connectionString: postgres.url });
        await client.connect();
        try {
          const { rows } = await client.query('SELECT name FROM devauth_migrations ORDER BY version');
          expect(rows.length).toBeGreaterThan(0);
          expect(rows[0]).toEqual({ name: '0001_init' });
        } finally {
          await client.end();
        }
        const migrations = logs.filter((line) => line.functionName.includes('StoreMigrationsFunction'));
        expect(migrations.map((line) => line.line).join('\n')).toContain('migrations applied');
      });
    }

    it('answers a browser preflight from the allowed origin without credentials', async () => {
      const preflight = await fetch(`${app.endpoint}/products`, {
        method: 'OPTIONS',
        headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
      expect(preflight.headers.get('access-control-allow-headers')).toContain('x-amz-security-token');
    });

    it('runs the shop journey: guest, register, login, allowed and denied calls per role, seller invitation, refresh', async () => {
      const guest = clientFor();
      expect((await guest.guest()).role).toBe('guest');
      const browse = await guest.signedFetch(`${app.endpoint}/products`);
      expect(browse.status).toBe(200);
      expect(await browse.json()).toMatchObject({ products: ['teapot', 'kettle'], role: 'guest' });
      // The unauthenticated role's synthesized policy has no statement for POST /products or /orders.
      expect((await guest.signedFetch(`${app.endpoint}/products`, { method: 'POST', body: '{}' })).status).toBe(403);
      expect((await guest.signedFetch(`${app.endpoint}/orders`)).status).toBe(403);

      const shopper = clientFor();
      const username = `shopper_${apiKind}_${store}`;
      await shopper.register({ username, password });
      const session = await shopper.login({ username, password });
      expect(session.role).toBe('shopper');
      const orders = await shopper.signedFetch(`${app.endpoint}/orders`);
      expect(orders.status).toBe(200);
      expect((await shopper.signedFetch(`${app.endpoint}/products/p1`, { method: 'DELETE' })).status).toBe(403);
      expect((await shopper.me()).user?.username).toBe(username);
      // The verification route's own bundle answers a dead link (the shop sends no messages: no link was mailed).
      const deadLink = await clientFor()
        .verifyEmail(`emv_${'A'.repeat(43)}`)
        .then(
          () => undefined,
          (error: unknown) => error as { code?: string; status?: number },
        );
      expect(deadLink).toMatchObject({ code: 'ACCOUNT_TOKEN_INVALID', status: 400 });

      // The operator side: an invitation written to the same store the functions use.
      const operatorStores = (store === 'dynamodb' ? dynamoDbOperator(() => app) : postgresOperator)();
      const operator = createDevauth({ ...operatorStores.stores, broker: new FakeIdentityBroker() });
      const invitation = await operator.createInvitation.execute({ role: 'seller' }).finally(operatorStores.close);
      const seller = clientFor();
      const sellerName = `seller_${apiKind}_${store}`;
      await seller.register({ username: sellerName, password, role: 'seller', invitationCode: invitation.code });
      await seller.login({ username: sellerName, password });
      const created = await seller.signedFetch(`${app.endpoint}/products`, { method: 'POST', body: '{}' });
      expect(created.status).toBe(201);
      const deleted = await seller.signedFetch(`${app.endpoint}/products/p1`, { method: 'DELETE' });
      expect(deleted.status).toBe(200);
      expect(await deleted.json()).toEqual({ deleted: 'p1' });
      // Nested paths stay denied by the synthesized policy (the explicit Deny of deeper forms).
      expect((await seller.signedFetch(`${app.endpoint}/products/p1/x`, { method: 'DELETE' })).status).toBe(
        apiKind === 'rest' ? 403 : 404,
      );

      const refreshed = await seller.refresh();
      expect(refreshed.role).toBe('seller');
      expect((await seller.signedFetch(`${app.endpoint}/orders`)).status).toBe(200);

      // Each function ran in its own process with its synthesized environment, and no secret reached a log line.
      const names = new Set(logs.map((line) => line.functionName));
      expect([...names].some((name) => name.includes('Login'))).toBe(true);
      const text = logs.map((line) => line.line).join('\n');
      expect(text).not.toContain(password);
      expect(text).not.toContain(session.refreshToken);
      expect(text).not.toContain(session.openIdToken);
    }, 120_000);
  });
  it('serves the same template from the command line: devauth-local --template', async () => {
    const child = spawn(
      process.execPath,
      [
        '--conditions=@devauth/source',
        '--import',
        'tsx',
        join(root, 'packages', 'local', 'src', 'cli.ts'),
        '--template',
        join(dir, 'cdk.out.http.dynamodb', 'DevauthShop.template.json'),
        '--dynamodb-endpoint',
        dynamodb.endpoint,
        '--module-dir',
        example,
        '--module-dir',
        join(root, 'packages', 'lambda-handlers'),
        '--json',
      ],
      { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stderr?.resume();
    try {
      const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
      const summary = JSON.parse(line) as { apiUrl: string; apiKind: string; developerProviderName: string };
      expect(summary).toMatchObject({ apiKind: 'http', developerProviderName: 'login.shop.example.com' });
      const guest = await fetch(`${summary.apiUrl}/auth/guest`, { method: 'POST', body: '{}' });
      expect(guest.status).toBe(200);
      expect(await guest.json()).toMatchObject({ role: 'guest' });
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }
  }, 60_000);

  it('refuses a PostgreSQL template without a local server, before starting anything', async () => {
    await expect(
      startTemplateApp({
        template: join(dir, 'cdk.out.http.postgres', 'DevauthShop.template.json'),
        warn: () => undefined,
      }),
    ).rejects.toThrow(/uses a PostgreSQL store: give a local server \(postgres: \{ url \}, --database-url\)/);
  });

  it('refuses a template it cannot serve, naming the problem, and exits non-zero', () => {
    const result = spawnSync(
      process.execPath,
      [
        '--conditions=@devauth/source',
        '--import',
        'tsx',
        join(root, 'packages', 'local', 'src', 'cli.ts'),
        '--template',
        join(dir, 'missing.template.json'),
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('No template at');
  });
});
