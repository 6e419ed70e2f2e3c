-- Leased accounts: the operator's pool of warmed accounts and what billing needs.
-- A pool account is the operator's inventory; assigning it creates a social account in the
-- partner's project (a fresh sa_ id per assignment), so nothing leaks between organizations.
CREATE TABLE lease_pool_accounts (
  id                  text PRIMARY KEY,
  platform            text NOT NULL CHECK (platform IN ('tiktok', 'instagram')),
  handle              text NOT NULL,
  external_account_id text,
  followers           integer NOT NULL DEFAULT 0 CHECK (followers >= 0),
  niche               jsonb NOT NULL DEFAULT '{}',
  monthly_price_cents integer NOT NULL CHECK (monthly_price_cents >= 0),
  status              text NOT NULL CHECK (status IN ('available', 'assigned', 'retired')),
  -- The operator's grant for the account, sealed under the pool id.
  token_ciphertext    bytea,
  token_wrapped_key   bytea,
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL
);
CREATE INDEX lease_pool_available_idx ON lease_pool_accounts (created_at, id) WHERE status = 'available';

ALTER TABLE leases ADD COLUMN pool_account_id text REFERENCES lease_pool_accounts (id);
-- Periods charged so far; the next renewal is assigned_at + billed_periods months, so month
-- ends never drift (Jan 31 → Feb 28 → Mar 31, not Mar 28).
ALTER TABLE leases ADD COLUMN billed_periods integer NOT NULL DEFAULT 0;
CREATE INDEX leases_due_idx ON leases (next_renewal_at) WHERE status = 'assigned';
CREATE INDEX leases_project_idx ON leases (project_id, assigned_at, id);

ALTER TABLE lease_requests ADD COLUMN rejected_reason text;
ALTER TABLE social_accounts ADD COLUMN followers integer;
