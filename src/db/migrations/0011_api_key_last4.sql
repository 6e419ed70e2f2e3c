-- A display hint for operators listing keys: the last 4 characters of the key (of its 256-bit
-- secret), written when a key is created. Keys created before this migration have none: only the
-- hash of their secret was ever stored, so they list with their prefix alone.
ALTER TABLE api_keys ADD COLUMN secret_last4 text;
