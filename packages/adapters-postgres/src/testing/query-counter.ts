import type { SqlClient, SqlTransaction } from '../sql-client.js';

export interface CountedSqlClient {
  /** Forwards everything to the wrapped client, counting each statement. */
  readonly client: SqlClient;
  /** Statements sent since creation or the last `reset()` (transaction statements and scripts included). */
  count(): number;
  reset(): void;
}

/** Counts the statements devauth sends (one statement = one round trip on a warm connection). */
export function countQueries(inner: SqlClient): CountedSqlClient {
  let statements = 0;
  const counted = (tx: SqlTransaction): SqlTransaction => ({
    query: (text, values) => {
      statements++;
      return tx.query(text, values);
    },
    exec: (script) => {
      statements++;
      return tx.exec(script);
    },
  });
  return {
    client: {
      query: (text, values) => {
        statements++;
        return inner.query(text, values);
      },
      transaction: (work) => inner.transaction((tx) => work(counted(tx))),
    },
    count: () => statements,
    reset: () => {
      statements = 0;
    },
  };
}
