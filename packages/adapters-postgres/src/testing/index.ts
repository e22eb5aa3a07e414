/**
 * `@devauth/adapters-postgres/testing`: a throwaway PostgreSQL server for tests and benchmarks, and a statement
 * counter for round-trip assertions. Node only; imports no driver.
 */

export {
  type PostgresCluster,
  PostgresClusterError,
  type PostgresClusterFailure,
  type PostgresClusterOptions,
  startPostgresCluster,
} from './postgres-cluster.js';
export { type CountedSqlClient, countQueries } from './query-counter.js';
