import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { InvitationRecord, InvitationStore } from '@devauth/core';
import { isConditionalCheckFailed, toPortError, tracked } from './errors.js';
import { invitationItem, millis, s } from './mappers.js';
import { assertStoreOptions, call, type DynamoDbStoreOptions } from './requests.js';
import { DEVAUTH_TABLE, keys } from './table.js';

/** Invitations (`INVITATION#<codeHash>`), expiring with a TTL at `expiresAt`; consume and release are one write each. */
export class DynamoDbInvitationStore implements InvitationStore {
  constructor(private readonly options: DynamoDbStoreOptions) {
    assertStoreOptions(options);
  }

  async create(record: InvitationRecord): Promise<void> {
    await call('PutItem (invitation)', () =>
      this.options.client.send(
        tracked(new PutItemCommand({ TableName: this.options.tableName, Item: invitationItem(record) })),
      ),
    );
  }

  /** One conditional UpdateItem: exists, grants `role`, unused, not expired at `now`. */
  async consume(codeHash: string, role: string, now: Date): Promise<boolean> {
    try {
      await this.options.client.send(
        tracked(
          new UpdateItemCommand({
            TableName: this.options.tableName,
            Key: keys.invitation(codeHash),
            UpdateExpression: 'SET #usedAt = :now',
            ConditionExpression:
              'attribute_exists(#pk) AND #role = :role AND attribute_not_exists(#usedAt) AND #expiresAt > :now',
            ExpressionAttributeNames: {
              '#pk': DEVAUTH_TABLE.partitionKey,
              '#role': 'role',
              '#usedAt': 'usedAt',
              '#expiresAt': 'expiresAt',
            },
            ExpressionAttributeValues: { ':now': millis(now), ':role': s(role) },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw toPortError(error, 'UpdateItem (consume invitation)');
    }
  }

  /** Clears `usedAt`; an unknown code is left alone (no stub item is created). */
  async release(codeHash: string): Promise<void> {
    try {
      await this.options.client.send(
        tracked(
          new UpdateItemCommand({
            TableName: this.options.tableName,
            Key: keys.invitation(codeHash),
            UpdateExpression: 'REMOVE #usedAt',
            ConditionExpression: 'attribute_exists(#pk)',
            ExpressionAttributeNames: { '#pk': DEVAUTH_TABLE.partitionKey, '#usedAt': 'usedAt' },
          }),
        ),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw toPortError(error, 'UpdateItem (release invitation)');
    }
  }
}
