/**
 * `@devauth/adapters-dynamodb/schema`: the devauth table's shape (keys, index, TTL attribute, capacity mode) with no
 * import at all, so infrastructure code (e.g. `@devauth/cdk`) can build the same table without loading the AWS SDK.
 */

/**
 * The single table every devauth store shares. Item types and their keys (see README.md):
 *
 * | item                 | PK                         | SK                       | GSI1PK                  | GSI2PK / GSI2SK                       |
 * |----------------------|----------------------------|--------------------------|-------------------------|---------------------------------------|
 * | user                 | `USER#<userId>`            | `USER`                   | `IDENTITY#<identityId>` | `USERS` / `<username>`                |
 * | user's family        | `USER#<userId>`            | `FAMILY#<familyId>`      | -                       | -                                     |
 * | user's account token | `USER#<userId>`            | `ACCOUNTTOKEN#<purpose>` | -                       | -                                     |
 * | username marker      | `USERNAME#<username>`      | `USERNAME`               | -                       | -                                     |
 * | email marker         | `EMAIL#<email>`            | `EMAIL`                  | -                       | -                                     |
 * | identity marker      | `IDENTITY#<identityId>`    | `IDENTITY`               | -                       | -                                     |
 * | refresh token        | `TOKEN#<tokenHash>`        | `TOKEN`                  | -                       | -                                     |
 * | token family         | `FAMILY#<familyId>`        | `FAMILY`                 | -                       | -                                     |
 * | family member        | `FAMILY#<familyId>`        | `TOKEN#<hash>`           | -                       | -                                     |
 * | throttle counter     | `THROTTLE#<key>`           | `THROTTLE`               | -                       | -                                     |
 * | invitation           | `INVITATION#<codeHash>`    | `INVITATION`             | -                       | `INVITATIONS` / `<createdAt>#<hash>`  |
 * | guest link           | `GUESTLINK#<secretHash>`   | `GUESTLINK`              | -                       | -                                     |
 * | account token        | `ACCOUNTTOKEN#<tokenHash>` | `ACCOUNTTOKEN`           | -                       | -                                     |
 *
 * The username and email markers make a username and an address unique, and each holds a full copy of the user, so
 * `findByUsername` and `findByEmail` are one strongly consistent GetItem (email markers written before the copy
 * existed hold only `userId`, and are followed to the user item). The identity marker (in the base table, so strongly
 * consistent) is what makes an IdentityId unique and answers `findByIdentityId`. GSI1 is no longer relied on: user
 * items still carry GSI1PK (so deployments still running the previous version, and the legacy lookup of users linked
 * before the marker existed, keep finding them), and the index stays in the table definition, since removing a GSI
 * from a deployed table is a migration of its own.
 *
 * GSI2 is the administration listing (`users.list`, `invitations.list`): only the user item itself (never the
 * username or email marker copies, or a user would be listed three times) and the invitation item carry its keys,
 * each kind in one partition (`USERS`, sorted by canonical username; `INVITATIONS`, sorted by creation time). One
 * partition key value means one index partition, which DynamoDB limits to 1,000 write units per second: that bounds
 * the rate of user writes (creates, updates, deletes) the table can take, whatever its capacity (see README.md).
 * Items written before GSI2 existed lack its keys until rewritten or backfilled (`backfillListIndex`).
 *
 * Generic key names (PK/SK, GSI1PK/GSI1SK, GSI2PK/GSI2SK) keep the table reusable for item types added later.
 */
export const DEVAUTH_TABLE = {
  partitionKey: 'PK',
  sortKey: 'SK',
  /**
   * Sparse: only user items linked to a Cognito IdentityId carry GSI1PK. Eventually consistent, like every GSI, so
   * no answer relies on it any more (the identity marker does); read only for users linked before the marker existed.
   */
  identityIndex: { name: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK', projection: 'ALL' },
  /**
   * Sparse: user items (`USERS` / canonical username) and invitation items (`INVITATIONS` / `<createdAt ISO>#<hash>`)
   * carry GSI2PK, so that the administration listings are one Query per page. Projection ALL: a page is the records
   * themselves, with no read of the table after it. Eventually consistent, like every GSI.
   */
  listIndex: { name: 'GSI2', partitionKey: 'GSI2PK', sortKey: 'GSI2SK', projection: 'ALL' },
  /** Epoch seconds. DynamoDB deletes an item some time (up to days) after this moment; reads never rely on it. */
  ttlAttribute: 'ttl',
  /** Every key attribute (table and index) holds a string. */
  keyAttributeType: 'S',
  /** On-demand capacity: login traffic is bursty and small, and there is no capacity to plan or to exhaust. */
  billingMode: 'PAY_PER_REQUEST',
} as const;
