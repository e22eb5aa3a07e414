import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { GuestLinkRecord, GuestLinkStore } from '@devauth/core';
import { isConditionalCheckFailed, toPortError, tracked } from './errors.js';
import { guestLinkItem, millis, s } from './mappers.js';
import { assertStoreOptions, call, type DynamoDbStoreOptions } from './requests.js';
import { DEVAUTH_TABLE, keys } from './table.js';

/**
 * Guest links (`GUESTLINK#<secretHash>`), one item per secret digest, deleted by TTL some time after `expiresAt`
 * (reads never rely on that: `consume` checks the expiry itself). `consume` and `release` are one write each, like
 * the invitation store's.
 */
export class DynamoDbGuestLinkStore implements GuestLinkStore {
  constructor(private readonly options: DynamoDbStoreOptions) {
    assertStoreOptions(options);
  }

  /** One PutItem. */
  async create(record: GuestLinkRecord): Promise<void> {
    await call('PutItem (guest link)', () =>
      this.options.client.send(
        tracked(new PutItemCommand({ TableName: this.options.tableName, Item: guestLinkItem(record) })),
      ),
    );
  }

  /** One conditional UpdateItem: exists, bound to `identityId`, unused, not expired at `now`. */
  async consume(secretHash: string, identityId: string, now: Date): Promise<boolean> {
    try {
      await this.options.client.send(
        tracked(
          new UpdateItemCommand({
            TableName: this.options.tableName,
            Key: keys.guestLink(secretHash),
            UpdateExpression: 'SET #usedAt = :now',
            ConditionExpression:
              'attribute_exists(#pk) AND #identityId = :identityId AND attribute_not_exists(#usedAt) AND #expiresAt > :now',
            ExpressionAttributeNames: {
              '#pk': DEVAUTH_TABLE.partitionKey,
              '#identityId': 'identityId',
              '#usedAt': 'usedAt',
              '#expiresAt': 'expiresAt',
            },
            ExpressionAttributeValues: { ':now': millis(now), ':identityId': s(identityId) },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw toPortError(error, 'UpdateItem (consume guest link)');
    }
  }

  /** Clears `usedAt`; an unknown secret is left alone (no stub item is created). */
  async release(secretHash: string): Promise<void> {
    try {
      await this.options.client.send(
        tracked(
          new UpdateItemCommand({
            TableName: this.options.tableName,
            Key: keys.guestLink(secretHash),
            UpdateExpression: 'REMOVE #usedAt',
            ConditionExpression: 'attribute_exists(#pk)',
            ExpressionAttributeNames: { '#pk': DEVAUTH_TABLE.partitionKey, '#usedAt': 'usedAt' },
          }),
        ),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw toPortError(error, 'UpdateItem (release guest link)');
    }
  }
}
