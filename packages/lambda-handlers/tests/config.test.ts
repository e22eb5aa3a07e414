import { ConfigurationError } from '@devauth/core';
import { describe, expect, it } from 'vitest';
import { createEnvHandler } from '../src/app.js';
import { coreConfigOf, loadConfig, loadStoreConfig, parseConfig } from '../src/config.js';
import { captureLogger, context, parse, v2Event } from './support.js';

describe('configuration', () => {
  it('reads the environment, with defaults', () => {
    const config = loadConfig({
      DEVAUTH_STORE: 'dynamodb',
      DEVAUTH_TABLE_NAME: 'devauth-prod',
      DEVAUTH_IDENTITY_POOL_ID: 'eu-west-1:00000000-0000-4000-8000-000000000000',
      DEVAUTH_DEVELOPER_PROVIDER_NAME: 'login.example.com',
      AWS_REGION: 'eu-west-1',
      DEVAUTH_TOKEN_DURATION_SECONDS: '600',
      DEVAUTH_ROLES: 'shopper, seller',
      DEVAUTH_CORS_ORIGINS: 'https://app.example.com,https://admin.example.com',
    });
    expect(config).toEqual({
      store: 'dynamodb',
      tableName: 'devauth-prod',
      broker: 'cognito',
      identityPoolId: 'eu-west-1:00000000-0000-4000-8000-000000000000',
      developerProviderName: 'login.example.com',
      region: 'eu-west-1',
      tokenDurationSeconds: 600,
      roles: ['shopper', 'seller'],
      corsOrigins: ['https://app.example.com', 'https://admin.example.com'],
      maxBodyBytes: 16 * 1024,
      trustedProxies: [],
      databaseTls: 'verify-full',
      messages: 'none',
    });
  });

  it('reads the message settings, and needs a sender identity for SES', () => {
    const base = { DEVAUTH_STORE: 'memory', DEVAUTH_BROKER: 'fake' };
    expect(
      loadConfig({
        ...base,
        DEVAUTH_MESSAGES: 'ses',
        DEVAUTH_SES_FROM: 'Shop <noreply@shop.example.com>',
        DEVAUTH_PASSWORD_RESET_URL: 'https://shop.example.com/reset?token={token}',
        DEVAUTH_PASSWORD_RESET_TTL_SECONDS: '600',
      }),
    ).toMatchObject({
      messages: 'ses',
      sesFrom: 'Shop <noreply@shop.example.com>',
      passwordResetUrl: 'https://shop.example.com/reset?token={token}',
      passwordResetTtlSeconds: 600,
    });
    expect(() => loadConfig({ ...base, DEVAUTH_MESSAGES: 'ses' })).toThrow(/sesFrom: required when messages is "ses"/);
    expect(() => loadConfig({ ...base, DEVAUTH_PASSWORD_RESET_URL: 'https://shop.example.com/reset' })).toThrow(
      /passwordResetUrl: must contain \{token\}/,
    );
    expect(() => loadConfig({ ...base, DEVAUTH_MESSAGES: 'smtp' })).toThrow(/messages/);
  });

  it('reads the email verification settings, strictly, and passes the core ones on', () => {
    const base = { DEVAUTH_STORE: 'memory', DEVAUTH_BROKER: 'fake' };
    const config = loadConfig({
      ...base,
      DEVAUTH_MESSAGES: 'ses',
      DEVAUTH_SES_FROM: 'noreply@shop.example.com',
      DEVAUTH_EMAIL_VERIFICATION_URL: 'https://shop.example.com/verify?token={token}',
      DEVAUTH_EMAIL_VERIFICATION_TTL_SECONDS: '7200',
      DEVAUTH_REQUIRE_VERIFIED_EMAIL: 'true',
      DEVAUTH_LOGIN_WITH_EMAIL: 'TRUE',
      DEVAUTH_PASSWORD_RESET_TO_UNVERIFIED_EMAIL: 'false',
    });
    expect(config).toMatchObject({
      emailVerificationUrl: 'https://shop.example.com/verify?token={token}',
      emailVerificationTtlSeconds: 7200,
      requireVerifiedEmail: true,
      loginWithEmail: true,
      passwordResetToUnverifiedEmail: false,
    });
    // The core reads these four; the link is the sender's.
    expect(coreConfigOf(config)).toMatchObject({
      emailVerificationTtlSeconds: 7200,
      requireVerifiedEmail: true,
      loginWithEmail: true,
      passwordResetToUnverifiedEmail: false,
    });
    expect(coreConfigOf(config)).not.toHaveProperty('emailVerificationUrl');
    // Unset, they are left to the core's defaults.
    expect(coreConfigOf(loadConfig(base))).not.toHaveProperty('requireVerifiedEmail');

    for (const [name, field] of [
      ['DEVAUTH_REQUIRE_VERIFIED_EMAIL', 'requireVerifiedEmail'],
      ['DEVAUTH_LOGIN_WITH_EMAIL', 'loginWithEmail'],
      ['DEVAUTH_PASSWORD_RESET_TO_UNVERIFIED_EMAIL', 'passwordResetToUnverifiedEmail'],
    ]) {
      for (const value of ['yes', '1', 'on']) {
        expect(() => loadConfig({ ...base, [name!]: value })).toThrow(new RegExp(`${field}: `));
      }
    }
    expect(() => loadConfig({ ...base, DEVAUTH_EMAIL_VERIFICATION_URL: 'https://shop.example.com/verify' })).toThrow(
      /emailVerificationUrl: must contain \{token\}/,
    );
    expect(() => loadConfig({ ...base, DEVAUTH_EMAIL_VERIFICATION_URL: 'javascript:alert(1)//{token}' })).toThrow(
      /emailVerificationUrl/,
    );
    expect(() => loadConfig({ ...base, DEVAUTH_EMAIL_VERIFICATION_TTL_SECONDS: '59' })).toThrow(
      /emailVerificationTtlSeconds/,
    );
    expect(() => loadConfig({ ...base, DEVAUTH_EMAIL_VERIFICATION_TTL_SECONDS: String(7 * 86_400 + 1) })).toThrow(
      /emailVerificationTtlSeconds/,
    );
    // Without a sender no link could be sent and nobody could log in: refused before any request.
    expect(() => loadConfig({ ...base, DEVAUTH_REQUIRE_VERIFIED_EMAIL: 'true' })).toThrow(
      /requireVerifiedEmail: needs messages "ses"/,
    );
  });

  it('reads the security settings from the environment, and reports malformed ones by name', () => {
    const base = { DEVAUTH_STORE: 'memory', DEVAUTH_BROKER: 'fake' };
    const config = loadConfig({
      ...base,
      DEVAUTH_TOKEN_DURATION_SECONDS: '3600',
      DEVAUTH_ALLOW_LONG_TOKEN_DURATION: 'true',
      DEVAUTH_GUEST_LINK_TTL_SECONDS: '86400',
      DEVAUTH_REFRESH_REUSE_LEEWAY_SECONDS: '5',
      DEVAUTH_REVEAL_DISABLED_ACCOUNTS: 'false',
      DEVAUTH_TRUSTED_PROXIES: '130.176.0.0/16, 2600:9000::/28,198.51.100.7',
      DEVAUTH_GUARD_CACHE_TTL_SECONDS: '10',
    });
    expect(config).toMatchObject({
      tokenDurationSeconds: 3600,
      allowLongTokenDuration: true,
      guestLinkTtlSeconds: 86_400,
      refreshReuseLeewaySeconds: 5,
      revealDisabledAccounts: false,
      trustedProxies: ['130.176.0.0/16', '2600:9000::/28', '198.51.100.7'],
      guardCacheTtlSeconds: 10,
    });
    expect(() => loadConfig({ ...base, DEVAUTH_TOKEN_DURATION_SECONDS: '3600' })).toThrow(/allowLongTokenDuration/);
    expect(() => loadConfig({ ...base, DEVAUTH_REVEAL_DISABLED_ACCOUNTS: 'yes' })).toThrow(/revealDisabledAccounts/);
    expect(() => loadConfig({ ...base, DEVAUTH_TRUSTED_PROXIES: '10.0.0.0/33' })).toThrow(/trustedProxies/);
    expect(() => loadConfig({ ...base, DEVAUTH_TRUSTED_PROXIES: 'proxy.example.com' })).toThrow(/trustedProxies/);
  });

  it('lists every problem in one ConfigurationError, without echoing values', () => {
    let error: unknown;
    try {
      loadConfig({
        DEVAUTH_STORE: 'postgres',
        DEVAUTH_MAX_BODY_BYTES: 'lots',
        DEVAUTH_TOKEN_DURATION_SECONDS: '999999',
        DEVAUTH_CORS_ORIGINS: 'app.example.com',
        DEVAUTH_IDENTITY_POOL_ID: 'not-a-pool',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    const message = (error as Error).message;
    for (const field of [
      'databaseUrl or databaseSecretArn: required when store is "postgres"',
      'maxBodyBytes',
      'tokenDurationSeconds',
      'corsOrigins.0',
      'identityPoolId',
      'developerProviderName: required',
    ]) {
      expect(message).toContain(field);
    }
    expect(message).not.toContain('not-a-pool');
  });

  it('checks the core settings too (roles)', () => {
    expect(() => parseConfig({ store: 'memory', broker: 'fake', roles: ['Bad Role'] })).toThrow(ConfigurationError);
    expect(() => loadConfig({})).toThrow(/store/);
  });

  it('never echoes the database URL', () => {
    const config = parseConfig({ store: 'postgres', broker: 'fake', databaseUrl: 'postgres://u:hunter2@db/devauth' });
    expect(config.databaseUrl).toBe('postgres://u:hunter2@db/devauth');
    expect(() => parseConfig({ store: 'postgres', broker: 'fake', databaseUrl: '' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });

  describe('postgres through a Secrets Manager secret', () => {
    const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:devauth/db-AbCdEf';
    const base = { DEVAUTH_STORE: 'postgres', DEVAUTH_BROKER: 'fake' };

    it('reads the secret settings, with TLS verify-full by default', () => {
      expect(loadConfig({ ...base, DEVAUTH_DATABASE_SECRET_ARN: ARN })).toMatchObject({
        store: 'postgres',
        databaseSecretArn: ARN,
        databaseTls: 'verify-full',
      });
      const config = loadConfig({
        ...base,
        DEVAUTH_DATABASE_SECRET_ARN: ARN,
        DEVAUTH_DATABASE_HOST: 'devauth.proxy-abc123.eu-west-1.rds.amazonaws.com',
        DEVAUTH_DATABASE_TLS: 'disable',
        DEVAUTH_DATABASE_CA_FILE: '/var/runtime/ca-cert.pem',
      });
      expect(config).toMatchObject({
        databaseHost: 'devauth.proxy-abc123.eu-west-1.rds.amazonaws.com',
        databaseTls: 'disable',
        databaseCaFile: '/var/runtime/ca-cert.pem',
      });
      expect(config.databaseUrl).toBeUndefined();
      // Other partitions, and the name of a secret RDS manages itself.
      for (const arn of [
        'arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:db-AbCdEf',
        'arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:rds!cluster-0a1b2c3d-AbCdEf',
      ]) {
        expect(parseConfig({ store: 'postgres', broker: 'fake', databaseSecretArn: arn }).databaseSecretArn).toBe(arn);
      }
    });

    it('needs exactly one of databaseUrl and databaseSecretArn, and names both fields', () => {
      expect(() => loadConfig(base)).toThrow('databaseUrl or databaseSecretArn: required when store is "postgres"');
      let error: unknown;
      try {
        loadConfig({ ...base, DEVAUTH_DATABASE_SECRET_ARN: ARN, DEVAUTH_DATABASE_URL: 'postgres://u:hunter2@db/x' });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toContain('databaseUrl, databaseSecretArn: set only one of them');
      expect((error as Error).message).not.toContain('hunter2');
      // Only the postgres store reads them: another store ignores a leftover variable.
      expect(loadConfig({ ...base, DEVAUTH_STORE: 'memory', DEVAUTH_DATABASE_URL: 'postgres://db/x' }).store).toBe(
        'memory',
      );
    });

    it('refuses databaseHost with a URL (it would be ignored)', () => {
      expect(() =>
        loadConfig({ ...base, DEVAUTH_DATABASE_URL: 'postgres://db/x', DEVAUTH_DATABASE_HOST: 'proxy.example.com' }),
      ).toThrow('databaseHost: only used with databaseSecretArn');
    });

    it('reports malformed secret settings by field, never by value', () => {
      const cases: [Record<string, string>, string, string][] = [
        [{ DEVAUTH_DATABASE_SECRET_ARN: 'arn:aws:s3:::bucket-secretvalue' }, 'databaseSecretArn', 'secretvalue'],
        [
          { DEVAUTH_DATABASE_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:12345:secret:short-account' },
          'databaseSecretArn',
          'short-account',
        ],
        [{ DEVAUTH_DATABASE_SECRET_ARN: `${ARN}${'x'.repeat(2048)}` }, 'databaseSecretArn', 'xxxxxxxx'],
        [{ DEVAUTH_DATABASE_SECRET_ARN: ARN, DEVAUTH_DATABASE_HOST: 'proxy_host!' }, 'databaseHost', 'proxy_host!'],
        [{ DEVAUTH_DATABASE_SECRET_ARN: ARN, DEVAUTH_DATABASE_HOST: `${'a'.repeat(256)}` }, 'databaseHost', 'aaaaaaaa'],
        [{ DEVAUTH_DATABASE_SECRET_ARN: ARN, DEVAUTH_DATABASE_TLS: 'require' }, 'databaseTls', 'require'],
        [{ DEVAUTH_DATABASE_SECRET_ARN: ARN, DEVAUTH_DATABASE_CA_FILE: 'certs/rds.pem' }, 'databaseCaFile', 'certs/'],
      ];
      for (const [environment, field, value] of cases) {
        let message = '';
        try {
          loadConfig({ ...base, ...environment });
        } catch (caught) {
          expect(caught).toBeInstanceOf(ConfigurationError);
          message = (caught as Error).message;
        }
        expect(message, field).toContain(`${field}: `);
        expect(message, field).not.toContain(value);
      }
    });

    it('loadStoreConfig reads only the store settings: no broker, identity pool or roles needed', () => {
      expect(
        loadStoreConfig({ DEVAUTH_STORE: 'postgres', DEVAUTH_DATABASE_SECRET_ARN: ARN, AWS_REGION: 'eu-west-1' }),
      ).toEqual({ store: 'postgres', databaseSecretArn: ARN, databaseTls: 'verify-full', region: 'eu-west-1' });
      // Settings of the handlers are not read, not even when invalid.
      expect(
        loadStoreConfig({
          DEVAUTH_STORE: 'postgres',
          DEVAUTH_DATABASE_URL: 'postgres://db/x',
          DEVAUTH_ROLES: 'Bad Role',
        }),
      ).toMatchObject({ databaseUrl: 'postgres://db/x' });
      // The same store rules as loadConfig.
      expect(() => loadStoreConfig({ DEVAUTH_STORE: 'postgres' })).toThrow(
        'databaseUrl or databaseSecretArn: required when store is "postgres"',
      );
      expect(() => loadStoreConfig({ DEVAUTH_STORE: 'postgres', DEVAUTH_DATABASE_SECRET_ARN: 'nope' })).toThrow(
        /databaseSecretArn: must be a Secrets Manager secret ARN/,
      );
      expect(() => loadStoreConfig({ DEVAUTH_STORE: 'dynamodb' })).toThrow(/tableName: required/);
    });
  });

  it('an entry handler with a broken environment answers 500 and logs the problems', async () => {
    const logger = captureLogger();
    const saved = process.env.DEVAUTH_STORE;
    process.env.DEVAUTH_STORE = 'oracle';
    try {
      const handler = createEnvHandler('login', { logger });
      const result = await handler(
        v2Event({ body: { username: 'alice', password: 'whatever-long' } }),
        context('req-1'),
      );
      expect(result.statusCode).toBe(500);
      expect(parse(result)).toMatchObject({ error: { code: 'INTERNAL', correlationId: 'req-1' } });
      expect(logger.records[0]).toMatchObject({ level: 'ERROR', requestId: 'req-1', route: 'login' });
      expect(String(logger.records[0]?.message)).toContain('configuration');
      expect(logger.lines.join('\n')).toContain('store');
      expect(logger.lines.join('\n')).not.toContain('whatever-long');
    } finally {
      if (saved === undefined) delete process.env.DEVAUTH_STORE;
      else process.env.DEVAUTH_STORE = saved;
    }
  });
});
