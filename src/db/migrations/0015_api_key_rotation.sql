-- Key rotation (docs/api-keys.md): a rotation mints a new key and marks the old one superseded by
-- it; the old secret keeps authenticating until expires_at (the grace period), then answers 401
-- like a revoked key. A key is superseded at most once, so a superseded key always has an expiry.
ALTER TABLE api_keys ADD COLUMN superseded_by text REFERENCES api_keys (id);
ALTER TABLE api_keys ADD COLUMN expires_at timestamptz;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_superseded_expires
  CHECK (superseded_by IS NULL OR expires_at IS NOT NULL);

-- Partners list their keys newest first, by keyset on (created_at, id), like every other list.
CREATE INDEX api_keys_organization_created_idx ON api_keys (organization_id, created_at DESC, id DESC);
DROP INDEX api_keys_organization_idx;
