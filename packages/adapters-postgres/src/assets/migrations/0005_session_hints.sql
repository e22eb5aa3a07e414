-- 0005_session_hints: the client hint of a refresh token (what its owner recognises a session by).
--
-- Applied in one transaction (see migrate.ts). Constraint and index names are part of the adapter, as in 0001_init.

-- Coarse on purpose (see ClientHint in the core): a browser and system family such as `Firefox on Linux`, and the
-- address's network such as `203.0.113.0/24` or `2001:db8:1::/48`; never a full user agent or address. Each token
-- keeps its own hint (rotation copies the family's forward into the successor); listSessions reads the current
-- token's. NULL in both columns is "no hint" (tokens issued before this migration, or a request without one); a hint
-- with one member null keeps the other. A hint whose members are both null is stored, and read back, as no hint.
ALTER TABLE devauth_refresh_tokens
  ADD COLUMN client_user_agent text,
  ADD COLUMN client_address_prefix text,
  -- The core holds the family name to 64 characters; a prefix is at most 43 (an IPv6 address and `/48`).
  ADD CONSTRAINT devauth_refresh_tokens_client_user_agent_check CHECK (char_length(client_user_agent) <= 64),
  ADD CONSTRAINT devauth_refresh_tokens_client_address_prefix_check CHECK (char_length(client_address_prefix) <= 64);

-- listSessions reads a user's families through devauth_refresh_tokens_user_id_idx (user_id, family_id) of 0002: no
-- new index.
