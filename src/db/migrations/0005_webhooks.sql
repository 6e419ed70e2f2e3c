-- Webhooks (issue 7): what the endpoints API and the delivery worker need beyond 0001's tables.

-- Why an endpoint is paused: the partner asked (PATCH), or 20 consecutive failed attempts.
ALTER TABLE webhook_endpoints
  ADD COLUMN paused_reason text CHECK (paused_reason IN ('manual', 'consecutive_failures')),
  ADD COLUMN paused_at timestamptz;
-- The endpoints list: newest first per organization, deleted ones never shown.
CREATE INDEX webhook_endpoints_organization_idx ON webhook_endpoints (organization_id, created_at DESC, id DESC)
  WHERE deleted_at IS NULL;
-- Fan-out joins each event to the organization's active endpoints.
CREATE INDEX webhook_endpoints_active_idx ON webhook_endpoints (organization_id) WHERE status = 'active' AND deleted_at IS NULL;

-- A replay is a new event (new id, so a receiver that dedupes by id processes it) naming the original.
ALTER TABLE outbox_events ADD COLUMN replay_of text REFERENCES outbox_events (id);

-- seq orders a delivery list newest first even when one fan-out creates many rows in the same instant.
ALTER TABLE webhook_deliveries
  ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY,
  ADD COLUMN last_attempt_at timestamptz,
  ADD COLUMN delivered_at timestamptz;
-- One delivery per (event, endpoint), whatever the workers do.
CREATE UNIQUE INDEX webhook_deliveries_event_endpoint_idx ON webhook_deliveries (event_id, endpoint_id);
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, seq DESC);
