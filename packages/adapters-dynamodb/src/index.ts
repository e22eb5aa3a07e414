/**
 * `@devauth/adapters-dynamodb`: devauth's user, refresh-token, login-attempt, invitation, guest-link and account-token
 * stores on one DynamoDB table. Bring your own `DynamoDBClient` (a peer dependency); nothing is created or sent at
 * import time.
 */
export {
  type BackfillListIndexOptions,
  type BackfillListIndexResult,
  backfillListIndex,
} from './backfill.js';
export { DynamoDbAccountTokenStore } from './dynamodb-account-token-store.js';
export { DynamoDbGuestLinkStore } from './dynamodb-guest-link-store.js';
export { DynamoDbInvitationStore } from './dynamodb-invitation-store.js';
export { DynamoDbLoginAttemptStore } from './dynamodb-login-attempt-store.js';
export { DynamoDbRefreshTokenStore } from './dynamodb-refresh-token-store.js';
export { createDynamoDbStores, DynamoDbStores } from './dynamodb-stores.js';
export { DynamoDbUserStore } from './dynamodb-user-store.js';
export { classify as classifyDynamoDbError, DynamoDbErrorDetails } from './errors.js';
export type { DynamoDbStoreOptions } from './requests.js';
export { type CreateTableOptions, createTable, DEVAUTH_TABLE, devauthTableDefinition } from './table.js';
