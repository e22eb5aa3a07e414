import { type AccessTable, accessTableFromJson } from '@devauth/access';
import { ACCESS_TABLE_ENV } from '../env.js';

/**
 * The access table a deployment put in this function's environment (`DEVAUTH_ACCESS_TABLE`, the JSON of
 * `accessTableToJson`; `@devauth/cdk` sets it on every app function it routes to). Read once at cold start and
 * passed to `createGuard`. Throws an `Error` naming the variable when it is missing or invalid, so a function deployed
 * without its table fails loudly instead of refusing every request as an unknown route.
 */
export function accessTableFromEnv(source: Readonly<Record<string, string | undefined>> = process.env): AccessTable {
  const text = source[ACCESS_TABLE_ENV];
  if (text === undefined || text.trim() === '') {
    throw new Error(`${ACCESS_TABLE_ENV} is not set: it should hold this function's access table (JSON).`);
  }
  try {
    return accessTableFromJson(text);
  } catch (error) {
    throw new Error(`${ACCESS_TABLE_ENV}: ${(error as Error).message}`);
  }
}
