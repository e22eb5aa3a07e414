import { DynamoDbAccountTokenStore } from './dynamodb-account-token-store.js';
import { DynamoDbGuestLinkStore } from './dynamodb-guest-link-store.js';
import { DynamoDbInvitationStore } from './dynamodb-invitation-store.js';
import { DynamoDbLoginAttemptStore } from './dynamodb-login-attempt-store.js';
import { DynamoDbRefreshTokenStore } from './dynamodb-refresh-token-store.js';
import { DynamoDbUserStore } from './dynamodb-user-store.js';
import { assertStoreOptions, type DynamoDbStoreOptions } from './requests.js';

/**
 * Every devauth persistence port on one DynamoDB table, named as `createDevauth` expects them
 * (`createDevauth({ ...createDynamoDbStores({ client, tableName }), broker })`). Cheap: no request is sent here.
 */
export class DynamoDbStores {
  readonly users: DynamoDbUserStore;
  readonly refreshTokens: DynamoDbRefreshTokenStore;
  readonly loginAttempts: DynamoDbLoginAttemptStore;
  readonly invitations: DynamoDbInvitationStore;
  readonly guestLinks: DynamoDbGuestLinkStore;
  readonly accountTokens: DynamoDbAccountTokenStore;

  constructor(options: DynamoDbStoreOptions) {
    assertStoreOptions(options);
    this.users = new DynamoDbUserStore(options);
    this.refreshTokens = new DynamoDbRefreshTokenStore(options);
    this.loginAttempts = new DynamoDbLoginAttemptStore(options);
    this.invitations = new DynamoDbInvitationStore(options);
    this.guestLinks = new DynamoDbGuestLinkStore(options);
    this.accountTokens = new DynamoDbAccountTokenStore(options);
  }
}

export function createDynamoDbStores(options: DynamoDbStoreOptions): DynamoDbStores {
  return new DynamoDbStores(options);
}
