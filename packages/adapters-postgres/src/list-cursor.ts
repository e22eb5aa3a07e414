/**
 * The tags of this store's listing cursors (`users.list`, `invitations.list`), encoded and checked by the core's
 * `encodeStoreCursor` / `decodeStoreCursor`: the listing and the format's version, so a later format can tell its own
 * cursors apart, and no other store's or listing's cursor passes. The position is the page's last row's keyset position (a username;
 * a creation time and a digest).
 */
export const CURSOR_KIND = { users: 'postgres-users-1', invitations: 'postgres-invitations-1' } as const;
