-- 0001_init: users, refresh tokens, revoked token families, login-attempt counters, invitations.
--
-- Constraint and index names are part of the adapter: unique violations (SQLSTATE 23505) are mapped to
-- UsernameTakenError / EmailTakenError by constraint name, so renaming one is a breaking change.
-- Timestamps are timestamptz (microsecond precision: the milliseconds of a JavaScript Date round-trip exactly).
-- Ids and digests are text, not uuid/bytea: the ports speak strings and a store must never reject an id format.

CREATE TABLE devauth_users (
  id text NOT NULL,
  -- Canonical form (the core canonicalizes before it reaches the store): uniqueness is plain equality.
  username text NOT NULL,
  email text,
  role text NOT NULL,
  password_hash text NOT NULL,
  password_normalization text NOT NULL,
  identity_id text,
  status text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  -- Optimistic concurrency: updates are conditional on the previous version.
  version integer NOT NULL,
  CONSTRAINT devauth_users_pkey PRIMARY KEY (id),
  CONSTRAINT devauth_users_username_key UNIQUE (username),
  CONSTRAINT devauth_users_status_check CHECK (status IN ('active', 'disabled')),
  CONSTRAINT devauth_users_password_normalization_check CHECK (password_normalization IN ('NFKC', 'none')),
  CONSTRAINT devauth_users_version_check CHECK (version >= 1)
);

-- Partial: any number of users without an email, at most one user per address.
CREATE UNIQUE INDEX devauth_users_email_key ON devauth_users (email) WHERE email IS NOT NULL;

-- The in-Lambda guard's lookup by Cognito IdentityId.
CREATE INDEX devauth_users_identity_id_idx ON devauth_users (identity_id) WHERE identity_id IS NOT NULL;

CREATE TABLE devauth_refresh_tokens (
  -- SHA-256 digest of the token: the token itself is never stored.
  token_hash text NOT NULL,
  family_id text NOT NULL,
  user_id text NOT NULL,
  identity_id text NOT NULL,
  status text NOT NULL,
  issued_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  family_expires_at timestamptz NOT NULL,
  CONSTRAINT devauth_refresh_tokens_pkey PRIMARY KEY (token_hash),
  CONSTRAINT devauth_refresh_tokens_status_check CHECK (status IN ('active', 'rotated', 'revoked'))
);

CREATE INDEX devauth_refresh_tokens_family_id_idx ON devauth_refresh_tokens (family_id);

-- A revoked family stays revoked, tokens stored after the revocation included: a marker row per family, joined by
-- every lookup and checked by every rotation.
CREATE TABLE devauth_revoked_token_families (
  family_id text NOT NULL,
  revoked_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT devauth_revoked_token_families_pkey PRIMARY KEY (family_id)
);

CREATE TABLE devauth_login_attempts (
  -- `user:<canonical username>` or `addr:<source address>`.
  key text NOT NULL,
  consecutive_failures integer NOT NULL,
  last_failure_at timestamptz NOT NULL,
  -- When the counter counts as zero again (last failure + idle window): lets a periodic job delete stale rows.
  expires_at timestamptz NOT NULL,
  CONSTRAINT devauth_login_attempts_pkey PRIMARY KEY (key),
  CONSTRAINT devauth_login_attempts_failures_check CHECK (consecutive_failures >= 1)
);

CREATE TABLE devauth_invitations (
  -- SHA-256 digest of the invitation code.
  code_hash text NOT NULL,
  role text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  CONSTRAINT devauth_invitations_pkey PRIMARY KEY (code_hash)
);
