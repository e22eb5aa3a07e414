import { ConfigurationError } from '@devauth/core';
import { describe, expect, it } from 'vitest';
import { createEnvHandler } from '../src/app.js';
import { loadConfig, parseConfig } from '../src/config.js';
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
    });
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
      'databaseUrl: required',
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
