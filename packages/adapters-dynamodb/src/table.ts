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

/**
 * The single table every devauth store shares. Item types and their keys (see README.md):
 *
 * | item                 | PK                          | SK                   | GSI1PK                    |
 * |----------------------|-----------------------------|----------------------|---------------------------|
 * | user                 | `USER#<userId>`             | `USER`               | `IDENTITY#<identityId>`   |
 * | user's family        | `USER#<userId>`             | `FAMILY#<familyId>`  | -                         |
 * | username marker      | `USERNAME#<username>`       | `USERNAME`           | -                         |
 * | email marker         | `EMAIL#<email>`             | `EMAIL`              | -                         |
 * | identity marker      | `IDENTITY#<identityId>`     | `IDENTITY`           | -                         |
 * | refresh token        | `TOKEN#<tokenHash>`         | `TOKEN`              | -                         |
 * | token family         | `FAMILY#<familyId>`         | `FAMILY`             | -                         |
 * | family member        | `FAMILY#<familyId>`         | `TOKEN#<hash>`       | -                         |
 * | throttle counter     | `THROTTLE#<key>`            | `THROTTLE`           | -                         |
 * | invitation           | `INVITATION#<codeHash>`     | `INVITATION`         | -                         |
 * | guest link           | `GUESTLINK#<secretHash>`    | `GUESTLINK`          | -                         |
 *
 * The identity marker (in the base table, so strongly consistent) is what makes an IdentityId unique and answers
 * `findByIdentityId`. GSI1 is no longer relied on: user items still carry GSI1PK (so deployments still running the
 * previous version, and the legacy lookup of users linked before the marker existed, keep finding them), and the
 * index stays in the table definition, since removing a GSI from a deployed table is a migration of its own.
 *
 * Generic key names (PK/SK, GSI1PK/GSI1SK) keep the table reusable for item types added later.
 */
export const DEVAUTH_TABLE = {
  partitionKey: 'PK',
  sortKey: 'SK',
  /**
   * Sparse: only user items linked to a Cognito IdentityId carry GSI1PK. Eventually consistent, like every GSI, so
   * no answer relies on it any more (the identity marker does); read only for users linked before the marker existed.
   */
  identityIndex: { name: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK', projection: 'ALL' },
  /** Epoch seconds. DynamoDB deletes an item some time (up to days) after this moment; reads never rely on it. */
  ttlAttribute: 'ttl',
} as const;

/** The CreateTable input for the devauth table (on-demand capacity); infrastructure code can reuse its parts. */
export function devauthTableDefinition(tableName: string): CreateTableCommandInput & { TableName: string } {
  const { partitionKey, sortKey, identityIndex } = DEVAUTH_TABLE;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: partitionKey, AttributeType: 'S' },
      { AttributeName: sortKey, AttributeType: 'S' },
      { AttributeName: identityIndex.partitionKey, AttributeType: 'S' },
      { AttributeName: identityIndex.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' },
      { AttributeName: sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: identityIndex.name,
        KeySchema: [
          { AttributeName: identityIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: identityIndex.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: identityIndex.projection },
      },
    ],
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
  identityMarker: (identityId: string) => key(`IDENTITY#${identityId}`, 'IDENTITY'),
  userFamily: (userId: string, familyId: string) => key(`USER#${userId}`, `${USER_FAMILY_PREFIX}${familyId}`),
  userPartition: (userId: string) => `USER#${userId}`,
  familyPartition: (familyId: string) => `FAMILY#${familyId}`,
  /** The GSI1PK value of a linked user item (the legacy identity lookup). */
  identity: (identityId: string) => `IDENTITY#${identityId}`,
};

/** Sort-key prefix of the family member items (one per token of a family, beside the family item). */
export const MEMBER_PREFIX = 'TOKEN#';
/** Sort-key prefix of the user -> family index items (one per family of a user, beside the user item). */
export const USER_FAMILY_PREFIX = 'FAMILY#';

function key(pk: string, sk: string): { PK: { S: string }; SK: { S: string } } {
  return { PK: { S: pk }, SK: { S: sk } };
}
