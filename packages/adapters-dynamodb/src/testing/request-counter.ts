import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface RequestCounter {
  /** HTTP requests sent since creation or the last reset, SDK retries included. */
  readonly total: number;
  /** The same, per command name (`GetItemCommand`, ...). */
  readonly byCommand: ReadonlyMap<string, number>;
  reset(): void;
}

/**
 * Counts the requests a client sends, to assert round trips in tests and benchmarks. The middleware sits in the
 * finalizeRequest step below the SDK's retry middleware, so it runs once per attempt: a retried call counts twice.
 */
export function countRequests(client: DynamoDBClient): RequestCounter {
  let total = 0;
  const byCommand = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      total++;
      const name = String(context.commandName ?? 'unknown');
      byCommand.set(name, (byCommand.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'devauthRequestCounter', override: true },
  );
  return {
    get total() {
      return total;
    },
    byCommand,
    reset() {
      total = 0;
      byCommand.clear();
    },
  };
}
