import { DeleteItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  assertPageLimit,
  ConfigurationError,
  decodeInvitationCursor,
  encodeInvitationCursor,
  type InvitationListPosition,
  type InvitationRecord,
  type InvitationStore,
} from '@devauth/core';
import { isConditionalCheckFailed, toPortError, tracked } from './errors.js';
import { CURSOR_KIND } from './list-cursor.js';
import { invitationItem, invitationListKeys, itemToInvitation, millis, s } from './mappers.js';
import { assertStoreOptions, call, type DynamoDbStoreOptions, type Item } from './requests.js';
import { DEVAUTH_TABLE, invitationListSortKey, keys, LIST_PARTITION } from './table.js';

/**
 * Invitations (`INVITATION#<codeHash>`), expiring with a TTL at `expiresAt`; consume, release and revoke are one
 * write each, a listing page one Query of GSI2 (`INVITATIONS`, newest first).
 */
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

  /**
   * One Query of GSI2 per page: partition `INVITATIONS`, sort key `<createdAt ISO>#<codeHash>` descending
   * (`ScanIndexForward: false`), so newest first and, at one instant, by digest (descending too). `Limit` is one more
   * than the page, so a full last page ends the listing. Used and expired invitations are listed until TTL deletes
   * them; ones written before GSI2 existed only after `backfillListIndex`. Eventually consistent (a GSI).
   */
  async list(query: { readonly after?: string; readonly limit: number }): Promise<{
    readonly invitations: readonly InvitationRecord[];
    readonly nextCursor: string | null;
  }> {
    assertPageLimit(query.limit);
    const after = query.after === undefined ? undefined : decodeInvitationCursor(CURSOR_KIND.invitations, query.after);
    const { listIndex } = DEVAUTH_TABLE;
    const output = await call('Query (list invitations)', () =>
      this.options.client.send(
        tracked(
          new QueryCommand({
            TableName: this.options.tableName,
            IndexName: listIndex.name,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': listIndex.partitionKey },
            ExpressionAttributeValues: { ':pk': s(LIST_PARTITION.invitations) },
            ScanIndexForward: false,
            Limit: query.limit + 1,
            ExclusiveStartKey:
              after === undefined
                ? undefined
                : { ...keys.invitation(after.codeHash), ...invitationListKeys(after.createdAt, after.codeHash) },
          }),
        ),
      ),
    );
    const invitations = (output.Items ?? []).map(itemToInvitation);
    if (invitations.length > query.limit) {
      const page = invitations.slice(0, query.limit);
      return { invitations: page, nextCursor: encodeInvitationCursor(CURSOR_KIND.invitations, page[page.length - 1]!) };
    }
    const stop = output.LastEvaluatedKey;
    return {
      invitations,
      nextCursor: stop === undefined ? null : encodeInvitationCursor(CURSOR_KIND.invitations, positionOf(stop)),
    };
  }

  /** One DeleteItem (`ReturnValues: ALL_OLD`, which says whether there was one). */
  async revoke(codeHash: string): Promise<boolean> {
    const output = await call('DeleteItem (revoke invitation)', () =>
      this.options.client.send(
        tracked(
          new DeleteItemCommand({
            TableName: this.options.tableName,
            Key: keys.invitation(codeHash),
            ReturnValues: 'ALL_OLD',
          }),
        ),
      ),
    );
    return output.Attributes !== undefined;
  }
}

/** The position of a LastEvaluatedKey: the table key names the digest, the index sort key holds the time. */
function positionOf(key: Item): InvitationListPosition {
  const sortKey = key[DEVAUTH_TABLE.listIndex.sortKey]?.S ?? '';
  const separator = sortKey.indexOf('#');
  const position = { createdAt: new Date(sortKey.slice(0, separator)), codeHash: sortKey.slice(separator + 1) };
  if (
    separator < 0 ||
    Number.isNaN(position.createdAt.getTime()) ||
    invitationListSortKey(position.createdAt, position.codeHash) !== sortKey
  ) {
    throw new ConfigurationError('DynamoDB answered an invitation listing with a position that is not an invitation.');
  }
  return position;
}
