import { ConfigurationError } from '@devauth/core';
import { describe, expect, it } from 'vitest';
import { userLookupFromEnv } from '../../src/access/index.js';

describe('userLookupFromEnv', () => {
  it('checks the store settings when created, naming the field and never the value', () => {
    const url = 'postgres://app:hunter2@db.internal/devauth';
    let error: unknown;
    try {
      userLookupFromEnv({ DEVAUTH_STORE: 'postgres', DEVAUTH_DATABASE_URL: url, DEVAUTH_DATABASE_HOST: 'proxy' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(String(error)).toContain('databaseHost');
    expect(String(error)).not.toContain('hunter2');
    expect(() => userLookupFromEnv({ DEVAUTH_STORE: 'dynamodb' })).toThrow(/tableName: required/);
  });

  it.each(['memory', 'pglite'])('refuses the %s store, which an app function would not share', (store) => {
    expect(() => userLookupFromEnv({ DEVAUTH_STORE: store })).toThrow(/shared store/);
  });
});
