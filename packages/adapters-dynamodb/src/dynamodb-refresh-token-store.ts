import { GetItemCommand, type TransactWriteItem, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { RefreshTokenRecord, RefreshTokenStore, RotationOutcome, SessionInfo } from '@devauth/core';
import { isConditionalCheckFailed, toPortError, tracked } from './errors.js';
import {
  familyMemberItem,
  type ItemUpdate,
  itemToSession,
  itemToToken,
  memberUserId,
  millis,
  n,
  s,
  tokenItem,
  userFamilyUpdate,
} from './mappers.js';
import {
  assertStoreOptions,
  batchDelete,
  call,
  type DynamoDbStoreOptions,
  type Item,
  type Key,
  queryPages,
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
 * - `listSessions` is one strongly consistent Query of the same partition: each family index item also holds the
 *   family's session (`createdAt` from its first issue, the current token's `lastUsedAt` / `expiresAt` / hint, moved
 *   by every rotation in its transaction) and `familyRevoked`, which revokeFamily sets. Marking the index item costs
 *   revokeFamily one more UpdateItem per user of the family (it knows the user from the member items), on the rare
 *   path; the alternative, a BatchGetItem of the family items from listSessions, would cost every listing a second
 *   request. Every revocation goes through revokeFamily (revokeAllForUser, reuse detection, logout), and an issue
 *   into a revoked family marks the index item itself, so a revoked family is never listed.
 */
export class DynamoDbRefreshTokenStore implements RefreshTokenStore {
  constructor(private readonly options: DynamoDbStoreOptions) {
    assertStoreOptions(options);
  }

  /**
   * One TransactWriteItems: token, family member item, the user's family index item (an Update naming this token as
   * the family's current one, keeping `createdAt` if set) and a ConditionCheck that the family is not revoked; a
   * token of a revoked family is stored revoked, its index item marked revoked (one more request).
   */
  async issue(record: RefreshTokenRecord): Promise<void> {
    const reasons = await transactWrite(this.options, 'TransactWriteItems (issue refresh token)', [
      this.put(tokenItem(record)),
      this.put(familyMemberItem(record)),
      this.update(userFamilyUpdate(record)),
      this.familyNotRevoked(record.familyId),
    ]);
    if (reasons === null) return;
    // The family was revoked: "present and future" tokens, so this one is born revoked.
    await transactWrite(this.options, 'TransactWriteItems (issue refresh token)', [
      this.put(tokenItem(record, true)),
      this.put(familyMemberItem(record)),
      this.update(userFamilyUpdate(record, true)),
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
        // The successor must be of this family and this user (fails closed otherwise): its index item is the user's.
        ConditionExpression:
          '#status = :active AND #familyId = :familyId AND #userId = :userId AND attribute_not_exists(#familyRevoked)',
        ExpressionAttributeNames: {
          '#status': 'status',
          '#rotatedAt': 'rotatedAt',
          '#familyId': 'familyId',
          '#userId': 'userId',
          '#familyRevoked': 'familyRevoked',
        },
        ExpressionAttributeValues: {
          ':rotated': s('rotated'),
          ':rotatedAt': millis(next.issuedAt),
          ':active': s('active'),
          ':familyId': s(next.familyId),
          ':userId': s(next.userId),
        },
      },
    };
    const reasons = await transactWrite(this.options, 'TransactWriteItems (rotate refresh token)', [
      retire,
      this.familyNotRevoked(next.familyId),
      // A successor digest that already exists would be a collision (or a replayed `next`): never overwrite it.
      this.put(tokenItem(next), 'attribute_not_exists(PK)'),
      this.put(familyMemberItem(next)),
      // The session moves to the successor: last used now, its expiry and hint; createdAt and familyRevoked stay.
      this.update(userFamilyUpdate(next)),
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
      await Promise.all(
        ids.slice(start, start + FAMILY_CONCURRENCY).map((familyId) => this.revokeFamilyOf(familyId, [userId])),
      );
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
      for await (const items of queryPages(this.options, 'Query (family partition)', {
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': DEVAUTH_TABLE.partitionKey, '#sk': DEVAUTH_TABLE.sortKey },
        ExpressionAttributeValues: { ':pk': s(keys.familyPartition(familyId)) },
        ProjectionExpression: '#pk, #sk',
      })) {
        for (const item of items) {
          const sk = item[DEVAUTH_TABLE.sortKey]?.S;
          if (sk?.startsWith(MEMBER_PREFIX)) keysToDelete.push(keys.token(sk.slice(MEMBER_PREFIX.length)));
          keysToDelete.push({ PK: item.PK!, SK: item.SK! });
        }
      }
      await batchDelete(this.options, 'BatchWriteItem (delete family)', keysToDelete);
    }
    await batchDelete(
      this.options,
      'BatchWriteItem (delete user family index)',
      families.map((familyId) => ({ PK: s(keys.userPartition(userId)), SK: s(`${USER_FAMILY_PREFIX}${familyId}`) })),
    );
  }

  /**
   * One strongly consistent Query of the user's partition for the family index items (paged: a page holds thousands
   * of families; the filter leaves revoked and expired ones on the server), each read as a session.
   */
  async listSessions(userId: string, now: Date): Promise<SessionInfo[]> {
    const sessions: SessionInfo[] = [];
    for await (const items of queryPages(this.options, 'Query (user sessions)', {
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :family)',
      FilterExpression: 'attribute_not_exists(#familyRevoked) AND #expiresAt > :now',
      ExpressionAttributeNames: {
        '#pk': DEVAUTH_TABLE.partitionKey,
        '#sk': DEVAUTH_TABLE.sortKey,
        '#familyRevoked': 'familyRevoked',
        '#expiresAt': 'expiresAt',
      },
      ExpressionAttributeValues: {
        ':pk': s(keys.userPartition(userId)),
        ':family': s(USER_FAMILY_PREFIX),
        ':now': millis(now),
      },
    })) {
      for (const item of items) {
        const session = itemToSession(item, now);
        if (session) sessions.push(session);
      }
    }
    return sessions;
  }

  /** The user's family ids: one strongly consistent Query of the user's partition (paged). */
  private async familiesOf(userId: string): Promise<string[]> {
    const families = new Set<string>();
    for await (const items of queryPages(this.options, 'Query (user families)', {
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :family)',
      ExpressionAttributeNames: { '#pk': DEVAUTH_TABLE.partitionKey, '#sk': DEVAUTH_TABLE.sortKey },
      ExpressionAttributeValues: { ':pk': s(keys.userPartition(userId)), ':family': s(USER_FAMILY_PREFIX) },
      ProjectionExpression: '#sk',
    })) {
      for (const item of items) {
        const sk = item[DEVAUTH_TABLE.sortKey]?.S;
        if (sk?.startsWith(USER_FAMILY_PREFIX)) families.add(sk.slice(USER_FAMILY_PREFIX.length));
      }
    }
    return [...families];
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.revokeFamilyOf(familyId, []);
  }

  /**
   * revokeFamily, marking the family index item of every user named by a member item and of `knownUsers` (the user
   * revokeAllForUser found it under: members written before they named their user do not). After the family item
   * (from then on nothing writes an unrevoked token or index item), the index items are marked first, each as soon
   * as it is known, then the tokens: listSessions drops the family before find does. Nothing clears the mark.
   */
  private async revokeFamilyOf(familyId: string, knownUsers: readonly string[]): Promise<void> {
    const marked = new Set<string>();
    const markIndexes = (userIds: readonly string[]) => {
      const fresh = [...new Set(userIds)].filter((userId) => !marked.has(userId));
      for (const userId of fresh) marked.add(userId);
      return Promise.all(fresh.map((userId) => this.markIndexRevoked(userId, familyId)));
    };
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
    await markIndexes(knownUsers);
    let familyTtl: string | undefined;
    for await (const members of queryPages(this.options, 'Query (family members)', {
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :member)',
      ExpressionAttributeNames: { '#pk': DEVAUTH_TABLE.partitionKey, '#sk': DEVAUTH_TABLE.sortKey },
      ExpressionAttributeValues: { ':pk': s(keys.familyPartition(familyId)), ':member': s(MEMBER_PREFIX) },
    })) {
      familyTtl ??= members[0]?.[DEVAUTH_TABLE.ttlAttribute]?.N;
      await markIndexes(members.flatMap((item) => memberUserId(item) ?? []));
      const hashes = members.flatMap((item) => {
        const sk = item[DEVAUTH_TABLE.sortKey]?.S;
        return sk?.startsWith(MEMBER_PREFIX) ? [sk.slice(MEMBER_PREFIX.length)] : [];
      });
      for (let start = 0; start < hashes.length; start += MARK_CONCURRENCY) {
        await Promise.all(hashes.slice(start, start + MARK_CONCURRENCY).map((hash) => this.markRevoked(hash)));
      }
    }
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

  /** Flags the user's family index item; one already gone (TTL, deleteAllForUser) is not recreated as a stub. */
  private async markIndexRevoked(userId: string, familyId: string): Promise<void> {
    try {
      await this.options.client.send(
        tracked(
          new UpdateItemCommand({
            TableName: this.options.tableName,
            Key: keys.userFamily(userId, familyId),
            UpdateExpression: 'SET #familyRevoked = :true',
            ConditionExpression: 'attribute_exists(#pk)',
            ExpressionAttributeNames: { '#familyRevoked': 'familyRevoked', '#pk': DEVAUTH_TABLE.partitionKey },
            ExpressionAttributeValues: { ':true': { BOOL: true } },
          }),
        ),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw toPortError(error, 'UpdateItem (revoke family index)');
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

  private update(update: ItemUpdate): TransactWriteItem {
    return { Update: { TableName: this.options.tableName, ...update } };
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
