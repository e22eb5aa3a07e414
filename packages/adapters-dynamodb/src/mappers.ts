import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  type AccountTokenPurpose,
  type AccountTokenRecord,
  type AttemptState,
  type ClientHint,
  ConfigurationError,
  type GuestLinkRecord,
  type InvitationRecord,
  type PasswordNormalization,
  type RefreshTokenRecord,
  type RefreshTokenStatus,
  type SessionInfo,
  type UserRecord,
  type UserStatus,
} from '@devauth/core';
import type { Item } from './requests.js';
import { DEVAUTH_TABLE, invitationListSortKey, keys, LIST_PARTITION } from './table.js';

/**
 * Items <-> domain records, in one place. Dates are stored as epoch milliseconds (N), which round-trips a `Date`
 * exactly; absent optional values (null email, null identity id, unused invitation) are absent attributes, which
 * keeps items small and lets `attribute_not_exists` test them. The TTL attribute is in epoch seconds.
 *
 * It stays one file on purpose, although it runs past 300 lines: it reads as one table, a section per item type with
 * each writer beside its reader, all on the attribute helpers and readers at the top. Split per record type, every
 * piece would import those same conventions, and checking that a field round-trips, or that two items agree on an
 * attribute (the user item and its username marker's copy, a token and its family items), would mean reading across
 * files.
 */

export const ITEM_TYPE = {
  user: 'user',
  usernameMarker: 'username',
  emailMarker: 'email',
  identityMarker: 'identity',
  token: 'token',
  family: 'family',
  familyMember: 'member',
  userFamily: 'userfamily',
  throttle: 'throttle',
  invitation: 'invitation',
  guestLink: 'guestlink',
  accountToken: 'accounttoken',
  userAccountToken: 'useraccounttoken',
} as const;

const TTL = DEVAUTH_TABLE.ttlAttribute;

export const s = (value: string): AttributeValue => ({ S: value });
export const n = (value: number): AttributeValue => ({ N: String(value) });
export const millis = (date: Date): AttributeValue => n(date.getTime());
/** An item is never given a TTL less than this after it is written (see {@link ttlAt}). */
export const MIN_RETENTION_MS = 60 * 60 * 1000;

/**
 * The TTL attribute (epoch seconds, rounded up so an item never expires before the moment it stands for) for a record
 * whose own end is `epochMillis`, but at least {@link MIN_RETENTION_MS} after the write. DynamoDB (and DynamoDB Local,
 * within seconds) deletes items whose TTL has passed; a record written already past its end (an injected clock
 * behind the wall clock, a backfill, clock skew between writers) would otherwise vanish under its writer. Reads never
 * rely on TTL: expiry is always decided from the record's own dates.
 */
export const ttlAt = (epochMillis: number, writtenAtMillis = Date.now()): AttributeValue =>
  n(Math.ceil(Math.max(epochMillis, writtenAtMillis + MIN_RETENTION_MS) / 1000));

function malformed(attribute: string): never {
  // Only the attribute name: values may be personal data.
  throw new ConfigurationError(`Malformed devauth item in DynamoDB (attribute "${attribute}").`);
}

function readString(item: Item, name: string): string {
  const value = item[name]?.S;
  return value === undefined ? malformed(name) : value;
}

function readOptionalString(item: Item, name: string): string | null {
  const value = item[name];
  if (value === undefined || value.NULL === true) return null;
  return value.S ?? malformed(name);
}

function readNumber(item: Item, name: string): number {
  const value = Number(item[name]?.N ?? Number.NaN);
  return Number.isFinite(value) ? value : malformed(name);
}

function readDate(item: Item, name: string): Date {
  return new Date(readNumber(item, name));
}

/** An absent attribute (items written before it existed, or a null value) reads as null. */
function readOptionalDate(item: Item, name: string): Date | null {
  const value = item[name];
  return value === undefined || value.NULL === true ? null : readDate(item, name);
}

function readOneOf<T extends string>(item: Item, name: string, allowed: readonly T[]): T {
  const value = readString(item, name);
  return (allowed as readonly string[]).includes(value) ? (value as T) : malformed(name);
}

/** A BOOL attribute; absent (items written before it existed) or NULL reads as false. */
function readFlag(item: Item, name: string): boolean {
  const value = item[name];
  if (value === undefined || value.NULL === true) return false;
  return value.BOOL ?? malformed(name);
}

// --- users -------------------------------------------------------------------------------------------------------

/**
 * The user's fields, shared by the user item and the copies in its username and email markers. `emailVerified` is
 * always written (BOOL); items written before it existed lack it and read as unverified.
 */
function userAttributes(user: UserRecord): Item {
  const item: Item = {
    userId: s(user.id),
    username: s(user.username),
    emailVerified: { BOOL: user.emailVerified },
    role: s(user.role),
    passwordHash: s(user.passwordHash),
    passwordNormalization: s(user.passwordNormalization),
    status: s(user.status),
    createdAt: millis(user.createdAt),
    updatedAt: millis(user.updatedAt),
    version: n(user.version),
  };
  if (user.email !== null) item.email = s(user.email);
  if (user.identityId !== null) item.identityId = s(user.identityId);
  return item;
}

/**
 * The user item. It carries the listing index keys (GSI2: `USERS` / canonical username), and only it: the marker
 * copies share the user's attributes but not these keys, so `users.list` meets each user once. Every write of a user
 * (create, createMany, update) puts this item whole, so the keys follow a rename in the same transaction. Linked
 * users also carry the sparse identity index key (GSI1), still written so that deployments of the previous version,
 * which query it, keep finding users; this version answers from the identity marker.
 */
export function userItem(user: UserRecord): Item {
  const item: Item = {
    ...keys.user(user.id),
    type: s(ITEM_TYPE.user),
    ...userAttributes(user),
    ...userListKeys(user.username),
  };
  if (user.identityId !== null) {
    item[DEVAUTH_TABLE.identityIndex.partitionKey] = s(keys.identity(user.identityId));
    item[DEVAUTH_TABLE.identityIndex.sortKey] = s('USER');
  }
  return item;
}

/** The GSI2 (listing) keys of a user item. */
export function userListKeys(username: string): Item {
  return {
    [DEVAUTH_TABLE.listIndex.partitionKey]: s(LIST_PARTITION.users),
    [DEVAUTH_TABLE.listIndex.sortKey]: s(username),
  };
}

/**
 * The username marker: uniqueness guard and a full copy of the user, so that the login lookup is one strongly
 * consistent GetItem. Every write of the user item rewrites it in the same transaction.
 */
export function usernameMarkerItem(user: UserRecord): Item {
  return { ...keys.username(user.username), type: s(ITEM_TYPE.usernameMarker), ...userAttributes(user) };
}

/** A user with an address, the only kind that has an email marker. */
export type UserWithEmail = UserRecord & { readonly email: string };

export function hasEmail(user: UserRecord): user is UserWithEmail {
  return user.email !== null;
}

/**
 * The email marker (`EMAIL#<email>`, for a user with an email): uniqueness guard and, like the username marker, a
 * full copy of the user, so that `findByEmail` is one strongly consistent GetItem. Every write of the user item
 * rewrites it in the same transaction (on an address that did not change too), so the copy is never behind.
 *
 * Markers written before the copy existed hold only `userId` (no `username`: see {@link isLegacyEmailMarker}); the
 * user's next update rewrites them as copies.
 */
export function emailMarkerItem(user: UserWithEmail): Item {
  return { ...keys.email(user.email), type: s(ITEM_TYPE.emailMarker), ...userAttributes(user) };
}

/**
 * An email marker written before it carried the user's copy: a pointer (`userId`) only. Every copy has `username`,
 * which the pointer never had.
 */
export function isLegacyEmailMarker(item: Item): boolean {
  return item.username === undefined;
}

/**
 * The identity marker: makes a Cognito IdentityId unique to one user and answers `findByIdentityId` with a strongly
 * consistent read (the identity index it replaces is a GSI, eventually consistent and without uniqueness).
 */
export function identityMarkerItem(userId: string, identityId: string): Item {
  return {
    ...keys.identityMarker(identityId),
    type: s(ITEM_TYPE.identityMarker),
    userId: s(userId),
    identityId: s(identityId),
  };
}

/** The owner named by a username, email or identity marker. */
export function markerOwner(item: Item): string {
  return readString(item, 'userId');
}

const USER_STATUSES: readonly UserStatus[] = ['active', 'disabled'];
const NORMALIZATIONS: readonly PasswordNormalization[] = ['NFKC', 'none'];

/** A user item, or the copy in a username or email marker, to the record. */
export function itemToUser(item: Item): UserRecord {
  return {
    id: readString(item, 'userId'),
    username: readString(item, 'username'),
    email: readOptionalString(item, 'email'),
    emailVerified: readFlag(item, 'emailVerified'),
    role: readString(item, 'role'),
    passwordHash: readString(item, 'passwordHash'),
    passwordNormalization: readOneOf(item, 'passwordNormalization', NORMALIZATIONS),
    identityId: readOptionalString(item, 'identityId'),
    status: readOneOf(item, 'status', USER_STATUSES),
    createdAt: readDate(item, 'createdAt'),
    updatedAt: readDate(item, 'updatedAt'),
    version: readNumber(item, 'version'),
  };
}

// --- refresh tokens ----------------------------------------------------------------------------------------------

/**
 * The client hint's attributes, `clientUserAgent` and `clientAddressPrefix`, each absent when null; no hint is neither.
 * A hint whose members are both null has nothing to store and reads back as no hint (the core never issues one).
 */
export function clientHintAttributes(hint: ClientHint | null): Item {
  const item: Item = {};
  if (hint?.userAgent != null) item.clientUserAgent = s(hint.userAgent);
  if (hint?.addressPrefix != null) item.clientAddressPrefix = s(hint.addressPrefix);
  return item;
}

/** The hint attributes of a token or family index item: neither present is no hint. */
function readClientHint(item: Item): ClientHint | null {
  const userAgent = readOptionalString(item, 'clientUserAgent');
  const addressPrefix = readOptionalString(item, 'clientAddressPrefix');
  return userAgent === null && addressPrefix === null ? null : { userAgent, addressPrefix };
}

/**
 * A refresh token item; it expires (TTL) with the token. `familyRevoked` is set by revokeFamily, `rotatedAt` by
 * rotate (absent while the token is active); the client hint as {@link clientHintAttributes}.
 */
export function tokenItem(record: RefreshTokenRecord, familyRevoked = false): Item {
  const item: Item = {
    ...keys.token(record.tokenHash),
    type: s(ITEM_TYPE.token),
    tokenHash: s(record.tokenHash),
    familyId: s(record.familyId),
    userId: s(record.userId),
    identityId: s(record.identityId),
    status: s(record.status),
    issuedAt: millis(record.issuedAt),
    expiresAt: millis(record.expiresAt),
    familyExpiresAt: millis(record.familyExpiresAt),
    ...clientHintAttributes(record.clientHint),
    [TTL]: ttlAt(record.expiresAt.getTime()),
  };
  if (record.rotatedAt !== null) item.rotatedAt = millis(record.rotatedAt);
  if (familyRevoked) item.familyRevoked = { BOOL: true };
  return item;
}

/**
 * The member item that lists a token in its family's partition, so revokeFamily can find every token, and the user it
 * was issued to, so revokeFamily can mark that user's family index item. It lives until the family's absolute end,
 * which revokeFamily also uses as the TTL of the family item.
 */
export function familyMemberItem(record: RefreshTokenRecord): Item {
  return {
    ...keys.familyMember(record.familyId, record.tokenHash),
    type: s(ITEM_TYPE.familyMember),
    userId: s(record.userId),
    [TTL]: ttlAt(record.familyExpiresAt.getTime()),
  };
}

/** The user a member item names; absent on members written before it was recorded. */
export function memberUserId(item: Item): string | null {
  return readOptionalString(item, 'userId');
}

/** An Update of one item (the parts of an UpdateItem or a transaction's Update besides the table). */
export interface ItemUpdate {
  readonly Key: Item;
  readonly UpdateExpression: string;
  readonly ExpressionAttributeNames: Record<string, string>;
  readonly ExpressionAttributeValues: Item;
}

/**
 * The user -> family index item (`USER#<userId>` / `FAMILY#<familyId>`), so that revokeAllForUser finds a user's
 * families, and listSessions lists them, with one strongly consistent Query of the user's partition. It lives as long
 * as the family can (TTL at the family's absolute end) and is removed with the user's partition. It also holds the
 * family's session as listSessions shows it:
 * - `createdAt`: the issue time of the family's first token (kept by later writes: `if_not_exists`);
 * - `lastUsedAt`, `expiresAt` and the hint attributes: the current token's (`issuedAt`, `expiresAt`, hint), set by
 *   `issue` and moved by every `rotate`, in the same transaction as the token;
 * - `familyRevoked = true` once revokeFamily (or an issue into a revoked family) marks it; nothing clears it.
 *
 * Written as an Update, never a Put, so that a rotation keeps `createdAt` and `familyRevoked`: this is that Update
 * for `record` as the family's current token (creating the item on the family's first issue), a null hint member
 * REMOVEd; `familyRevoked` set when asked.
 */
export function userFamilyUpdate(record: RefreshTokenRecord, familyRevoked = false): ItemUpdate {
  const hint = clientHintAttributes(record.clientHint);
  const set = [
    '#type = :type',
    '#familyId = :familyId',
    '#createdAt = if_not_exists(#createdAt, :issuedAt)',
    '#lastUsedAt = :issuedAt',
    '#expiresAt = :expiresAt',
    '#ttl = :ttl',
  ];
  const remove: string[] = [];
  const names: Record<string, string> = {
    '#type': 'type',
    '#familyId': 'familyId',
    '#createdAt': 'createdAt',
    '#lastUsedAt': 'lastUsedAt',
    '#expiresAt': 'expiresAt',
    '#ttl': TTL,
  };
  const values: Item = {
    ':type': s(ITEM_TYPE.userFamily),
    ':familyId': s(record.familyId),
    ':issuedAt': millis(record.issuedAt),
    ':expiresAt': millis(record.expiresAt),
    ':ttl': ttlAt(record.familyExpiresAt.getTime()),
  };
  for (const attribute of ['clientUserAgent', 'clientAddressPrefix'] as const) {
    names[`#${attribute}`] = attribute;
    const value = hint[attribute];
    if (value === undefined) remove.push(`#${attribute}`);
    else {
      set.push(`#${attribute} = :${attribute}`);
      values[`:${attribute}`] = value;
    }
  }
  if (familyRevoked) {
    set.push('#familyRevoked = :true');
    names['#familyRevoked'] = 'familyRevoked';
    values[':true'] = { BOOL: true };
  }
  return {
    Key: keys.userFamily(record.userId, record.familyId),
    UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/**
 * A family index item as a live session, or null when it is not one: its family revoked, its current token expired
 * at `now`, or an item written before sessions were kept on it (no `expiresAt`; such a family is listed from its next
 * rotation on).
 */
export function itemToSession(item: Item, now: Date): SessionInfo | null {
  if (item.familyRevoked?.BOOL === true || item.expiresAt === undefined) return null;
  const expiresAt = readDate(item, 'expiresAt');
  if (expiresAt.getTime() <= now.getTime()) return null;
  return {
    familyId: readString(item, 'familyId'),
    createdAt: readDate(item, 'createdAt'),
    lastUsedAt: readDate(item, 'lastUsedAt'),
    expiresAt,
    clientHint: readClientHint(item),
  };
}

const TOKEN_STATUSES: readonly RefreshTokenStatus[] = ['active', 'rotated', 'revoked'];

export function itemToToken(item: Item): RefreshTokenRecord {
  return {
    tokenHash: readString(item, 'tokenHash'),
    familyId: readString(item, 'familyId'),
    userId: readString(item, 'userId'),
    identityId: readString(item, 'identityId'),
    // A revoked family overrides the token's own status (rotated or active).
    status: item.familyRevoked?.BOOL === true ? 'revoked' : readOneOf(item, 'status', TOKEN_STATUSES),
    issuedAt: readDate(item, 'issuedAt'),
    expiresAt: readDate(item, 'expiresAt'),
    familyExpiresAt: readDate(item, 'familyExpiresAt'),
    // Tokens rotated before rotatedAt was recorded have none.
    rotatedAt: readOptionalDate(item, 'rotatedAt'),
    // Tokens written before hints were recorded have none.
    clientHint: readClientHint(item),
  };
}

// --- throttle counters -------------------------------------------------------------------------------------------

/** A counter restarted at one failure. */
export function throttleItem(key: string, now: Date, expiresAtMillis: number): Item {
  return attemptStateItem({ key, consecutiveFailures: 1, lastFailureAt: now }, expiresAtMillis);
}

/** The counter item holding `state`; its TTL is `expiresAtMillis` (the last failure plus the idle window). */
export function attemptStateItem(state: AttemptState, expiresAtMillis: number): Item {
  return {
    ...keys.throttle(state.key),
    type: s(ITEM_TYPE.throttle),
    throttleKey: s(state.key),
    failures: n(state.consecutiveFailures),
    lastFailureAt: millis(state.lastFailureAt),
    [TTL]: ttlAt(expiresAtMillis),
  };
}

export function itemToAttemptState(item: Item): AttemptState {
  return {
    key: readString(item, 'throttleKey'),
    consecutiveFailures: readNumber(item, 'failures'),
    lastFailureAt: readDate(item, 'lastFailureAt'),
  };
}

// --- invitations -------------------------------------------------------------------------------------------------

/** An invitation (`INVITATION#<codeHash>`), listed newest first on GSI2 (`INVITATIONS` / `<createdAt>#<codeHash>`). */
export function invitationItem(record: InvitationRecord): Item {
  const item: Item = {
    ...keys.invitation(record.codeHash),
    type: s(ITEM_TYPE.invitation),
    codeHash: s(record.codeHash),
    role: s(record.role),
    createdAt: millis(record.createdAt),
    expiresAt: millis(record.expiresAt),
    [TTL]: ttlAt(record.expiresAt.getTime()),
    ...invitationListKeys(record.createdAt, record.codeHash),
  };
  if (record.usedAt !== null) item.usedAt = millis(record.usedAt);
  return item;
}

/** The GSI2 (listing) keys of an invitation item. */
export function invitationListKeys(createdAt: Date, codeHash: string): Item {
  return {
    [DEVAUTH_TABLE.listIndex.partitionKey]: s(LIST_PARTITION.invitations),
    [DEVAUTH_TABLE.listIndex.sortKey]: s(invitationListSortKey(createdAt, codeHash)),
  };
}

export function itemToInvitation(item: Item): InvitationRecord {
  const usedAt = item.usedAt === undefined ? null : readDate(item, 'usedAt');
  return {
    codeHash: readString(item, 'codeHash'),
    role: readString(item, 'role'),
    createdAt: readDate(item, 'createdAt'),
    expiresAt: readDate(item, 'expiresAt'),
    usedAt,
  };
}

// --- guest links -------------------------------------------------------------------------------------------------

/** A guest link (`GUESTLINK#<secretHash>`), deleted by TTL after it expires; `usedAt` is absent while unused. */
export function guestLinkItem(record: GuestLinkRecord): Item {
  const item: Item = {
    ...keys.guestLink(record.secretHash),
    type: s(ITEM_TYPE.guestLink),
    secretHash: s(record.secretHash),
    identityId: s(record.identityId),
    createdAt: millis(record.createdAt),
    expiresAt: millis(record.expiresAt),
    [TTL]: ttlAt(record.expiresAt.getTime()),
  };
  if (record.usedAt !== null) item.usedAt = millis(record.usedAt);
  return item;
}

export function itemToGuestLink(item: Item): GuestLinkRecord {
  return {
    secretHash: readString(item, 'secretHash'),
    identityId: readString(item, 'identityId'),
    createdAt: readDate(item, 'createdAt'),
    expiresAt: readDate(item, 'expiresAt'),
    usedAt: readOptionalDate(item, 'usedAt'),
  };
}

// --- account tokens ----------------------------------------------------------------------------------------------

/**
 * An account token (`ACCOUNTTOKEN#<tokenHash>`): the record, found by digest. It counts only while the user's pointer
 * for its purpose names it (see {@link userAccountTokenItem}); deleted by `consume`, else by TTL after it expires.
 */
export function accountTokenItem(record: AccountTokenRecord): Item {
  const item: Item = {
    ...keys.accountToken(record.tokenHash),
    type: s(ITEM_TYPE.accountToken),
    tokenHash: s(record.tokenHash),
    purpose: s(record.purpose),
    userId: s(record.userId),
    createdAt: millis(record.createdAt),
    expiresAt: millis(record.expiresAt),
    [TTL]: ttlAt(record.expiresAt.getTime()),
  };
  if (record.email !== null) item.email = s(record.email);
  return item;
}

/**
 * The user's current token of a purpose (`USER#<userId>` / `ACCOUNTTOKEN#<purpose>`): the digest of the one token of
 * that purpose that may be consumed. Overwritten by every `issue`, so an earlier token stops counting; removed with
 * the user's partition. It lives as long as the token it names.
 */
export function userAccountTokenItem(record: AccountTokenRecord): Item {
  return {
    ...keys.userAccountToken(record.userId, record.purpose),
    type: s(ITEM_TYPE.userAccountToken),
    tokenHash: s(record.tokenHash),
    [TTL]: ttlAt(record.expiresAt.getTime()),
  };
}

const ACCOUNT_TOKEN_PURPOSES: readonly AccountTokenPurpose[] = ['password-reset', 'email-verification'];

export function itemToAccountToken(item: Item): AccountTokenRecord {
  return {
    tokenHash: readString(item, 'tokenHash'),
    purpose: readOneOf(item, 'purpose', ACCOUNT_TOKEN_PURPOSES),
    userId: readString(item, 'userId'),
    email: readOptionalString(item, 'email'),
    createdAt: readDate(item, 'createdAt'),
    expiresAt: readDate(item, 'expiresAt'),
  };
}
