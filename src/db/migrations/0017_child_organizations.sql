-- Child organizations (docs/organizations.md): a partner's organization may create organizations
-- one level below it, one per end-customer. A child is active, suspended (its keys answer 503
-- KILL_SWITCH and its queued posts and webhook deliveries hold, like the operator's organization
-- kill switch) or archived (terminal: its keys revoked, its queued posts canceled).
ALTER TABLE organizations ADD COLUMN parent_organization_id text REFERENCES organizations (id);
ALTER TABLE organizations ADD COLUMN status text NOT NULL DEFAULT 'active';
ALTER TABLE organizations ADD CONSTRAINT organizations_status_check
  CHECK (status IN ('active', 'suspended', 'archived'));
ALTER TABLE organizations ADD COLUMN metadata jsonb NOT NULL DEFAULT '{}';
ALTER TABLE organizations ADD COLUMN billing_email text;
ALTER TABLE organizations ADD COLUMN archived_at timestamptz;
ALTER TABLE organizations ADD COLUMN updated_at timestamptz;
UPDATE organizations SET updated_at = created_at;
ALTER TABLE organizations ALTER COLUMN updated_at SET NOT NULL;
ALTER TABLE organizations ADD CONSTRAINT organizations_archived_at_check
  CHECK ((status = 'archived') = (archived_at IS NOT NULL));

-- A parent lists its children newest first, by keyset on (created_at, id).
CREATE INDEX organizations_parent_created_idx
  ON organizations (parent_organization_id, created_at DESC, id DESC)
  WHERE parent_organization_id IS NOT NULL;
