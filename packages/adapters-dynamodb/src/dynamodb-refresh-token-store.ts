import { GetItemCommand, QueryCommand, type TransactWriteItem, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { RefreshTokenRecord, RefreshTokenStore, RotationOutcome } from '@devauth/core';
import { isConditionalCheckFailed, toPortError, tracked } from './errors.js';
import { familyMemberItem, itemToToken, millis, n, s, tokenItem, userFamilyItem } from './mappers.js';
import {
  assertStoreOptions,
  batchDelete,
  call,
  type DynamoDbStoreOptions,
  type Item,
  type Key,
  transactWrite,
} from './requests.js';
import { DEVAUTH_TABLE, keys, MEMBER_PREFIX, USER_FAMILY_PREFIX } from './table.js';

/** Tokens marked in parallel while revoking a family (bounded, so a large family does not burst the table). */
const MARK_CONCURRENCY = 16;
/** Families revoked in parallel by revokeAllForUser (each marks up to MARK_CONCURRENCY tokens at a time). */
const FAMILY_CONCURRENCY = 4;

/**
 * Refresh tokens in the single table. A token item (`TOKEN#<hash>`) holds the record; its family's partition
 * (`FAMILY#<familyId>`) holds the family item (revocation flag) and one member item per token.
 *
 * - `find` is one strongly consistent GetItem: revocation is written onto every token item (`familyRevoked`), so the
 *   token alone answers, with no second read of the family.
 * - `rotate` is one TransactWriteItems: update the current token to `rotated` on condition it is `active`, in this
 *   family and not revoked; ConditionCheck that the family is not revoked; put the successor and its member item.
 *   Of concurrent rotations of one token exactly one can commit.
 * - `revokeFamily` flags the family item first (from then on no rotation or issue can add an unrevoked token), then
 *   reads the family partition (consistent) and flags every token found. It costs O(tokens in the family) requests,
 *   on the rare path (logout, reuse), to keep the hot `find` at one read. If it is interrupted midway, rotations
 *   of the family already fail (ConditionCheck), and calling it again (it is idempotent) finishes the marking.
 * - `revokeAllForUser` finds the user's families in the user's partition (`USER#<userId>` / `FAMILY#<familyId>`,
 *   written by every issue in the same transaction as the token) with one strongly consistent Query, and revokes
 *   each as `revokeFamily` does. No GSI: an index that lags could miss a family issued a moment ago.
 */
export class DynamoDbRefreshTokenStore implements RefreshTokenStore {
  constructor(private readonly options: DynamoDbStoreOptions) {
    assertStoreOptions(options);
  }

  /**
   * One TransactWriteItems: token, family member item, the user's family index item (an idempotent put) and a
   * ConditionCheck that the family is not revoked; a token of a revoked family is stored revoked (one more request).
   */
  async issue(record: RefreshTokenRecord): Promise<void> {
    const reasons = await transactWrite(this.options, 'TransactWriteItems (issue refresh token)', [
      this.put(tokenItem(record)),
      this.put(familyMemberItem(record)),
      this.put(userFamilyItem(record)),
      this.familyNotRevoked(record.familyId),
    ]);
    if (reasons === null) return;
    // The family was revoked: "present and future" tokens, so this one is born revoked.
    await transactWrite(this.options, 'TransactWriteItems (issue refresh token)', [
      this.put(tokenItem(record, true)),
      this.put(familyMemberItem(record)),
      this.put(userFamilyItem(record)),
    ]);
  }

  async find(tokenHash: string): Promise<RefreshTokenRecord | null> {
    const output = await call('GetItem (refresh token)', () =>
      this.options.client.send(
        tracked(
          new GetItemCommand({ TableName: this.options.tableName, Key: keys.token(tokenHash), ConsistentRead: true }),
        ),
      ),
    );
    return output.Item ? itemToToken(output.Item) : null;
  }

  async rotate(currentHash: string, next: RefreshTokenRecord): Promise<RotationOutcome> {
    const retire: TransactWriteItem = {
      Update: {
        TableName: this.options.tableName,
        Key: keys.token(currentHash),
        UpdateExpression: 'SET #status = :rotated, #rotatedAt = :rotatedAt',
        ConditionExpression: '#status = :active AND #familyId = :familyId AND attribute_not_exists(#familyRevoked)',
        ExpressionAttributeNames: {
          '#status': 'status',
          '#rotatedAt': 'rotatedAt',
          '#familyId': 'familyId',
          '#familyRevoked': 'familyRevoked',
        },
        ExpressionAttributeValues: {
          ':rotated': s('rotated'),
          ':rotatedAt': millis(next.issuedAt),
          ':active': s('active'),
          ':familyId': s(next.familyId),
        },
      },
    };
    const reasons = await transactWrite(this.options, 'TransactWriteItems (rotate refresh token)', [
      retire,
      this.familyNotRevoked(next.familyId),
      // A successor digest that already exists would be a collision (or a replayed `next`): never overwrite it.
      this.put(tokenItem(next), 'attribute_not_exists(PK)'),
      this.put(familyMemberItem(next)),
    ]);
    return reasons === null ? 'rotated' : 'not_active';
  }

  /**
   * One strongly consistent Query of the user's partition (paged: a page holds thousands of families) for the family
   * index items, then `revokeFamily` for each, FAMILY_CONCURRENCY at a time. The index items stay (until their TTL,
   * the family's end), so calling it again finds and revokes the same families: idempotent.
   */
  async revokeAllForUser(userId: string): Promise<number> {
    const ids = await this.familiesOf(userId);
    for (let start = 0; start < ids.length; start += FAMILY_CONCURRENCY) {
      await Promise.all(ids.slice(start, start + FAMILY_CONCURRENCY).map((familyId) => this.revokeFamily(familyId)));
    }
    return ids.length;
  }

  /**
   * Account deletion: for each of the user's families (the same consistent Query as revokeAllForUser), every item of
   * the family partition (the family item and its members) and every token they name; then the user's family index
   * items. Batched deletes of 25; idempotent (an item already gone is simply not found again).
   */
  async deleteAllForUser(userId: string): Promise<void> {
    const families = await this.familiesOf(userId);
    for (const familyId of families) {
      const keysToDelete: Key[] = [];
      let startKey: Item | undefined;
      do {
        const page = await call('Query (family partition)', () =>
          this.options.client.send(
            tracked(
              new QueryCommand({
                TableName: this.options.tableName,
                KeyConditionExpression: '#pk = :pk',
                ExpressionAttributeNames: { '#pk': DEVAUTH_TABLE.partitionKey, '#sk': DEVAUTH_TABLE.sortKey },
                ExpressionAttributeValues: { ':pk': s(keys.familyPartition(familyId)) },
                ProjectionExpression: '#pk, #sk',
                ConsistentRead: true,
                ExclusiveStartKey: startKey,
              }),
            ),
          ),
        );
        for (const item of page.Items ?? []) {
          const sk = item[DEVAUTH_TABLE.sortKey]?.S;
          if (sk?.startsWith(MEMBER_PREFIX)) keysToDelete.push(keys.token(sk.slice(MEMBER_PREFIX.length)));
          keysToDelete.push({ PK: item.PK!, SK: item.SK! });
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);
      await batchDelete(this.options, 'BatchWriteItem (delete family)', keysToDelete);
    }
    await batchDelete(
      this.options,
      'BatchWriteItem (delete user family index)',
      families.map((familyId) => ({ PK: s(keys.userPartition(userId)), SK: s(`${USER_FAMILY_PREFIX}${familyId}`) })),
    );
  }

  /** The user's family ids: one strongly consistent Query of the user's partition (paged). */
  private async familiesOf(userId: string): Promise<string[]> {
    const families = new Set<string>();
    let startKey: Item | undefined;
    do {
      const page = await call('Query (user families)', () =>
        this.options.client.send(
          tracked(
            new QueryCommand({
              TableName: this.options.tableName,
              KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :family)',
              ExpressionAttributeNames: { '#pk': DEVAUTH_TABLE.partitionKey, '#sk': DEVAUTH_TABLE.sortKey },
              ExpressionAttributeValues: { ':pk': s(keys.userPartition(userId)), ':family': s(USER_FAMILY_PREFIX) },
              ProjectionExpression: '#sk',
              ConsistentRead: true,
              ExclusiveStartKey: startKey,
            }),
          ),
        ),
      );
      for (const item of page.Items ?? []) {
        const sk = item[DEVAUTH_TABLE.sortKey]?.S;
        if (sk?.startsWith(USER_FAMILY_PREFIX)) families.add(sk.slice(USER_FAMILY_PREFIX.length));
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return [...families];
  }

  async revokeFamily(familyId: string): Promise<void> {
    await call('UpdateItem (revoke family)', () =>
      this.options.client.send(
        tracked(
          new UpdateItemCommand({
            TableName: this.options.tableName,
            Key: keys.family(familyId),
            UpdateExpression: 'SET #type = :type, #revokedAt = if_not_exists(#revokedAt, :now)',
            ExpressionAttributeNames: { '#type': 'type', '#revokedAt': 'revokedAt' },
            ExpressionAttributeValues: { ':type': s('family'), ':now': millis(new Date()) },
          }),
        ),
      ),
    );
    let familyTtl: string | undefined;
    let startKey: Item | undefined;
    do {
      const page = await call('Query (family members)', () =>
        this.options.client.send(
          tracked(
            new QueryCommand({
              TableName: this.options.tableName,
              KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :member)',
              ExpressionAttributeNames: { '#pk': DEVAUTH_TABLE.partitionKey, '#sk': DEVAUTH_TABLE.sortKey },
              ExpressionAttributeValues: { ':pk': s(keys.familyPartition(familyId)), ':member': s(MEMBER_PREFIX) },
              ConsistentRead: true,
              ExclusiveStartKey: startKey,
            }),
          ),
        ),
      );
      const members = page.Items ?? [];
      familyTtl ??= members[0]?.[DEVAUTH_TABLE.ttlAttribute]?.N;
      const hashes = members.flatMap((item) => {
        const sk = item[DEVAUTH_TABLE.sortKey]?.S;
        return sk?.startsWith(MEMBER_PREFIX) ? [sk.slice(MEMBER_PREFIX.length)] : [];
      });
      for (let start = 0; start < hashes.length; start += MARK_CONCURRENCY) {
        await Promise.all(hashes.slice(start, start + MARK_CONCURRENCY).map((hash) => this.markRevoked(hash)));
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    // The family item outlives its tokens only as long as the family could live (member TTL = familyExpiresAt).
    if (familyTtl !== undefined) await this.expireFamilyAt(familyId, familyTtl);
  }

  /** Flags one token; a token already gone (TTL) is not recreated as a stub. */
  private async markRevoked(tokenHash: string): Promise<void> {
    try {
      await this.options.client.send(
        tracked(
          new UpdateItemCommand({
            TableName: this.options.tableName,
            Key: keys.token(tokenHash),
            UpdateExpression: 'SET #familyRevoked = :true',
            ConditionExpression: 'attribute_exists(#pk)',
            ExpressionAttributeNames: { '#familyRevoked': 'familyRevoked', '#pk': DEVAUTH_TABLE.partitionKey },
            ExpressionAttributeValues: { ':true': { BOOL: true } },
          }),
        ),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw toPortError(error, 'UpdateItem (revoke token)');
    }
  }

  private async expireFamilyAt(familyId: string, ttlSeconds: string): Promise<void> {
    await call('UpdateItem (family TTL)', () =>
      this.options.client.send(
        tracked(
          new UpdateItemCommand({
            TableName: this.options.tableName,
            Key: keys.family(familyId),
            UpdateExpression: 'SET #ttl = :ttl',
            ExpressionAttributeNames: { '#ttl': DEVAUTH_TABLE.ttlAttribute },
            ExpressionAttributeValues: { ':ttl': n(Number(ttlSeconds)) },
          }),
        ),
      ),
    );
  }

  private put(item: Item, condition?: string): TransactWriteItem {
    return { Put: { TableName: this.options.tableName, Item: item, ConditionExpression: condition } };
  }

  /** ConditionCheck: the family has no revocation (an absent family item passes). */
  private familyNotRevoked(familyId: string): TransactWriteItem {
    return {
      ConditionCheck: {
        TableName: this.options.tableName,
        Key: keys.family(familyId),
        ConditionExpression: 'attribute_not_exists(#revokedAt)',
        ExpressionAttributeNames: { '#revokedAt': 'revokedAt' },
      },
    };
  }
}
