import { GUEST_ROLE } from '@devauth/core';
import { type AccessTable, defineAccessTable } from './access-table.js';

/**
 * The access table as JSON, for carrying it where only text travels: a deployment writes it into an app function's
 * environment (`DEVAUTH_ACCESS_TABLE`), the function's guard reads it back. The known roles travel with the routes so
 * the reader validates the table exactly as the writer defined it.
 */
export interface AccessTableJson {
  readonly version: 1;
  /** The known roles besides `guest` (the `roles` option of `defineAccessTable`). */
  readonly roles: readonly string[];
  readonly routes: AccessTable['routes'];
}

/**
 * Serialises a table. `roles` are the known roles it was defined with (default: every role its routes list), so a
 * table read back accepts the same roles. Compact JSON: Lambda environments hold 4 KB in all.
 */
export function accessTableToJson(table: AccessTable, options: { roles?: readonly string[] } = {}): string {
  const roles = options.roles ?? [...new Set(table.routes.flatMap((route) => route.roles))];
  // Validated as the reader will validate it, so a table that could not be read back is refused here.
  const defined = defineAccessTable(table.routes, { roles });
  const json: AccessTableJson = {
    version: 1,
    roles: roles.filter((role) => role !== GUEST_ROLE),
    routes: defined.routes.map((route) => ({ method: route.method, path: route.path, roles: route.roles })),
  };
  return JSON.stringify(json);
}

/** Parses and validates what `accessTableToJson` wrote; throws an `Error` on anything else. */
export function accessTableFromJson(text: string): AccessTable {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('Access table JSON: not valid JSON.');
  }
  const json = value as Partial<AccessTableJson> | null;
  if (typeof json !== 'object' || json === null || json.version !== 1) {
    throw new Error('Access table JSON: expected { "version": 1, "roles": [...], "routes": [...] }.');
  }
  if (!Array.isArray(json.roles)) throw new Error('Access table JSON: "roles" must be an array.');
  return defineAccessTable(json.routes as AccessTable['routes'], { roles: json.roles });
}
