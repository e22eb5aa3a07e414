import { type DynamoDBClient, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { ConfigurationError } from '@devauth/core';
import { isConditionalCheckFailed, toPortError, tracked } from './errors.js';
import { ITEM_TYPE, invitationListKeys, s, userListKeys } from './mappers.js';
import { assertStoreOptions, call, type Item } from './requests.js';
import { DEVAUTH_TABLE } from './table.js';

export interface BackfillListIndexOptions {
  /** UpdateItem requests in flight at once (default 8). */
  readonly concurrency?: number;
  /** Called after each Scan page, with the counts so far (for progress logs). */
  readonly onPage?: (progress: BackfillListIndexResult) => void;
}

export interface BackfillListIndexResult {
  /** Items the Scan read (every item of the table, whatever its type: a Scan reads them all). */
  readonly scanned: number;
  /** User items given their GSI2 keys. */
  readonly users: number;
  /** Invitation items given their GSI2 keys. */
  readonly invitations: number;
  /**
   * Items that changed between the Scan and their update (deleted, or renamed by a writer of the previous version):
   * left alone. A writer of this version sets the keys itself; run the backfill again once every writer runs this
   * version, until `skipped` is 0.
   */
  readonly skipped: number;
}

/**
 * Gives the listing index keys (GSI2) to the user and invitation items written before GSI2 existed, so that
 * `users.list` and `invitations.list` see them: a one-off migration after deploying this version (and the table's
 * GSI2). Items written or updated by this version already carry the keys.
 *
 * One Scan of the whole table (paged, `FilterExpression` user or invitation items without `GSI2PK`, only the
 * attributes the keys are built from), then one UpdateItem per item found, `SET GSI2PK, GSI2SK` on condition that the
 * item still exists, still lacks the keys and (a user) still has the username read: it never recreates a deleted item
 * nor indexes a user under an old name. Idempotent; cost: the Scan reads the table once (eventually consistent reads,
 * half a read unit per 4 KB), plus a write unit per item updated (each also written to GSI2).
 *
 * Needs `dynamodb:Scan` and `dynamodb:UpdateItem` on the table (the stores are granted UpdateItem, not Scan: run it
 * from an operator's credentials or a one-off task).
 */
export async function backfillListIndex(
  client: DynamoDBClient,
  tableName: string,
  options: BackfillListIndexOptions = {},
): Promise<BackfillListIndexResult> {
  assertStoreOptions({ client, tableName });
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new ConfigurationError('backfillListIndex: concurrency must be a positive integer.');
  }
  const { partitionKey, listIndex } = DEVAUTH_TABLE;
  const progress = { scanned: 0, users: 0, invitations: 0, skipped: 0 };
  let startKey: Item | undefined;
  do {
    const page = await call('Scan (backfill list index)', () =>
      client.send(
        tracked(
          new ScanCommand({
            TableName: tableName,
            FilterExpression: '(#type = :user OR #type = :invitation) AND attribute_not_exists(#listPk)',
            ProjectionExpression: '#pk, #sk, #type, #username, #createdAt, #codeHash',
            ExpressionAttributeNames: {
              '#type': 'type',
              '#listPk': listIndex.partitionKey,
              '#pk': partitionKey,
              '#sk': DEVAUTH_TABLE.sortKey,
              '#username': 'username',
              '#createdAt': 'createdAt',
              '#codeHash': 'codeHash',
            },
            ExpressionAttributeValues: { ':user': s(ITEM_TYPE.user), ':invitation': s(ITEM_TYPE.invitation) },
            ExclusiveStartKey: startKey,
          }),
        ),
      ),
    );
    progress.scanned += page.ScannedCount ?? 0;
    const found = page.Items ?? [];
    for (let start = 0; start < found.length; start += concurrency) {
      const results = await Promise.all(
        found.slice(start, start + concurrency).map((item) => index(client, tableName, item)),
      );
      for (const result of results) progress[result]++;
    }
    options.onPage?.({ ...progress });
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return progress;
}

/** Sets one item's GSI2 keys; which counter it adds to. */
async function index(
  client: DynamoDBClient,
  tableName: string,
  item: Item,
): Promise<'users' | 'invitations' | 'skipped'> {
  const { partitionKey, sortKey, listIndex } = DEVAUTH_TABLE;
  const isUser = item.type?.S === ITEM_TYPE.user;
  let listKeys: Item;
  const names: Record<string, string> = {
    '#pk': partitionKey,
    '#listPk': listIndex.partitionKey,
    '#listSk': listIndex.sortKey,
  };
  let condition = 'attribute_exists(#pk) AND attribute_not_exists(#listPk)';
  const values: Item = {};
  if (isUser) {
    const username = item.username?.S;
    if (username === undefined) return 'skipped';
    listKeys = userListKeys(username);
    condition += ' AND #username = :username';
    names['#username'] = 'username';
    values[':username'] = s(username);
  } else {
    const codeHash = item.codeHash?.S;
    const createdAt = Number(item.createdAt?.N ?? Number.NaN);
    if (codeHash === undefined || !Number.isFinite(createdAt)) return 'skipped';
    listKeys = invitationListKeys(new Date(createdAt), codeHash);
  }
  values[':listPk'] = listKeys[listIndex.partitionKey]!;
  values[':listSk'] = listKeys[listIndex.sortKey]!;
  try {
    await client.send(
      tracked(
        new UpdateItemCommand({
          TableName: tableName,
          Key: { [partitionKey]: item[partitionKey]!, [sortKey]: item[sortKey]! },
          UpdateExpression: 'SET #listPk = :listPk, #listSk = :listSk',
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
    return isUser ? 'users' : 'invitations';
  } catch (error) {
    if (isConditionalCheckFailed(error)) return 'skipped';
    throw toPortError(error, 'UpdateItem (backfill list index)');
  }
}
