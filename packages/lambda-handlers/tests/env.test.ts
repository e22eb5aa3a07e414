import { accessTableToJson, EXAMPLE_ACCESS_TABLE } from '@devauth/access';
import { describe, expect, it } from 'vitest';
import { accessTableFromEnv } from '../src/access/index.js';
import { ENVIRONMENT_VARIABLES, loadConfig } from '../src/config.js';
import { ACCESS_TABLE_ENV, HANDLER_ENV } from '../src/env.js';

describe('HANDLER_ENV', () => {
  it('names the variable loadConfig reads for every field', () => {
    const environment: Record<string, string> = {
      [HANDLER_ENV.store]: 'dynamodb',
      [HANDLER_ENV.tableName]: 'devauth-prod',
      [HANDLER_ENV.databaseUrl]: 'postgres://db/devauth',
      // The store is dynamodb: the postgres rules (one of URL and secret, host only with the secret) do not apply.
      [HANDLER_ENV.databaseSecretArn]: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:devauth-db-AbCdEf',
      [HANDLER_ENV.databaseHost]: 'proxy.example.com',
      [HANDLER_ENV.databaseTls]: 'disable',
      [HANDLER_ENV.databaseCaFile]: '/var/runtime/ca-cert.pem',
      [HANDLER_ENV.pgliteDataDir]: '/tmp/pglite',
      [HANDLER_ENV.broker]: 'cognito',
      [HANDLER_ENV.identityPoolId]: 'eu-west-1:00000000-0000-4000-8000-000000000000',
      [HANDLER_ENV.developerProviderName]: 'login.example.com',
      [HANDLER_ENV.cognitoEndpoint]: 'http://127.0.0.1:9229',
      [HANDLER_ENV.region]: 'eu-west-1',
      [HANDLER_ENV.tokenDurationSeconds]: '1800',
      [HANDLER_ENV.allowLongTokenDuration]: 'true',
      [HANDLER_ENV.guestLinkTtlSeconds]: '3600',
      [HANDLER_ENV.refreshReuseLeewaySeconds]: '5',
      [HANDLER_ENV.revealDisabledAccounts]: 'true',
      [HANDLER_ENV.trustedProxies]: '10.0.0.0/8',
      [HANDLER_ENV.guardCacheTtlSeconds]: '10',
      [HANDLER_ENV.roles]: 'shopper,seller',
      [HANDLER_ENV.corsOrigins]: 'https://app.example.com',
      [HANDLER_ENV.maxBodyBytes]: '4096',
      [HANDLER_ENV.messages]: 'ses',
      [HANDLER_ENV.sesFrom]: 'noreply@example.com',
      [HANDLER_ENV.sesConfigurationSet]: 'devauth',
      [HANDLER_ENV.appName]: 'Shop',
      [HANDLER_ENV.passwordResetUrl]: 'https://app.example.com/reset?token={token}',
      [HANDLER_ENV.passwordResetTtlSeconds]: '900',
      [HANDLER_ENV.passwordResetResponseFloorMs]: '500',
      [HANDLER_ENV.passwordResetToUnverifiedEmail]: 'false',
      [HANDLER_ENV.emailVerificationUrl]: 'https://app.example.com/verify?token={token}',
      [HANDLER_ENV.emailVerificationTtlSeconds]: '3600',
      [HANDLER_ENV.requireVerifiedEmail]: 'true',
      [HANDLER_ENV.loginWithEmail]: 'true',
    };
    const config = loadConfig(environment);
    // Every field came from its variable (none is left at a default).
    expect(Object.keys(config).sort()).toEqual(Object.keys(HANDLER_ENV).sort());
    expect(config).toMatchObject({
      tokenDurationSeconds: 1800,
      guardCacheTtlSeconds: 10,
      maxBodyBytes: 4096,
      databaseHost: 'proxy.example.com',
      databaseTls: 'disable',
      emailVerificationTtlSeconds: 3600,
      requireVerifiedEmail: true,
      loginWithEmail: true,
      passwordResetToUnverifiedEmail: false,
    });
    for (const [field, name] of Object.entries(HANDLER_ENV)) {
      expect(ENVIRONMENT_VARIABLES[field as keyof typeof HANDLER_ENV].startsWith(name)).toBe(true);
    }
  });
});

describe('accessTableFromEnv', () => {
  it('reads the table a deployment wrote', () => {
    const table = accessTableFromEnv({ [ACCESS_TABLE_ENV]: accessTableToJson(EXAMPLE_ACCESS_TABLE) });
    expect(table.routes).toEqual(EXAMPLE_ACCESS_TABLE.routes);
  });

  it('names the variable when it is missing or invalid', () => {
    expect(() => accessTableFromEnv({})).toThrow(/DEVAUTH_ACCESS_TABLE is not set/);
    expect(() => accessTableFromEnv({ [ACCESS_TABLE_ENV]: '{"version":2}' })).toThrow(/^DEVAUTH_ACCESS_TABLE: /);
  });
});
