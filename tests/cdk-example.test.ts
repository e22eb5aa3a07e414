/**
 * The example shop (examples/shop) synthesizes offline, on both API kinds and both stores, and cfn-lint finds nothing in its
 * template: no error, no warning. The synthesis runs the example's own CDK app the way `pnpm synth` does (Node with
 * tsx, the workspace sources), with the auth handlers and the shop's handlers bundled into temp directories, so the
 * test needs neither `pnpm bundle` nor a build of the packages.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_ROUTES } from '../packages/cdk/src/routes.js';

const example = join(process.cwd(), 'examples', 'shop');
const hasCfnLint = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' }).status === 0;
if (!hasCfnLint && !process.env.CI) {
  console.warn('tests/cdk-example: skipped, no cfn-lint on PATH (pip install cfn-lint); under CI this fails');
}

/** Stand-ins for `pnpm bundle`'s output: each route's index.mjs and the arm64 argon2/bcrypt addon directories. */
function authHandlersFixture(root: string): string {
  const dir = join(root, 'auth-handlers');
  for (const route of [...AUTH_ROUTES, 'migrate']) {
    mkdirSync(join(dir, route), { recursive: true });
    writeFileSync(join(dir, route, 'index.mjs'), 'export const handler = async () => ({ statusCode: 200 });\n');
    for (const pkg of ['argon2', 'argon2-linux-arm64-gnu', 'bcrypt', 'bcrypt-linux-arm64-gnu']) {
      mkdirSync(join(dir, route, 'node_modules', '@node-rs', pkg), { recursive: true });
    }
  }
  return dir;
}

function run(command: string, args: string[], options: { cwd: string; env?: Record<string, string> }) {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

describe.skipIf(!hasCfnLint && !process.env.CI)('examples/shop', () => {
  let root = '';
  let appHandlersDir = '';
  let handlersAssetDir = '';

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'devauth-shop-'));
    handlersAssetDir = authHandlersFixture(root);
    appHandlersDir = join(root, 'app-handlers');
    // The example's own bundler, into the temp directory (the real handlers: guard, DynamoDB user store).
    const built = run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `await (await import('./scripts/build-handlers.mjs')).buildHandlers(${JSON.stringify(appHandlersDir)})`,
      ],
      { cwd: example },
    );
    expect(built.output).toBe('');
    expect(built.status).toBe(0);
  });

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const variants = [
    ['http', 'dynamodb'],
    ['rest', 'dynamodb'],
    ['http', 'postgres'],
    ['rest', 'postgres'],
  ] as const;
  it.each(variants)('synthesizes offline with the %s API over %s, and cfn-lint is clean', (apiKind, store) => {
    if (!hasCfnLint) throw new Error('cfn-lint is missing: install it (pip install cfn-lint)');
    const outdir = join(root, `cdk.out.${apiKind}.${store}`);
    const synth = run(process.execPath, ['--conditions=@devauth/source', '--import', 'tsx', 'bin/shop.ts'], {
      cwd: example,
      env: {
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({ handlersAssetDir, appHandlersDir, apiKind, store }),
      },
    });
    expect(synth.status, synth.output).toBe(0);
    const templatePath = join(outdir, 'DevauthShop.template.json');
    const template = JSON.parse(readFileSync(templatePath, 'utf8'));
    const types = Object.values(template.Resources as Record<string, { Type: string }>).map((r) => r.Type);
    expect(types).toContain(apiKind === 'http' ? 'AWS::ApiGatewayV2::Api' : 'AWS::ApiGateway::RestApi');
    expect(types).toContain('AWS::Cognito::IdentityPoolRoleAttachment');
    if (store === 'dynamodb') {
      expect(types).toContain('AWS::DynamoDB::Table');
    } else {
      expect(types).not.toContain('AWS::DynamoDB::Table');
      expect(types).toEqual(expect.arrayContaining(['AWS::RDS::DBProxy', 'Custom::DevauthPostgresMigrations']));
    }
    // The shop's handlers went in as prebuilt directories: nothing was bundled by CDK (no Docker).
    expect(JSON.stringify(template)).not.toMatch(/docker/i);

    const lint = run('cfn-lint', [templatePath], { cwd: root });
    expect(lint.output).toBe('');
    expect(lint.status).toBe(0);
  });

  it('synthesizes with SES messages, cfn-lint clean, sending allowed from that identity only', () => {
    if (!hasCfnLint) throw new Error('cfn-lint is missing: install it (pip install cfn-lint)');
    const outdir = join(root, 'cdk.out.ses');
    const context = {
      handlersAssetDir,
      appHandlersDir,
      sesFrom: 'Shop <noreply@shop.example.com>',
      sesIdentity: 'shop.example.com',
    };
    const synth = run(process.execPath, ['--conditions=@devauth/source', '--import', 'tsx', 'bin/shop.ts'], {
      cwd: example,
      env: { CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
    });
    expect(synth.status, synth.output).toBe(0);
    const templatePath = join(outdir, 'DevauthShop.template.json');
    const text = readFileSync(templatePath, 'utf8');
    // The routes that send: register (a verification link), the reset pair, changePassword and deleteAccount
    // (notices), the three email routes and adminDeleteUser (the deleted user's notice); login only with
    // requireVerifiedEmail, which the shop leaves off.
    expect(text.match(/"ses:SendEmail"/g)).toHaveLength(9);
    expect(text).toContain(':ses:');
    expect(text).toContain('identity/shop.example.com');
    const lint = run('cfn-lint', [templatePath], { cwd: root });
    expect(lint.output).toBe('');
    expect(lint.status).toBe(0);
    // Half a sender is refused rather than deployed without one.
    const half = run(process.execPath, ['--conditions=@devauth/source', '--import', 'tsx', 'bin/shop.ts'], {
      cwd: example,
      env: {
        CDK_OUTDIR: join(root, 'cdk.out.half'),
        CDK_CONTEXT_JSON: JSON.stringify({ handlersAssetDir, appHandlersDir, sesFrom: 'x@shop.example.com' }),
      },
    });
    expect(half.status).not.toBe(0);
    expect(half.output).toContain('sesFrom and sesIdentity go together');
  });
});
