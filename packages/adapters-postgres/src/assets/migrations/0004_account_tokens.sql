-- 0004_account_tokens: single-use account tokens (password reset, email verification).
--
-- Applied in one transaction (see migrate.ts). Constraint and index names are part of the adapter, as in 0001_init.

-- One row per user and purpose: the user's one live token of that purpose. `issue` is an INSERT ... ON CONFLICT
-- (user_id, purpose) DO UPDATE that overwrites the row, digest included, so the earlier token is gone in the same
-- statement; `consume` is one DELETE ... WHERE token_hash AND purpose AND expires_at > now RETURNING (single use: of
-- concurrent consumers the first deletes the row, the others find nothing). Rows past expires_at are inert (consume
-- refuses them) and are overwritten by the user's next token of that purpose, or deleted by housekeeping.
CREATE TABLE devauth_account_tokens (
  -- SHA-256 digest of the token: the token itself is never stored.
  token_hash text NOT NULL,
  purpose text NOT NULL,
  user_id text NOT NULL,
  -- The address an email-verification token proves; NULL for a password reset.
  email text,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  CONSTRAINT devauth_account_tokens_pkey PRIMARY KEY (token_hash),
  -- Also the index of deleteAllForUser (user_id leads).
  CONSTRAINT devauth_account_tokens_user_purpose_key UNIQUE (user_id, purpose),
  CONSTRAINT devauth_account_tokens_purpose_check CHECK (purpose IN ('password-reset', 'email-verification'))
);

-- Housekeeping: DELETE FROM devauth_account_tokens WHERE expires_at < now().
CREATE INDEX devauth_account_tokens_expires_at_idx ON devauth_account_tokens (expires_at);
