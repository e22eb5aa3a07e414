import { describe, expect, it } from 'vitest';
import {
  accessTableFromJson,
  accessTableToJson,
  defineAccessTable,
  EXAMPLE_ACCESS_TABLE,
  isAllowed,
} from '../src/index.js';

describe('access table JSON', () => {
  it('round-trips a table with its known roles', () => {
    const json = accessTableToJson(EXAMPLE_ACCESS_TABLE, { roles: ['shopper', 'seller', 'admin'] });
    expect(JSON.parse(json)).toEqual({
      version: 1,
      roles: ['shopper', 'seller', 'admin'],
      routes: EXAMPLE_ACCESS_TABLE.routes.map(({ method, path, roles }) => ({ method, path, roles })),
    });
    const table = accessTableFromJson(json);
    expect(table.routes).toEqual(EXAMPLE_ACCESS_TABLE.routes);
    expect(isAllowed(table, 'DELETE', '/products/7', 'seller')).toBe(true);
    expect(isAllowed(table, 'DELETE', '/products/7', 'shopper')).toBe(false);
  });

  it('defaults the known roles to those the routes list, guest left implicit', () => {
    const table = defineAccessTable([{ method: 'GET', path: '/a', roles: ['guest', 'reader'] }], { roles: ['reader'] });
    expect(JSON.parse(accessTableToJson(table)).roles).toEqual(['reader']);
  });

  it('refuses what would not read back, and anything that is not its own JSON', () => {
    expect(() => accessTableToJson({ routes: [{ method: 'GET', path: '/a', roles: ['x'] }] }, { roles: [] })).toThrow(
      /unknown role "x"/,
    );
    expect(() => accessTableFromJson('not json')).toThrow(/not valid JSON/);
    expect(() => accessTableFromJson('{"routes":[]}')).toThrow(/version/);
    expect(() => accessTableFromJson('{"version":1,"routes":[]}')).toThrow(/"roles" must be an array/);
    expect(() =>
      accessTableFromJson(
        '{"version":1,"roles":[],"routes":[{"method":"GET","path":"/a/{proxy+}","roles":["guest"]}]}',
      ),
    ).toThrow(/invalid segment/);
  });
});
