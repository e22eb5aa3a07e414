import { GetItemCommand, QueryCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import {
  assertPageLimit,
  ConfigurationError,
  decodeStoreCursor,
  encodeStoreCursor,
  invalidStoreCursor,
  type UserCreateOutcome,
  type UserListQuery,
  type UserPage,
  type UserRecord,
  type UserStore,
  VersionConflictError,
} from '@devauth/core';
import { tracked } from './errors.js';
import { CURSOR_KIND, compareBytes } from './list-cursor.js';
import {
  emailMarkerItem,
  hasEmail,
  identityMarkerItem,
  isLegacyEmailMarker,
  itemToUser,
  markerOwner,
  n,
  s,
  userItem,
  usernameMarkerItem,
} from './mappers.js';
import {
  assertStoreOptions,
  batchDelete,
  call,
  type DynamoDbStoreOptions,
  type Item,
  type Key,
  queryPages,
} from './requests.js';
import { DEVAUTH_TABLE, keys, LIST_PARTITION } from './table.js';
import { CREATE_MANY_LIMIT, createUsers } from './user-import.js';
import { commitUserWrites, type Guard } from './user-transaction.js';

const NOT_EXISTS = 'attribute_not_exists(PK)';
/** A marker may be written or removed by its owner, or created where there is none. */
const OWNED = 'attribute_not_exists(PK) OR #userId = :userId';
const DELETE_ATTEMPTS = 5;
/** Users a filtered listing Query examines at least (the page's `limit` when larger), before its FilterExpression. */
const FILTERED_READ = 100;
/** Users the legacy identity lookup looks at: two are enough to tell one link from an ambiguous one. */
const LEGACY_CANDIDATES = 2;

/**
 * Users in the single table: the user item (`USER#<id>`), a username marker that also holds a full copy of the user
 * (`USERNAME#<username>`, the login lookup), for a user with an address an email marker that holds a full copy too
 * (`EMAIL#<email>`, the login-by-email lookup), and an identity marker (`IDENTITY#<identityId>`) for a linked user.
 * Every write of a user writes its markers in the same TransactWriteItems, each guarded by a condition, and rewrites
 * both copies whatever changed, so uniqueness and the copies never drift (user-transaction.ts commits them and maps
 * a failed guard to its domain error). Email markers written before they carried the copy are pointers to the user;
 * findByEmail still reads them, and the user's next update turns them into copies.
 */
export class DynamoDbUserStore implements UserStore {
  /** Users per `createMany` call: one round of at most four parallel transactions (see user-import.ts). */
  readonly createManyLimit = CREATE_MANY_LIMIT;

  constructor(private readonly options: DynamoDbStoreOptions) {
    assertStoreOptions(options);
  }

  /** One request: TransactWriteItems of the user item and its markers, each `attribute_not_exists`. */
  async create(user: UserRecord): Promise<void> {
    const writes: [Guard, TransactWriteItem][] = [
      ['user', this.put(userItem(user), NOT_EXISTS)],
      ['username', this.put(usernameMarkerItem(user), NOT_EXISTS)],
    ];
    if (hasEmail(user)) writes.push(['email', this.put(emailMarkerItem(user), NOT_EXISTS)]);
    if (user.identityId !== null) {
      writes.push(['identity', this.put(identityMarkerItem(user.id, user.identityId), NOT_EXISTS)]);
    }
    await commitUserWrites(this.options, 'create user', writes);
  }

  /** One strongly consistent GetItem. */
  async findById(id: string): Promise<UserRecord | null> {
    return this.getUser('GetItem (user by id)', keys.user(id));
  }

  /** One strongly consistent GetItem of the username marker, which carries a full copy of the user. */
  async findByUsername(username: string): Promise<UserRecord | null> {
    return this.getUser('GetItem (user by username)', keys.username(username));
  }

  /**
   * One strongly consistent GetItem of the email marker, which carries a full copy of the user (verified or not).
   *
   * Legacy path: an email marker written before it carried the copy is a pointer to its owner only (until the owner's
   * next update rewrites it). Then the user it names is read too, consistently, and answered only if that user's email
   * is still `email`: two requests instead of one, the answer as strongly consistent.
   */
  async findByEmail(email: string): Promise<UserRecord | null> {
    const marker = await this.getItem('GetItem (user by email)', keys.email(email));
    if (marker === undefined) return null;
    if (!isLegacyEmailMarker(marker)) return itemToUser(marker);
    const user = await this.getUser('GetItem (user by email, legacy marker)', keys.user(markerOwner(marker)));
    return user?.email === email ? user : null;
  }

  /**
   * Two strongly consistent GetItems: the identity marker, then the user it names (answered only if that user is
   * still linked to `identityId`).
   *
   * Legacy path: a user linked before identity markers existed has none (until its link changes). When the marker is
   * absent, the identity index GSI1 is queried as before, and each user it names is read again consistently and
   * answered only if it is still linked to `identityId` (GSI1 is eventually consistent: it may still list a user just
   * unlinked). Two legacy users linked to one IdentityId (possible before uniqueness was enforced) answer null: the
   * link is ambiguous, and the lookup fails closed. A new link of that IdentityId (which writes a marker) takes
   * precedence over a legacy one.
   */
  async findByIdentityId(identityId: string): Promise<UserRecord | null> {
    const marker = await this.getItem('GetItem (identity marker)', keys.identityMarker(identityId));
    if (marker !== undefined) {
      const user = await this.getUser('GetItem (user by identity id)', keys.user(markerOwner(marker)));
      return user?.identityId === identityId ? user : null;
    }
    return this.findLegacyLink(identityId);
  }

  /** The legacy lookup (see findByIdentityId): GSI1, then a consistent read of each user found. */
  private async findLegacyLink(identityId: string): Promise<UserRecord | null> {
    const { identityIndex } = DEVAUTH_TABLE;
    const output = await call('Query (user by identity id, legacy)', () =>
      this.options.client.send(
        tracked(
          new QueryCommand({
            TableName: this.options.tableName,
            IndexName: identityIndex.name,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': identityIndex.partitionKey, '#userId': 'userId' },
            ExpressionAttributeValues: { ':pk': s(keys.identity(identityId)) },
            ProjectionExpression: '#userId',
            Limit: LEGACY_CANDIDATES,
          }),
        ),
      ),
    );
    const ids = [...new Set((output.Items ?? []).flatMap((item) => (item.userId?.S ? [item.userId.S] : [])))];
    const linked = (
      await Promise.all(ids.map((id) => this.getUser('GetItem (user by identity id, legacy)', keys.user(id))))
    ).filter((user): user is UserRecord => user?.identityId === identityId);
    return linked.length === 1 ? linked[0]! : null;
  }

  /**
   * A consistent read of the stored user (to learn which markers move), then one TransactWriteItems: the user item on
   * condition of the previous version, the username marker's copy and (when `next.email` is not null) the email
   * marker's copy, both rewritten on every update so that findByUsername and findByEmail answer this version at once,
   * the removal of a changed username's or email's old marker, and identity marker moves. Each marker put must find
   * its marker free or already this user's: else UsernameTakenError / EmailTakenError / IdentityTakenError (on an
   * unchanged username or email the marker is this user's, so the condition holds; a legacy pointer-only email marker
   * is this user's too, and becomes a copy). The version condition makes the read safe: had anything changed since,
   * the version would differ.
   */
  async update(next: UserRecord): Promise<void> {
    const current = await this.findById(next.id);
    if (current === null || current.version !== next.version - 1) throw new VersionConflictError('user');
    const writes: [Guard, TransactWriteItem][] = [
      [
        'user',
        this.put(userItem(next), '#version = :previous', {
          names: { '#version': 'version' },
          values: { ':previous': n(current.version) },
        }),
      ],
      ['username', this.put(usernameMarkerItem(next), OWNED, this.owner(next.id))],
    ];
    if (current.username !== next.username) {
      writes.push(['ownership', this.remove(keys.username(current.username), OWNED, this.owner(next.id))]);
    }
    if (hasEmail(next)) {
      writes.push(['email', this.put(emailMarkerItem(next), OWNED, this.owner(next.id))]);
    }
    if (current.email !== null && current.email !== next.email) {
      writes.push(['ownership', this.remove(keys.email(current.email), OWNED, this.owner(next.id))]);
    }
    if (next.identityId !== null && next.identityId !== current.identityId) {
      writes.push(['identity', this.put(identityMarkerItem(next.id, next.identityId), OWNED, this.owner(next.id))]);
    }
    if (current.identityId !== null && current.identityId !== next.identityId) {
      writes.push([
        'foreignIdentity',
        this.remove(keys.identityMarker(current.identityId), OWNED, this.owner(next.id)),
      ]);
    }
    await commitUserWrites(this.options, 'update user', writes);
  }

  /**
   * Removes the user item and its markers in one transaction (on condition of the version read just before, so a
   * concurrent rename cannot leave a marker behind), then sweeps whatever else lives in the user's partition page by
   * page, so the delete never depends on everything fitting one transaction or batch. Idempotent.
   */
  async delete(id: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.findById(id);
      if (current === null) break;
      const writes: [Guard, TransactWriteItem][] = [
        [
          'user',
          this.remove(keys.user(id), '#version = :version', {
            names: { '#version': 'version' },
            values: { ':version': n(current.version) },
          }),
        ],
        ['ownership', this.remove(keys.username(current.username), OWNED, this.owner(id))],
      ];
      if (current.email !== null) {
        writes.push(['ownership', this.remove(keys.email(current.email), OWNED, this.owner(id))]);
      }
      if (current.identityId !== null) {
        writes.push(['foreignIdentity', this.remove(keys.identityMarker(current.identityId), OWNED, this.owner(id))]);
      }
      try {
        await commitUserWrites(this.options, 'delete user', writes);
        break;
      } catch (error) {
        // Changed between read and delete: read again (bounded, then the caller sees the conflict).
        if (!(error instanceof VersionConflictError) || attempt >= DELETE_ATTEMPTS) throw error;
      }
    }
    await this.sweepPartition(id);
  }

  /**
   * One Query of the listing index GSI2 per page: partition `USERS` (only user items carry it, never the marker
   * copies), ascending canonical username, `begins_with` for the prefix, role and status as a FilterExpression,
   * `ExclusiveStartKey` from the cursor. Eventually consistent (a GSI); users written before GSI2 existed are missing
   * until their next update or `backfillListIndex`.
   *
   * `Limit` is one more than the page, so that a full page whose successor does not exist ends the listing
   * (`nextCursor` null) rather than costing an empty last page. DynamoDB applies `Limit` before the filter, so with a
   * role or status filter a page may hold fewer users than asked (none, even) while `nextCursor` is set: the port
   * allows it, callers follow the cursor. A filtered Query therefore examines at least {@link FILTERED_READ} users
   * (about 60 KB, 8 read units) and the page is cut at `limit`, its cursor at the last user answered. With `email`
   * the answer is findByEmail (one strongly consistent GetItem of the email marker, whose copy is the user), the
   * other filters applied to it.
   */
  async list(query: UserListQuery): Promise<UserPage> {
    assertPageLimit(query.limit);
    const after = query.after === undefined ? undefined : decodeUserCursor(query.after);
    const prefix = query.usernamePrefix || undefined;
    // A position outside the prefix belongs to another listing (and DynamoDB would refuse it as a start key).
    if (after !== undefined && prefix !== undefined && !after.username.startsWith(prefix)) throw invalidStoreCursor();
    if (query.email !== undefined) return this.listByEmail(query, prefix, after);

    const { listIndex } = DEVAUTH_TABLE;
    const names: Record<string, string> = { '#pk': listIndex.partitionKey };
    const values: Item = { ':pk': s(LIST_PARTITION.users) };
    let keyCondition = '#pk = :pk';
    if (prefix !== undefined) {
      keyCondition += ' AND begins_with(#sk, :prefix)';
      names['#sk'] = listIndex.sortKey;
      values[':prefix'] = s(prefix);
    }
    const filters: string[] = [];
    if (query.role !== undefined) {
      filters.push('#role = :role');
      names['#role'] = 'role';
      values[':role'] = s(query.role);
    }
    if (query.status !== undefined) {
      filters.push('#status = :status');
      names['#status'] = 'status';
      values[':status'] = s(query.status);
    }
    const output = await call('Query (list users)', () =>
      this.options.client.send(
        tracked(
          new QueryCommand({
            TableName: this.options.tableName,
            IndexName: listIndex.name,
            KeyConditionExpression: keyCondition,
            FilterExpression: filters.length > 0 ? filters.join(' AND ') : undefined,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ScanIndexForward: true,
            // Unfiltered: the page and one more. Filtered: at least FILTERED_READ users examined, so a rare role
            // or status does not take a request per handful of users (the page is cut at `limit` either way).
            Limit: (filters.length > 0 ? Math.max(query.limit, FILTERED_READ) : query.limit) + 1,
            ExclusiveStartKey: after === undefined ? undefined : userListStartKey(after),
          }),
        ),
      ),
    );
    const users = (output.Items ?? []).map(itemToUser);
    if (users.length > query.limit) {
      const page = users.slice(0, query.limit);
      const last = page[page.length - 1]!;
      return { users: page, nextCursor: userCursor({ username: last.username, id: last.id }) };
    }
    const stop = output.LastEvaluatedKey;
    return { users, nextCursor: stop === undefined ? null : userCursor(positionOf(stop)) };
  }

  private async listByEmail(
    query: UserListQuery,
    prefix: string | undefined,
    after: UserPosition | undefined,
  ): Promise<UserPage> {
    const user = await this.findByEmail(query.email!);
    const matches =
      user !== null &&
      (prefix === undefined || user.username.startsWith(prefix)) &&
      (query.role === undefined || user.role === query.role) &&
      (query.status === undefined || user.status === query.status) &&
      (after === undefined || compareBytes(user.username, after.username) > 0);
    return { users: matches ? [user] : [], nextCursor: null };
  }

  /**
   * TransactWriteItems of ~33 users each (user item, username and email markers, each `attribute_not_exists`), up to
   * four in parallel; a cancelled transaction is sent again without the users its CancellationReasons name as taken
   * (see user-import.ts).
   */
  async createMany(users: readonly UserRecord[]): Promise<readonly UserCreateOutcome[]> {
    return createUsers(this.options, users);
  }

  private async sweepPartition(id: string): Promise<void> {
    for await (const items of queryPages(this.options, 'Query (user partition)', {
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': DEVAUTH_TABLE.partitionKey, '#sk': DEVAUTH_TABLE.sortKey },
      ExpressionAttributeValues: { ':pk': s(keys.userPartition(id)) },
      ProjectionExpression: '#pk, #sk',
    })) {
      const found = items.flatMap((item): Key[] => (item.PK && item.SK ? [{ PK: item.PK, SK: item.SK }] : []));
      await batchDelete(this.options, 'BatchWriteItem (user partition)', found);
    }
  }

  private async getUser(operation: string, key: Key): Promise<UserRecord | null> {
    const item = await this.getItem(operation, key);
    return item ? itemToUser(item) : null;
  }

  private async getItem(operation: string, key: Key): Promise<Item | undefined> {
    const output = await call(operation, () =>
      this.options.client.send(
        tracked(new GetItemCommand({ TableName: this.options.tableName, Key: key, ConsistentRead: true })),
      ),
    );
    return output.Item;
  }

  private owner(userId: string): Expression {
    return { names: { '#userId': 'userId' }, values: { ':userId': s(userId) } };
  }

  private put(item: Item, condition: string, expression: Expression = {}): TransactWriteItem {
    return {
      Put: {
        TableName: this.options.tableName,
        Item: item,
        ConditionExpression: condition,
        ExpressionAttributeNames: expression.names,
        ExpressionAttributeValues: expression.values,
      },
    };
  }

  private remove(key: Key, condition: string, expression: Expression = {}): TransactWriteItem {
    return {
      Delete: {
        TableName: this.options.tableName,
        Key: key,
        ConditionExpression: condition,
        ExpressionAttributeNames: expression.names,
        ExpressionAttributeValues: expression.values,
      },
    };
  }
}

interface Expression {
  readonly names?: Record<string, string>;
  readonly values?: Item;
}

/** Where a user listing stopped: the GSI2 sort key (the username) and, to complete the start key, the user's id. */
interface UserPosition {
  readonly username: string;
  readonly id: string;
}

const userCursor = (position: UserPosition): string =>
  encodeStoreCursor(CURSOR_KIND.users, [position.username, position.id]);

function decodeUserCursor(cursor: string): UserPosition {
  const [username, id] = decodeStoreCursor(CURSOR_KIND.users, cursor, 2);
  return { username: username!, id: id! };
}

/** A GSI2 start key is the index key and the table key of the item it names (which need not exist any more). */
function userListStartKey(position: UserPosition): Item {
  const { listIndex } = DEVAUTH_TABLE;
  return {
    ...keys.user(position.id),
    [listIndex.partitionKey]: s(LIST_PARTITION.users),
    [listIndex.sortKey]: s(position.username),
  };
}

const USER_PK_PREFIX = keys.userPartition('');

function positionOf(key: Item): UserPosition {
  const username = key[DEVAUTH_TABLE.listIndex.sortKey]?.S;
  const pk = key[DEVAUTH_TABLE.partitionKey]?.S;
  if (username === undefined || pk === undefined || !pk.startsWith(USER_PK_PREFIX)) {
    throw new ConfigurationError('DynamoDB answered a user listing with a position that is not a user item.');
  }
  return { username, id: pk.slice(USER_PK_PREFIX.length) };
}
