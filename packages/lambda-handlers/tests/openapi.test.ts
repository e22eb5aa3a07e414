import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { generateOpenApi } from '../src/openapi.js';

describe('generateOpenApi', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const doc = generateOpenApi({ servers: ['https://api.example.com/prod'] });
    const result = await new Validator().validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
  });

  it('derives request schemas from the core zod schemas (strict objects, bounds)', () => {
    const doc = generateOpenApi() as {
      components: {
        schemas: Record<
          string,
          { properties: Record<string, { maxLength?: number }>; required: string[]; additionalProperties: unknown }
        >;
      };
      paths: Record<string, unknown>;
    };
    const login = doc.components.schemas.LoginRequest!;
    expect(login.required.sort()).toEqual(['password', 'username']);
    expect(login.additionalProperties).toBe(false);
    expect(login.properties.password?.maxLength).toBe(4096);
    expect(Object.keys(doc.paths)).toEqual([
      '/auth/register',
      '/auth/login',
      '/auth/guest',
      '/auth/refresh',
      '/auth/logout',
      '/auth/password/forgot',
      '/auth/password/reset',
      '/me/password',
      '/me/sessions',
      '/me/sessions/{familyId}',
      '/me/sessions/revoke-others',
      '/me',
    ]);
    expect(Object.keys(doc.paths['/me'] as object).sort()).toEqual(['delete', 'get']);
  });
});
