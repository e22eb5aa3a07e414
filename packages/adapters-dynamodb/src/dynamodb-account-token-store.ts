import { GetItemCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import {
  type AccountTokenPurpose,
  type AccountTokenRecord,
  type AccountTokenStore,
  ConfigurationError,
} from '@devauth/core';
import { tracked } from './errors.js';
import { accountTokenItem, itemToAccountToken, millis, s, userAccountTokenItem } from './mappers.js';
import {
  assertStoreOptions,
  batchDelete,
  call,
  type DynamoDbStoreOptions,
  type Key,
  queryPages,
  transactWrite,
} from './requests.js';
import { DEVAUTH_TABLE, keys, USER_ACCOUNT_TOKEN_PREFIX } from './table.js';

/**
 * Password-reset and email-verification tokens in the single table, two items per token:
 *
 * - the token item (`ACCOUNTTOKEN#<tokenHash>` / `ACCOUNTTOKEN`) holds the record, found by digest;
 * - the user's pointer (`USER#<userId>` / `ACCOUNTTOKEN#<purpose>`) holds the digest of the user's one current token
 *   of that purpose. A token counts only while the pointer names it.
 *
 * `issue` writes both in one TransactWriteItems: overwriting the pointer is what makes the earlier token of that
 * purpose unusable at once (its item is left to its TTL: deleting it too would need a read first). `consume` reads
 * the token item (consistent GetItem: the record to return, since a transaction returns nothing on success), then
 * deletes the token item (exists, purpose, `expiresAt > now`) and the pointer (still naming this digest) in one
 * TransactWriteItems: single use and atomic, of concurrent consumers exactly one commits and the others fail a
 * condition (answered null). Both items carry a TTL at the token's expiry (with the package's one-hour floor); an
 * expired token is refused by its own `expiresAt`, never by TTL. Deleting the user sweeps its partition, pointers
 * included, which leaves any token item inert.
 */
export class DynamoDbAccountTokenStore implements AccountTokenStore {
  constructor(private readonly options: DynamoDbStoreOptions) {
    assertStoreOptions(options);
  }

  /**
   * One TransactWriteItems: the token item and the user's pointer. The token item may only replace an item of the
   * same digest, user and purpose (the same record issued again), never another user's token.
   */
  async issue(record: AccountTokenRecord): Promise<void> {
    const reasons = await transactWrite(this.options, 'TransactWriteItems (issue account token)', [
      {
        Put: {
          TableName: this.options.tableName,
          Item: accountTokenItem(record),
          ConditionExpression: 'attribute_not_exists(#pk) OR (#userId = :userId AND #purpose = :purpose)',
          ExpressionAttributeNames: { '#pk': DEVAUTH_TABLE.partitionKey, '#userId': 'userId', '#purpose': 'purpose' },
          ExpressionAttributeValues: { ':userId': s(record.userId), ':purpose': s(record.purpose) },
        },
      },
      { Put: { TableName: this.options.tableName, Item: userAccountTokenItem(record) } },
    ]);
    if (reasons !== null) {
      // A digest collision (or a forged record): the same refusal as PostgreSQL's primary key.
      throw new ConfigurationError(
        'DynamoDB refused TransactWriteItems (issue account token): the token digest is stored for another user or purpose.',
      );
    }
  }

  /**
   * A consistent GetItem of the token item (unknown, wrong purpose or expired: null, after this one request), then
   * one TransactWriteItems deleting it on `attribute_exists AND purpose = :purpose AND expiresAt > :now` and deleting
   * the user's pointer on `tokenHash = :hash`. A failed condition (spent meanwhile, replaced by a newer token,
   * forgotten) answers null and changes nothing.
   */
  async consume(tokenHash: string, purpose: AccountTokenPurpose, now: Date): Promise<AccountTokenRecord | null> {
    const output = await call('GetItem (account token)', () =>
      this.options.client.send(
        tracked(
          new GetItemCommand({
            TableName: this.options.tableName,
            Key: keys.accountToken(tokenHash),
            ConsistentRead: true,
          }),
        ),
      ),
    );
    if (output.Item === undefined) return null;
    const record = itemToAccountToken(output.Item);
    if (record.purpose !== purpose || record.expiresAt.getTime() <= now.getTime()) return null;
    const spend: TransactWriteItem[] = [
      {
        Delete: {
          TableName: this.options.tableName,
          Key: keys.accountToken(tokenHash),
          ConditionExpression: 'attribute_exists(#pk) AND #purpose = :purpose AND #expiresAt > :now',
          ExpressionAttributeNames: {
            '#pk': DEVAUTH_TABLE.partitionKey,
            '#purpose': 'purpose',
            '#expiresAt': 'expiresAt',
          },
          ExpressionAttributeValues: { ':purpose': s(purpose), ':now': millis(now) },
        },
      },
      {
        Delete: {
          TableName: this.options.tableName,
          Key: keys.userAccountToken(record.userId, purpose),
          ConditionExpression: '#tokenHash = :tokenHash',
          ExpressionAttributeNames: { '#tokenHash': 'tokenHash' },
          ExpressionAttributeValues: { ':tokenHash': s(tokenHash) },
        },
      },
    ];
    const reasons = await transactWrite(this.options, 'TransactWriteItems (consume account token)', spend);
    return reasons === null ? record : null;
  }

  /**
   * A consistent Query of the user's partition for the pointers (`begins_with(SK, ACCOUNTTOKEN#)`), then one
   * BatchWriteItem deleting each pointer and the token item it names; nothing is written when there is none.
   * Token items no pointer names any more (replaced tokens) are inert and left to their TTL.
   */
  async deleteAllForUser(userId: string): Promise<void> {
    const found: Key[] = [];
    for await (const items of queryPages(this.options, 'Query (user account tokens)', {
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: {
        '#pk': DEVAUTH_TABLE.partitionKey,
        '#sk': DEVAUTH_TABLE.sortKey,
        '#tokenHash': 'tokenHash',
      },
      ExpressionAttributeValues: {
        ':pk': s(keys.userPartition(userId)),
        ':prefix': s(USER_ACCOUNT_TOKEN_PREFIX),
      },
      ProjectionExpression: '#pk, #sk, #tokenHash',
    })) {
      for (const item of items) {
        if (item.PK && item.SK) found.push({ PK: item.PK, SK: item.SK });
        const hash = item.tokenHash?.S;
        if (hash !== undefined) found.push(keys.accountToken(hash));
      }
    }
    await batchDelete(this.options, 'BatchWriteItem (user account tokens)', found);
  }
}
