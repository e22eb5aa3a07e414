/**
 * The tags of this store's listing cursors (`users.list`, `invitations.list`), encoded and checked by the core's
 * `encodeStoreCursor` / `decodeStoreCursor`: the listing and the format's version, so a later format can tell its own
 * cursors apart, and no other store's or listing's cursor passes. The position is the GSI2 position of the last item examined (what
 * DynamoDB needs to rebuild the `ExclusiveStartKey`).
 */
export const CURSOR_KIND = { users: 'dynamodb-users-1', invitations: 'dynamodb-invitations-1' } as const;

/** DynamoDB's order of string sort keys: by UTF-8 bytes (which JavaScript's `<` on UTF-16 units is not). */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
