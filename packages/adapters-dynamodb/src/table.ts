import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { ConfigurationError } from '@devauth/core';
import { errorName, toPortError } from './errors.js';
import { DEVAUTH_TABLE } from './table-schema.js';

// The table's shape lives in an SDK-free module so infrastructure code (the CDK constructs) can read it without
// loading @aws-sdk/client-dynamodb; it is re-exported here so every existing import keeps working.
export { DEVAUTH_TABLE } from './table-schema.js';

/** The CreateTable input for the devauth table (on-demand capacity); infrastructure code can reuse its parts. */
export function devauthTableDefinition(tableName: string): CreateTableCommandInput & { TableName: string } {
  const { partitionKey, sortKey, identityIndex, listIndex, keyAttributeType, billingMode } = DEVAUTH_TABLE;
  return {
    TableName: tableName,
    BillingMode: billingMode,
    AttributeDefinitions: [
      { AttributeName: partitionKey, AttributeType: keyAttributeType },
      { AttributeName: sortKey, AttributeType: keyAttributeType },
      { AttributeName: identityIndex.partitionKey, AttributeType: keyAttributeType },
      { AttributeName: identityIndex.sortKey, AttributeType: keyAttributeType },
      { AttributeName: listIndex.partitionKey, AttributeType: keyAttributeType },
      { AttributeName: listIndex.sortKey, AttributeType: keyAttributeType },
    ],
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' },
      { AttributeName: sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [identityIndex, listIndex].map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: index.projection },
    })),
  };
}

export interface CreateTableOptions {
  /** Longest wait for the table to become ACTIVE (default 60 s). */
  readonly maxWaitSeconds?: number;
}

/**
 * Creates the devauth table (for local engines and tests; production tables belong to infrastructure code), waits
 * until it is ACTIVE and enables TTL on {@link DEVAUTH_TABLE.ttlAttribute}. Idempotent: an existing table is waited
 * for and gets TTL enabled if it lacks it.
 */
export async function createTable(
  client: DynamoDBClient,
  tableName: string,
  options: CreateTableOptions = {},
): Promise<void> {
  try {
    await client.send(new CreateTableCommand(devauthTableDefinition(tableName)));
  } catch (error) {
    if (errorName(error) !== 'ResourceInUseException') throw toPortError(error);
  }
  const waited = await waitUntilTableExists(
    { client, maxWaitTime: options.maxWaitSeconds ?? 60, minDelay: 1, maxDelay: 2 },
    { TableName: tableName },
  ).catch((error: unknown) => {
    throw toPortError(error);
  });
  if (waited.state !== 'SUCCESS') {
    throw new ConfigurationError(`DynamoDB table ${tableName} did not become ACTIVE (${waited.state}).`);
  }
  try {
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
    if (status === 'ENABLED' || status === 'ENABLING') return;
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: DEVAUTH_TABLE.ttlAttribute, Enabled: true },
      }),
    );
  } catch (error) {
    throw toPortError(error);
  }
}

/** Key builders. The prefix keeps item types apart; the rest is the value itself, so no two values share a key. */
export const keys = {
  user: (userId: string) => key(`USER#${userId}`, 'USER'),
  username: (username: string) => key(`USERNAME#${username}`, 'USERNAME'),
  email: (email: string) => key(`EMAIL#${email}`, 'EMAIL'),
  token: (tokenHash: string) => key(`TOKEN#${tokenHash}`, 'TOKEN'),
  family: (familyId: string) => key(`FAMILY#${familyId}`, 'FAMILY'),
  familyMember: (familyId: string, tokenHash: string) => key(`FAMILY#${familyId}`, `${MEMBER_PREFIX}${tokenHash}`),
  throttle: (throttleKey: string) => key(`THROTTLE#${throttleKey}`, 'THROTTLE'),
  invitation: (codeHash: string) => key(`INVITATION#${codeHash}`, 'INVITATION'),
  guestLink: (secretHash: string) => key(`GUESTLINK#${secretHash}`, 'GUESTLINK'),
  accountToken: (tokenHash: string) => key(`ACCOUNTTOKEN#${tokenHash}`, 'ACCOUNTTOKEN'),
  /** The user's current account token of `purpose` (a pointer beside the user item). */
  userAccountToken: (userId: string, purpose: string) =>
    key(`USER#${userId}`, `${USER_ACCOUNT_TOKEN_PREFIX}${purpose}`),
  identityMarker: (identityId: string) => key(`IDENTITY#${identityId}`, 'IDENTITY'),
  userFamily: (userId: string, familyId: string) => key(`USER#${userId}`, `${USER_FAMILY_PREFIX}${familyId}`),
  userPartition: (userId: string) => `USER#${userId}`,
  familyPartition: (familyId: string) => `FAMILY#${familyId}`,
  /** The GSI1PK value of a linked user item (the legacy identity lookup). */
  identity: (identityId: string) => `IDENTITY#${identityId}`,
};

/**
 * The GSI2 (listing) partitions: every user item in one, sorted by canonical username; every invitation in another,
 * sorted by `<createdAt ISO 8601>#<codeHash>` (fixed-width UTC timestamps, so the string order is the time order).
 */
export const LIST_PARTITION = { users: 'USERS', invitations: 'INVITATIONS' } as const;

/** The GSI2SK of an invitation. */
export const invitationListSortKey = (createdAt: Date, codeHash: string): string =>
  `${createdAt.toISOString()}#${codeHash}`;

/** Sort-key prefix of the family member items (one per token of a family, beside the family item). */
export const MEMBER_PREFIX = 'TOKEN#';
/** Sort-key prefix of the user -> family index items (one per family of a user, beside the user item). */
export const USER_FAMILY_PREFIX = 'FAMILY#';
/** Sort-key prefix of the user's account-token pointers (one per purpose, beside the user item). */
export const USER_ACCOUNT_TOKEN_PREFIX = 'ACCOUNTTOKEN#';

function key(pk: string, sk: string): { PK: { S: string }; SK: { S: string } } {
  return { PK: { S: pk }, SK: { S: sk } };
}
