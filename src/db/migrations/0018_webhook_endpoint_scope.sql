-- Webhook endpoints for a parent's children (docs/webhooks.md, "Child organizations' events"). An
-- endpoint's scope: 'organization' (its own organization's events) or 'all_children' (those and
-- the events of every direct child organization, each tagged with the child's id).
ALTER TABLE webhook_endpoints ADD COLUMN scope text NOT NULL DEFAULT 'organization';
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_scope_check
  CHECK (scope IN ('organization', 'all_children'));

-- The fan-out finds a child event's parent endpoints by (organization_id) where scope = 'all_children'.
CREATE INDEX webhook_endpoints_all_children_idx
  ON webhook_endpoints (organization_id) WHERE scope = 'all_children' AND deleted_at IS NULL;
