-- 0007_listing_indexes: the indexes of the administration listings (users.list, invitations.list).
--
-- Applied in one transaction (see migrate.ts). Constraint and index names are part of the adapter, as in 0001_init.
-- CREATE INDEX (not CONCURRENTLY, which cannot run in a transaction) takes a SHARE lock: writes to devauth_users and
-- devauth_invitations wait while the indexes are built (about a second per million users), reads go on.

-- users.list pages in code point order of the username, `username COLLATE "C"`, whatever the database's default
-- collation: the order the in-memory and DynamoDB stores list in, and the only collation whose order keeps every
-- username with a given prefix in one contiguous range. The planner turns `starts_with(username, $prefix)` into that
-- range (`>= $prefix AND < <next string>`, computed by PostgreSQL itself) on an index of this collation only, so
-- devauth_users_username_key (the column's default collation, maybe en-US) serves neither the prefix nor the order.
-- Keyset pagination (`username COLLATE "C" > $after ... ORDER BY username COLLATE "C" LIMIT n`) reads the page and
-- nothing before it. Equality, and with it uniqueness, is the same in every deterministic collation: the unique
-- constraint stays as it is.
CREATE INDEX devauth_users_username_c_idx ON devauth_users (username COLLATE "C");

-- A role filter (`role = $r`, with or without a prefix) reads its users in username order from here, however rare
-- the role: no scan of every user for the three administrators among them.
CREATE INDEX devauth_users_role_username_idx ON devauth_users (role, username COLLATE "C");

-- A status filter: disabled users are the few ones (partial, so it stays small); `status = 'active'` matches most
-- users and reads devauth_users_username_c_idx, filtering as it goes.
CREATE INDEX devauth_users_disabled_username_idx ON devauth_users (username COLLATE "C") WHERE status = 'disabled';

-- An email filter needs no index of its own: devauth_users_email_key (unique, 0001) answers at most one user.

-- invitations.list: newest first, `ORDER BY created_at DESC, code_hash COLLATE "C" DESC`, keyset from the position
-- of the previous page's last invitation. Code point order of the digest, as the other stores compare it.
CREATE INDEX devauth_invitations_listing_idx ON devauth_invitations (created_at DESC, code_hash COLLATE "C" DESC);

-- invitations.revoke deletes the row, as the port says ("removes the invitation"): no column for it. A deleted
-- invitation cannot be consumed, listed or brought back by release (an UPDATE of a row that is gone).
