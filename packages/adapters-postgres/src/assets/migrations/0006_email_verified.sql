-- 0006_email_verified: whether a user proved their email address (UserRecord.emailVerified).
--
-- Applied in one transaction (see migrate.ts). Constraint and index names are part of the adapter, as in 0001_init.

-- The core sets it when the user spends an email-verification token (0004). Rows written before this migration read
-- as unverified (the DEFAULT), on purpose: nothing recorded that anybody proved those addresses, and treating them as
-- proved would hand password resets to whoever typed an address at registration. Their users keep logging in with
-- username and password; what needs a verified address (password resets by default, login by email) waits until they
-- verify it. A constant DEFAULT makes this a catalog change (PostgreSQL 11+, PGlite): no table rewrite, so the
-- ACCESS EXCLUSIVE lock it takes on devauth_users (queries and writes wait) is held for a moment, until the migration
-- commits.
ALTER TABLE devauth_users ADD COLUMN email_verified boolean NOT NULL DEFAULT false;

-- findByEmail reads devauth_users_email_key of 0001 (unique on email WHERE email IS NOT NULL; `email = $1` implies
-- that predicate, so the planner can use it): no new index.
