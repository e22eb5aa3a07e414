import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type PgModule from 'pg';

/**
 * `pg` for the tests. Vitest hands the root config's resolve conditions (`module`, `import`, ...) to the worker's Node
 * as `--conditions`, so pg's own CommonJS `require('pg-pool')` resolves to pg-pool's ESM entry and gets a module
 * namespace instead of the Pool class ("Class extends value [object Module]"). Before pg loads, register pg-pool's
 * CommonJS entry under the path Node resolves to. Test-only: plain Node (users, the bench) never needs this.
 */
function loadPg(): typeof PgModule {
  const require = createRequire(import.meta.url);
  const fromPg = createRequire(require.resolve('pg'));
  const poolEntry = fromPg.resolve('pg-pool');
  if (poolEntry.endsWith('.mjs')) {
    const commonJsEntry = join(dirname(poolEntry), '..', 'index.js');
    fromPg(commonJsEntry);
    require.cache[poolEntry] = require.cache[commonJsEntry];
  }
  const loaded = require('pg') as typeof PgModule & { default?: typeof PgModule };
  return loaded.default ?? loaded;
}

const pg = loadPg();
export default pg;
export type { Client, Pool, PoolConfig } from 'pg';
