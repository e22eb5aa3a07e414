import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadConfig } from '@devauth/lambda-handlers';
import { HANDLER_ENV } from '@devauth/lambda-handlers/env';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import {
  AUTH_ROUTES,
  DEFAULT_MEMORY_MB,
  DevauthAuthFunctions,
  DevauthConstructError,
  DevauthIdentityPool,
  DevauthUserTable,
  defaultHandlersAssetDir,
  lambdaRuntime,
} from '../src/index.js';
import { handlersFixture, newStack, resourceNamed, shopStack } from './support.js';

/** The routes of email verification: the link (unauthenticated), the change and the resend (signed in). */
const EMAIL_ROUTES = ['VerifyEmail', 'ChangeEmail', 'ResendEmailVerification'];
/** Every route that may send a message once `messages` is set (an administrator's deletion notifies the user too). */
const MESSAGE_ROUTES = [
  'Register',
  'Login',
  'PasswordForgot',
  'PasswordReset',
  'ChangePassword',
  'DeleteAccount',
  ...EMAIL_ROUTES,
  'AdminDeleteUser',
];
const STORE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
];

const authFunctions = (template: Template) =>
  Object.entries(template.findResources('AWS::Lambda::Function')).filter(([id]) => id.includes('AuthFunctions'));

describe('DevauthAuthFunctions', () => {
  const { template, devauth } = shopStack('http', {
    functions: {
      handlersAssetDir: handlersFixture(),
      settings: { tokenDurationSeconds: 600, trustedProxies: ['10.0.0.0/8'] },
    },
  });

  it('deploys one function per route of the handlers: nodejs24.x on arm64, index.handler, memory per route', () => {
    expect(devauth.authFunctions.routes).toEqual(AUTH_ROUTES);
    expect(authFunctions(template)).toHaveLength(AUTH_ROUTES.length);
    for (const route of AUTH_ROUTES) {
      const { resource } = resourceNamed(
        template,
        'AWS::Lambda::Function',
        `AuthFunctions${route[0]!.toUpperCase()}${route.slice(1)}`,
      );
      expect(resource.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: DEFAULT_MEMORY_MB[route],
        Timeout: 25,
      });
    }
    expect(DEFAULT_MEMORY_MB.login).toBe(1769);
    // Administration hashes nothing.
    expect(DEFAULT_MEMORY_MB.adminDeleteUser).toBe(512);
  });

  it('sets only the environment variables loadConfig() reads, with the pool, table and settings', () => {
    const names = new Set<string>(Object.values(HANDLER_ENV));
    for (const [, fn] of authFunctions(template)) {
      const variables = fn.Properties.Environment.Variables;
      for (const name of Object.keys(variables)) expect(names).toContain(name);
      expect(variables).toMatchObject({
        DEVAUTH_STORE: 'dynamodb',
        DEVAUTH_TABLE_NAME: { Ref: resourceNamed(template, 'AWS::DynamoDB::Table', 'UserTable').id },
        DEVAUTH_BROKER: 'cognito',
        DEVAUTH_IDENTITY_POOL_ID: { Ref: resourceNamed(template, 'AWS::Cognito::IdentityPool', 'IdentityPool').id },
        DEVAUTH_DEVELOPER_PROVIDER_NAME: 'login.shop.test',
        // The core's DEFAULT_ROLES: admin among them, so the admin functions are deployed.
        DEVAUTH_ROLES: 'shopper,seller,admin',
        DEVAUTH_CORS_ORIGINS: 'https://shop.example.com',
        DEVAUTH_TOKEN_DURATION_SECONDS: '600',
        DEVAUTH_TRUSTED_PROXIES: '10.0.0.0/8',
      });
    }
  });

  it('writes logs to a log group per function kept one month, and may write only there', () => {
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 30 }, AUTH_ROUTES.length);
    const login = resourceNamed(template, 'AWS::Lambda::Function', 'AuthFunctionsLogin');
    const logGroupId = login.resource.Properties.LoggingConfig.LogGroup.Ref;
    const policy = resourceNamed(template, 'AWS::IAM::Policy', 'AuthFunctionsLoginRole');
    expect(policy.resource.Properties.PolicyDocument.Statement[0]).toEqual({
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
    });
    // No AWSLambdaBasicExecutionRole (logs:* on *): the roles carry no managed policy at all.
    for (const [id, role] of Object.entries(template.findResources('AWS::IAM::Role'))) {
      if (id.includes('AuthFunctions')) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('grants each route what it does: Cognito tokens for login/refresh, GetId for guest, lookups for me', () => {
    const actionsOf = (route: string) =>
      resourceNamed(
        template,
        'AWS::IAM::Policy',
        `AuthFunctions${route}Role`,
      ).resource.Properties.PolicyDocument.Statement.flatMap(
        (statement: { Action: string | string[] }) => statement.Action,
      );
    const token = 'cognito-identity:GetOpenIdTokenForDeveloperIdentity';
    expect(actionsOf('Login')).toContain(token);
    expect(actionsOf('Refresh')).toContain(token);
    expect(actionsOf('ChangePassword')).toContain(token);
    for (const route of [
      'Register',
      'Guest',
      'Logout',
      'Me',
      'PasswordForgot',
      'PasswordReset',
      'DeleteAccount',
      ...EMAIL_ROUTES,
    ]) {
      expect(actionsOf(route)).not.toContain(token);
    }
    expect(actionsOf('Guest')).toContain('cognito-identity:GetId');
    for (const route of [
      'Register',
      'Login',
      'Refresh',
      'Logout',
      'Me',
      'ChangePassword',
      'DeleteAccount',
      ...EMAIL_ROUTES,
    ])
      expect(actionsOf(route)).not.toContain('cognito-identity:GetId');
    // Revoking access (reset) and deleting the identity (delete account) unlink it; only deletion removes it.
    const unlink = 'cognito-identity:UnlinkDeveloperIdentity';
    expect(actionsOf('PasswordReset')).toContain(unlink);
    expect(actionsOf('DeleteAccount')).toEqual(expect.arrayContaining([unlink, 'cognito-identity:DeleteIdentities']));
    for (const route of [
      'Register',
      'Login',
      'Refresh',
      'Logout',
      'Me',
      'ChangePassword',
      'PasswordForgot',
      ...EMAIL_ROUTES,
    ]) {
      expect(actionsOf(route)).not.toContain(unlink);
      expect(actionsOf(route)).not.toContain('cognito-identity:DeleteIdentities');
    }
    // No messages configured: no route may send mail.
    for (const route of MESSAGE_ROUTES) expect(actionsOf(route)).not.toContain('ses:SendEmail');
    // The email routes touch the store (users, account tokens, throttle counters) and nothing of Cognito.
    for (const route of EMAIL_ROUTES) {
      expect(actionsOf(route)).toEqual([
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        ...STORE_ACTIONS,
        'dynamodb:Query',
      ]);
    }
    expect(actionsOf('Me')).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'dynamodb:GetItem',
      'dynamodb:Query',
    ]);
    expect(actionsOf('Register')).toContain('dynamodb:PutItem');
  });

  it('offers nodejs22.x, x86_64, other memory, timeout and retention', () => {
    const stack = newStack();
    const identityPool = new DevauthIdentityPool(stack, 'Pool', { developerProviderName: 'login.test' });
    new DevauthAuthFunctions(stack, 'Fns', {
      identityPool,
      store: new DevauthUserTable(stack, 'Users'),
      handlersAssetDir: handlersFixture({ platforms: ['linux-x64-gnu'] }),
      runtime: 'nodejs22.x',
      architecture: 'x86_64',
      memorySize: { login: 3008 },
      logRetention: logs.RetentionDays.ONE_WEEK,
    });
    const t = Template.fromStack(stack);
    t.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { Runtime: 'nodejs22.x', Architectures: ['x86_64'] },
      AUTH_ROUTES.length,
    );
    t.hasResourceProperties('AWS::Lambda::Function', { Description: 'devauth login route', MemorySize: 3008 });
    t.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 7 }, AUTH_ROUTES.length);
    expect(lambdaRuntime('nodejs24.x').name).toBe('nodejs24.x');
  });

  describe('handler assets', () => {
    const build = (handlersAssetDir: string | undefined, extra: Record<string, unknown> = {}) => {
      const stack = newStack();
      const identityPool = new DevauthIdentityPool(stack, 'Pool', { developerProviderName: 'login.test' });
      const fns = new DevauthAuthFunctions(stack, 'Fns', {
        identityPool,
        store: new DevauthUserTable(stack, 'Users'),
        ...(handlersAssetDir === undefined ? {} : { handlersAssetDir }),
        ...extra,
      });
      return { stack, fns };
    };

    it('refuses a directory without a route bundle', () => {
      expect(() => build(handlersFixture({ routes: ['login'] }))).toThrow(/no handler bundle at .*register/);
    });

    it('refuses register/login bundles without the argon2 addon for the architecture', () => {
      expect(() => build(handlersFixture({ platforms: ['linux-x64-gnu'] }))).toThrow(
        /no @node-rs\/argon2 addon for arm64/,
      );
      expect(() => build(handlersFixture({ platforms: [] }), { architecture: 'x86_64' })).toThrow(
        DevauthConstructError,
      );
      expect(() => build(handlersFixture({ platforms: [] }), { verifyNativeAddons: false })).not.toThrow();
    });

    it('warns, without failing, when the bcrypt addon is missing', () => {
      const { stack } = build(handlersFixture({ bcrypt: false }));
      const warnings = stack.node
        .findAll()
        .flatMap((construct) => construct.node.metadata)
        .filter((entry) => entry.type === 'aws:cdk:warning')
        .map((entry) => String(entry.data));
      expect(warnings.some((warning) => warning.includes('@node-rs/bcrypt'))).toBe(true);
    });

    it('takes per-route code instead of the directory', () => {
      const code = Object.fromEntries(AUTH_ROUTES.map((route) => [route, lambda.Code.fromInline(`// ${route}`)]));
      const { stack } = build(undefined, { code });
      Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { Code: { ZipFile: '// login' } });
    });

    it('defaults to bundle/ of the @devauth/lambda-handlers the working directory resolves', () => {
      const project = mkdtempSync(join(tmpdir(), 'devauth-cdk-project-'));
      try {
        const pkg = join(project, 'node_modules', '@devauth', 'lambda-handlers');
        mkdirSync(pkg, { recursive: true });
        writeFileSync(join(pkg, 'package.json'), '{ "name": "@devauth/lambda-handlers" }\n');
        expect(defaultHandlersAssetDir(project)).toBe(join(realpathSync(pkg), 'bundle'));
      } finally {
        rmSync(project, { recursive: true, force: true });
      }
    });
  });
});

describe('DevauthAuthFunctions with SES messages', () => {
  const { template } = shopStack('rest', {
    messages: {
      ses: { from: 'Shop <noreply@shop.example.com>', identity: 'shop.example.com', configurationSetName: 'devauth' },
      appName: 'Shop',
      passwordResetUrl: 'https://shop.example.com/reset?token={token}',
      emailVerificationUrl: 'https://shop.example.com/verify?token={token}',
    },
    functions: {
      handlersAssetDir: handlersFixture(),
      settings: {
        emailVerificationTtlSeconds: 7200,
        requireVerifiedEmail: true,
        loginWithEmail: true,
        passwordResetToUnverifiedEmail: false,
      },
    },
  });
  const policyOf = (route: string) =>
    resourceNamed(template, 'AWS::IAM::Policy', `AuthFunctions${route}Role`).resource.Properties.PolicyDocument
      .Statement as Array<{ Action: string | string[]; Resource: unknown }>;

  it('configures the handlers for SES with exactly the names loadConfig reads', () => {
    const fn = resourceNamed(template, 'AWS::Lambda::Function', 'AuthFunctionsPasswordForgot').resource;
    expect(fn.Properties.Environment.Variables).toMatchObject({
      [HANDLER_ENV.messages]: 'ses',
      [HANDLER_ENV.sesFrom]: 'Shop <noreply@shop.example.com>',
      [HANDLER_ENV.sesConfigurationSet]: 'devauth',
      [HANDLER_ENV.appName]: 'Shop',
      [HANDLER_ENV.passwordResetUrl]: 'https://shop.example.com/reset?token={token}',
      [HANDLER_ENV.emailVerificationUrl]: 'https://shop.example.com/verify?token={token}',
      [HANDLER_ENV.emailVerificationTtlSeconds]: '7200',
      [HANDLER_ENV.requireVerifiedEmail]: 'true',
      [HANDLER_ENV.loginWithEmail]: 'true',
      [HANDLER_ENV.passwordResetToUnverifiedEmail]: 'false',
    });
    expect(fn.Properties.MemorySize).toBe(DEFAULT_MEMORY_MB.passwordForgot);
  });

  it('gives every function the same environment, which loadConfig accepts as it is', () => {
    const environments = authFunctions(template).map(([, fn]) => fn.Properties.Environment.Variables);
    for (const environment of environments) expect(environment).toEqual(environments[0]);
    // Tokens (table name, pool id) stand in for the values CloudFormation fills in.
    const concrete = Object.fromEntries(
      Object.entries(environments[0] as Record<string, unknown>).map(([name, value]) => [
        name,
        typeof value === 'string'
          ? value
          : name === HANDLER_ENV.identityPoolId
            ? 'eu-west-1:11111111-2222-3333-4444-555555555555'
            : 'devauth-table',
      ]),
    );
    expect(loadConfig(concrete)).toMatchObject({
      messages: 'ses',
      emailVerificationUrl: 'https://shop.example.com/verify?token={token}',
      emailVerificationTtlSeconds: 7200,
      requireVerifiedEmail: true,
      loginWithEmail: true,
      passwordResetToUnverifiedEmail: false,
    });
  });

  it('lets only the routes that send a message send, from this identity and configuration set only', () => {
    const arn = (resource: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ses:eu-west-1:123456789012:${resource}`]],
    });
    for (const route of MESSAGE_ROUTES) {
      const send = policyOf(route).filter((statement) => JSON.stringify(statement.Action).includes('ses:'));
      expect(send).toEqual([
        {
          Action: 'ses:SendEmail',
          Effect: 'Allow',
          Resource: [arn('identity/shop.example.com'), arn('configuration-set/devauth')],
        },
      ]);
    }
    for (const route of [
      'Guest',
      'Refresh',
      'Logout',
      'Me',
      'ListSessions',
      'RevokeSession',
      'SignOutEverywhere',
      // Administration sends nothing but the deleted user's notice.
      'AdminListUsers',
      'AdminGetUser',
      'AdminSetRole',
      'AdminSetStatus',
      'AdminRevokeSessions',
      'AdminCreateInvitation',
      'AdminListInvitations',
      'AdminRevokeInvitation',
    ]) {
      expect(JSON.stringify(policyOf(route))).not.toContain('ses:');
    }
  });

  it('lets login send only with requireVerifiedEmail (it mails a new link only when it refuses a login)', () => {
    const { template: lenient } = shopStack('http', {
      messages: { ses: { from: 'noreply@shop.example.com', identity: 'shop.example.com' } },
    });
    const sendersOf = (t: Template) =>
      Object.entries(t.findResources('AWS::IAM::Policy'))
        .filter(([, policy]) => JSON.stringify(policy.Properties.PolicyDocument).includes('ses:SendEmail'))
        .map(([id]) => id.replace(/^DevauthAuthFunctions|Role.*$/g, ''))
        .sort();
    expect(sendersOf(lenient)).toEqual(MESSAGE_ROUTES.filter((route) => route !== 'Login').sort());
    expect(sendersOf(template)).toEqual([...MESSAGE_ROUTES].sort());
  });

  it('refuses requireVerifiedEmail without messages: nobody could ever log in', () => {
    const stack = newStack();
    const identityPool = new DevauthIdentityPool(stack, 'Pool', { developerProviderName: 'login.test' });
    expect(
      () =>
        new DevauthAuthFunctions(stack, 'Fns', {
          identityPool,
          store: new DevauthUserTable(stack, 'Users'),
          handlersAssetDir: handlersFixture(),
          settings: { requireVerifiedEmail: true },
        }),
    ).toThrow(/requireVerifiedEmail needs messages/);
  });
});

describe('the routes the construct deploys', () => {
  it('are exactly the handlers package’s entries (one bundle per route, besides migrate)', () => {
    const manifest = createRequire(import.meta.url).resolve('@devauth/lambda-handlers/package.json');
    const entries = readdirSync(join(dirname(manifest), 'src', 'entries'))
      .filter((file) => file.endsWith('.ts'))
      .map((file) => file.slice(0, -'.ts'.length))
      .filter((entry) => entry !== 'migrate');
    expect([...AUTH_ROUTES].sort()).toEqual(entries.sort());
  });
});
