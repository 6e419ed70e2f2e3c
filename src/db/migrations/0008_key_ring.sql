-- The key ring (docs/key-ring.md). Epoch keys live in files outside the database, never here: a
-- row outlives its DELETE in dead tuples, WAL and backups. A row holds an epoch's number, when it
-- was created and a one-way check value of its key; inserting the row claims the number (one
-- process creates each epoch); deleting it is allowed only once nothing references the epoch.
CREATE TABLE key_epochs (
  id          integer PRIMARY KEY CHECK (id >= 0),
  check_value bytea,
  created_at  timestamptz NOT NULL
);
-- Epoch 0: wrapped keys written before the ring, wrapped by the master key itself.
INSERT INTO key_epochs (id, check_value, created_at) VALUES (0, NULL, now());

-- Which epoch wraps each stored data key, derived from the wrapped key's own header
-- (1 | epoch, 65 bytes; 60 bytes without a header is epoch 0), so it can never disagree with
-- the bytes. The foreign key makes "destroy epoch N" fail while any row still uses it.
CREATE FUNCTION layers_key_epoch(wrapped bytea) RETURNS integer LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN length(wrapped) = 65 AND get_byte(wrapped, 0) = 1
    THEN (get_byte(wrapped, 1) << 24) | (get_byte(wrapped, 2) << 16) | (get_byte(wrapped, 3) << 8) | get_byte(wrapped, 4)
    ELSE 0 END
$$;
ALTER TABLE social_accounts ADD COLUMN token_key_epoch integer
  GENERATED ALWAYS AS (layers_key_epoch(token_wrapped_key)) STORED REFERENCES key_epochs (id);
ALTER TABLE upstream_revocations ADD COLUMN token_key_epoch integer
  GENERATED ALWAYS AS (layers_key_epoch(token_wrapped_key)) STORED REFERENCES key_epochs (id);
ALTER TABLE lease_pool_accounts ADD COLUMN token_key_epoch integer
  GENERATED ALWAYS AS (layers_key_epoch(token_wrapped_key)) STORED REFERENCES key_epochs (id);

-- Rotation's scan (keys older than the current epoch) and the foreign key's check on delete.
CREATE INDEX social_accounts_key_epoch_idx ON social_accounts (token_key_epoch) WHERE token_key_epoch IS NOT NULL;
CREATE INDEX upstream_revocations_key_epoch_idx ON upstream_revocations (token_key_epoch) WHERE token_key_epoch IS NOT NULL;
CREATE INDEX lease_pool_accounts_key_epoch_idx ON lease_pool_accounts (token_key_epoch) WHERE token_key_epoch IS NOT NULL;
