-- 0002_guest_links_identity_unique: guest links; one user per Cognito IdentityId; rotation time and a user -> tokens
-- index for refresh tokens; login-attempt counters that a released reservation can bring down to zero.
--
-- Applied in one transaction (see migrate.ts): if any statement fails, nothing of it remains and migrate() retries it
-- on its next run. Constraint and index names are part of the adapter, as in 0001_init.

-- Guest links: the digest of the secret handed to a guest with its IdentityId, spent by the login that links that
-- identity to a user (single use: `consume` is one conditional UPDATE ... WHERE used_at IS NULL).
CREATE TABLE devauth_guest_links (
  -- SHA-256 digest of the secret: the secret itself is never stored.
  secret_hash text NOT NULL,
  identity_id text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  CONSTRAINT devauth_guest_links_pkey PRIMARY KEY (secret_hash)
);

-- One user per IdentityId: the non-unique lookup index of 0001 becomes a unique one (mapped to IdentityTakenError by
-- its name). Partial, like the email index: any number of users not linked yet.
--
-- EXISTING DUPLICATES MAKE THIS MIGRATION FAIL, on purpose, with SQLSTATE 23505 on devauth_users_identity_id_key
-- (migrate() reports "PostgreSQL failed migrate 0002_guest_links_identity_unique (SQLSTATE 23505 on
-- devauth_users_identity_id_key)"), and nothing of it is applied. Two users sharing an IdentityId share AWS
-- credentials, which is what this constraint exists to prevent: such rows may be the trace of an account takeover
-- through a guest IdentityId, so they are not "fixed" here behind anyone's back. An operator should list them:
--
--   SELECT identity_id, array_agg(id ORDER BY created_at, id) AS user_ids
--     FROM devauth_users WHERE identity_id IS NOT NULL GROUP BY identity_id HAVING count(*) > 1;
--
-- decide which user really owns each identity (until now the oldest one answered findByIdentityId), unlink the
-- others (UPDATE devauth_users SET identity_id = NULL, version = version + 1, updated_at = now() WHERE id IN (...);
-- their next login links them to an identity of their own), revoke their refresh tokens, then run migrate() again.
--
-- The lock keeps a registration from adding a duplicate between the check and the index build (CREATE INDEX takes
-- the same lock; taking it first makes the check and the build see the same rows). Writes to devauth_users wait for
-- the duration of this migration.
LOCK TABLE devauth_users IN SHARE MODE;

DO $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM devauth_users WHERE identity_id IS NOT NULL GROUP BY identity_id HAVING count(*) > 1
  ) THEN
    RAISE EXCEPTION 'devauth_users holds several users with one identity_id: unlink the duplicates, then migrate again'
      USING ERRCODE = 'unique_violation',
            CONSTRAINT = 'devauth_users_identity_id_key',
            HINT = 'See the comment of migration 0002_guest_links_identity_unique for the query that lists them.';
  END IF;
END
$$;

CREATE UNIQUE INDEX devauth_users_identity_id_key ON devauth_users (identity_id) WHERE identity_id IS NOT NULL;
DROP INDEX devauth_users_identity_id_idx;

-- When `rotate` retired a token (its successor's issued_at). Tokens rotated before this migration keep NULL: the
-- time was not recorded then.
ALTER TABLE devauth_refresh_tokens ADD COLUMN rotated_at timestamptz;

-- revokeAllForUser: a user's families through this index (family_id included, so the families come from the index).
CREATE INDEX devauth_refresh_tokens_user_id_idx ON devauth_refresh_tokens (user_id, family_id);

-- `release` takes back one reserved attempt and may bring a counter to zero (the row then keeps its last failure
-- time, as the port says), so the lower bound becomes 0. Same constraint name.
ALTER TABLE devauth_login_attempts
  DROP CONSTRAINT devauth_login_attempts_failures_check,
  ADD CONSTRAINT devauth_login_attempts_failures_check CHECK (consecutive_failures >= 0);
