import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import {
  assertNewUsersBatch,
  ConfigurationError,
  UpstreamUnavailableError,
  type UserCreateOutcome,
  type UserRecord,
} from '@devauth/core';
import { emailMarkerItem, hasEmail, userItem, usernameMarkerItem } from './mappers.js';
import { type DynamoDbStoreOptions, type Item, transactWrite } from './requests.js';
import { keys } from './table.js';

/**
 * `users.createMany`: an import of many new users, each all or nothing, none failing another.
 *
 * Each user is its user item, its username marker and (with an address) its email marker, each put on
 * `attribute_not_exists(PK)`, exactly as `users.create` writes them. Users are packed into TransactWriteItems of at
 * most {@link MAX_TRANSACTION_ACTIONS} actions (33 users with an address, 50 without), and up to
 * {@link CONCURRENT_TRANSACTIONS} of them are in flight at once: a call of {@link CREATE_MANY_LIMIT} users is a few
 * rounds of parallel requests (7 transactions with addresses, 4 without) when nothing conflicts. Full transactions
 * and little parallelism measured fastest on DynamoDB Local (`pnpm bench`, import figures): smaller transactions or
 * more of them at once were slower, as transactions on one table contend with each other.
 *
 * A transaction is all or nothing too, so a user whose username or address is taken would cancel the users packed
 * with it. The cancellation names, by item index, each put whose condition failed: those users get their outcome
 * (`username_taken` when the username marker or the user item failed, else `email_taken`: the order `users.create`
 * reports them in) and the transaction is sent again without them, until it commits. A transaction never holds two
 * actions on one item (DynamoDB refuses that outright), so of two users of the call that share a username, an address
 * or an id only the first is sent; the later waits for the next round, where the store itself decides (the first was
 * created: the later is taken; the first was refused for another reason: the later may well be created). The outcomes
 * are therefore those of creating the users one after another, in input order.
 */

/** Users one call takes (~33 users per transaction with addresses, 50 without). */
export const CREATE_MANY_LIMIT = 200;
/** DynamoDB's limit of actions in one TransactWriteItems. */
const MAX_TRANSACTION_ACTIONS = 100;
/** Transactions of one call in flight at once. */
const CONCURRENT_TRANSACTIONS = 2;
const NOT_EXISTS = 'attribute_not_exists(PK)';
const OPERATION = 'TransactWriteItems (create users)';

interface Entry {
  readonly index: number;
  readonly user: UserRecord;
  /** The user item, the username marker, the email marker (when the user has an address), in this order. */
  readonly writes: readonly TransactWriteItem[];
  /** The partition keys those writes touch (user item, username marker, email marker), to keep two actions on one
   * item out of a transaction. */
  readonly itemKeys: readonly string[];
}

export async function createUsers(
  options: DynamoDbStoreOptions,
  users: readonly UserRecord[],
): Promise<UserCreateOutcome[]> {
  assertNewUsersBatch(users, CREATE_MANY_LIMIT);

  const outcomes: (UserCreateOutcome | undefined)[] = new Array(users.length).fill(undefined);
  const progress = { committed: false };
  let pending = users.map((user, index) => entry(options, user, index));
  /** Items known to be stored: written by this call, or named by a failed condition. */
  const held = new Set<string>();
  try {
    while (pending.length > 0) {
      // A user sharing an item with an earlier pending user waits for a later round, and so does every user after it
      // that shares one of *its* items (all keys are claimed, sent or not): the rounds keep the input order.
      const claimed = new Set<string>();
      const round: Entry[] = [];
      const later: Entry[] = [];
      for (const candidate of pending) {
        (candidate.itemKeys.some((key) => claimed.has(key)) ? later : round).push(candidate);
        for (const key of candidate.itemKeys) claimed.add(key);
      }
      await inParallel(pack(round), CONCURRENT_TRANSACTIONS, (group) =>
        commitGroup(options, group, outcomes, progress, held),
      );
      // A waiting user whose id or username is now known to be stored (an earlier user of this call created it, or
      // failed a condition on it) is taken, whatever else: the username is what `create` reports first. Answered here,
      // without a request; the others (e.g. an address known stored, but a username that may be taken too) go to the
      // store, which decides.
      pending = later.filter((waiting) => {
        if (!waiting.itemKeys.slice(0, 2).some((key) => held.has(key))) return true;
        outcomes[waiting.index] = 'username_taken';
        return false;
      });
    }
  } catch (error) {
    // Users of this call already committed: a retry of the whole call finds them taken, so never "not applied".
    if (progress.committed && error instanceof UpstreamUnavailableError && error.notApplied) {
      throw new UpstreamUnavailableError(error.upstream, error.retryAfterSeconds, {
        cause: error.cause,
        notApplied: false,
      });
    }
    throw error;
  }
  return outcomes.map((outcome) => outcome ?? unreachable());
}

function entry(options: DynamoDbStoreOptions, user: UserRecord, index: number): Entry {
  const put = (item: Item): TransactWriteItem => ({
    Put: { TableName: options.tableName, Item: item, ConditionExpression: NOT_EXISTS },
  });
  const writes: TransactWriteItem[] = [put(userItem(user)), put(usernameMarkerItem(user))];
  const itemKeys = [keys.user(user.id).PK.S, keys.username(user.username).PK.S];
  if (hasEmail(user)) {
    writes.push(put(emailMarkerItem(user)));
    itemKeys.push(keys.email(user.email).PK.S);
  }
  return { index, user, writes, itemKeys };
}

/** Consecutive users, as many per transaction as its action limit allows. */
function pack(entries: readonly Entry[]): Entry[][] {
  const groups: Entry[][] = [];
  let current: Entry[] = [];
  let actions = 0;
  for (const candidate of entries) {
    if (actions + candidate.writes.length > MAX_TRANSACTION_ACTIONS) {
      groups.push(current);
      current = [];
      actions = 0;
    }
    current.push(candidate);
    actions += candidate.writes.length;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/**
 * Commits one group: on a cancellation for failed conditions, the users whose puts failed get their outcome and the
 * rest is sent again (a cancelled transaction wrote nothing), until it commits or no user is left.
 */
async function commitGroup(
  options: DynamoDbStoreOptions,
  group: readonly Entry[],
  outcomes: (UserCreateOutcome | undefined)[],
  progress: { committed: boolean },
  held: Set<string>,
): Promise<void> {
  let remaining = group;
  while (remaining.length > 0) {
    const reasons = await transactWrite(
      options,
      OPERATION,
      remaining.flatMap((candidate) => candidate.writes),
    );
    if (reasons === null) {
      for (const candidate of remaining) {
        outcomes[candidate.index] = 'created';
        for (const key of candidate.itemKeys) held.add(key);
      }
      progress.committed = true;
      return;
    }
    const retry: Entry[] = [];
    let offset = 0;
    for (const candidate of remaining) {
      const [user, username, email] = candidate.writes.map(
        (_, item) => reasons[offset + item] === 'ConditionalCheckFailed',
      );
      candidate.itemKeys.forEach((key, item) => {
        if (reasons[offset + item] === 'ConditionalCheckFailed') held.add(key);
      });
      offset += candidate.writes.length;
      // The user item fails only when its id is stored already: an import run again, whose username is taken too.
      if (user || username) outcomes[candidate.index] = 'username_taken';
      else if (email) outcomes[candidate.index] = 'email_taken';
      else retry.push(candidate);
    }
    if (retry.length === remaining.length) {
      // A failed condition that names none of the puts: the reasons do not line up with the items sent.
      throw new ConfigurationError(`DynamoDB cancelled ${OPERATION} with reasons that match none of its items.`);
    }
    remaining = retry;
  }
}

/**
 * Runs `work` on every item, at most `concurrency` at a time. After a failure no further item is started; the ones in
 * flight are awaited (nothing is left running behind the caller's back), then the first failure is thrown.
 */
async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
}

function unreachable(): never {
  throw new ConfigurationError('createMany left a user without an outcome.');
}
