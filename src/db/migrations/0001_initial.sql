-- The whole product's shape. Enums are CHECK constraints; times are timestamptz.

CREATE TABLE settings (
  id                 boolean PRIMARY KEY DEFAULT true CHECK (id),
  global_kill_switch boolean NOT NULL DEFAULT false,
  updated_at         timestamptz NOT NULL DEFAULT now()
);
INSERT INTO settings (id) VALUES (true);

CREATE TABLE organizations (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  kill_switch boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL
);

CREATE TABLE api_keys (
  id                   text PRIMARY KEY,
  organization_id      text NOT NULL REFERENCES organizations (id),
  name                 text,
  env                  text NOT NULL CHECK (env IN ('live', 'test')),
  secret_hash          bytea NOT NULL,
  scopes               text[] NOT NULL,
  rate_limit_tier      text NOT NULL CHECK (rate_limit_tier IN ('standard', 'pilot', 'partner')),
  return_url_allowlist text[] NOT NULL DEFAULT '{}',
  kill_switch          boolean NOT NULL DEFAULT false,
  killed_at            timestamptz,
  revoked_at           timestamptz,
  created_at           timestamptz NOT NULL
);
CREATE INDEX api_keys_organization_idx ON api_keys (organization_id);

CREATE TABLE projects (
  id                   text PRIMARY KEY,
  organization_id      text NOT NULL REFERENCES organizations (id),
  name                 text NOT NULL,
  timezone             text NOT NULL,
  customer_external_id text,
  owner_email          text,
  metadata             jsonb NOT NULL DEFAULT '{}',
  status               text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
  archived_at          timestamptz,
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL
);
CREATE INDEX projects_organization_idx ON projects (organization_id, created_at DESC, id DESC);

CREATE TABLE social_accounts (
  id                          text PRIMARY KEY,
  organization_id             text REFERENCES organizations (id),
  project_id                  text REFERENCES projects (id),
  platform                    text NOT NULL CHECK (platform IN ('tiktok', 'instagram')),
  external_account_id         text,
  handle                      text NOT NULL,
  avatar_url                  text,
  status                      text NOT NULL CHECK (status IN ('connected', 'reauth_required', 'disconnected')),
  leased                      boolean NOT NULL DEFAULT false,
  connected_at                timestamptz,
  token_expires_at            timestamptz,
  disconnected_at             timestamptz,
  disconnected_reason         text CHECK (disconnected_reason IN ('revoked_by_partner', 'released_by_partner', 'revoked_upstream', 'project_archived')),
  -- Token envelope: ciphertext under a per-account data key, the data key wrapped by the
  -- master key. token_version is bumped by every revoke so late refreshes cannot write back.
  token_ciphertext            bytea,
  token_wrapped_key           bytea,
  token_version               integer NOT NULL DEFAULT 0,
  created_at                  timestamptz NOT NULL,
  updated_at                  timestamptz NOT NULL,
  CHECK ((status = 'disconnected') = (disconnected_at IS NOT NULL)),
  CHECK ((token_ciphertext IS NULL) = (token_wrapped_key IS NULL))
);
CREATE INDEX social_accounts_project_idx ON social_accounts (project_id, created_at, id);

-- A revoke moves the sealed token here, in its transaction, for the worker to revoke the grant
-- upstream (RFC 7009) after commit; the envelope is erased once the platform call is settled.
CREATE TABLE upstream_revocations (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  social_account_id text NOT NULL REFERENCES social_accounts (id),
  platform          text NOT NULL,
  status            text NOT NULL CHECK (status IN ('pending', 'revoked', 'unconfirmed', 'unsupported')),
  token_ciphertext  bytea,
  token_wrapped_key bytea,
  token_version     integer NOT NULL,
  attempts          integer NOT NULL DEFAULT 0,
  next_attempt_at   timestamptz,
  attempted_at      timestamptz,
  last_error        text,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL,
  CHECK ((token_ciphertext IS NULL) = (token_wrapped_key IS NULL))
);
CREATE INDEX upstream_revocations_account_idx ON upstream_revocations (social_account_id, id DESC);
CREATE INDEX upstream_revocations_due_idx ON upstream_revocations (next_attempt_at) WHERE status = 'pending';

CREATE TABLE lease_requests (
  id              text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations (id),
  project_id      text NOT NULL REFERENCES projects (id),
  count           integer NOT NULL CHECK (count BETWEEN 1 AND 50),
  niche           jsonb NOT NULL,
  note            text,
  status          text NOT NULL CHECK (status IN ('requested', 'assigned', 'partial', 'rejected')),
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL
);

CREATE TABLE leases (
  id                  text PRIMARY KEY,
  social_account_id   text NOT NULL REFERENCES social_accounts (id),
  organization_id     text NOT NULL REFERENCES organizations (id),
  project_id          text NOT NULL REFERENCES projects (id),
  lease_request_id    text REFERENCES lease_requests (id),
  status              text NOT NULL CHECK (status IN ('assigned', 'released')),
  monthly_price_cents integer NOT NULL CHECK (monthly_price_cents >= 0),
  assigned_at         timestamptz NOT NULL,
  next_renewal_at     timestamptz,
  released_at         timestamptz,
  release_reason      text
);
-- At most one live lease per account.
CREATE UNIQUE INDEX leases_one_assigned_idx ON leases (social_account_id) WHERE status = 'assigned';

CREATE TABLE billing_charges (
  id              text PRIMARY KEY,
  lease_id        text NOT NULL REFERENCES leases (id),
  organization_id text NOT NULL REFERENCES organizations (id),
  amount_cents    integer NOT NULL,
  period_start    timestamptz NOT NULL,
  period_end      timestamptz NOT NULL,
  created_at      timestamptz NOT NULL,
  UNIQUE (lease_id, period_start)  -- one charge per period, whatever the worker does
);

CREATE TABLE content_containers (
  id              text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations (id),
  project_id      text NOT NULL REFERENCES projects (id),
  status          text NOT NULL CHECK (status IN ('processing', 'completed', 'failed')),
  creative_type   text NOT NULL CHECK (creative_type IN ('uploaded')),
  media           jsonb NOT NULL,
  caption         text,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL
);
CREATE INDEX content_containers_project_idx ON content_containers (project_id, created_at DESC, id DESC);

CREATE TABLE scheduled_posts (
  id                text PRIMARY KEY,
  organization_id   text NOT NULL REFERENCES organizations (id),
  project_id        text NOT NULL REFERENCES projects (id),
  container_id      text NOT NULL REFERENCES content_containers (id),
  social_account_id text NOT NULL REFERENCES social_accounts (id),
  mode              text NOT NULL CHECK (mode IN ('publish', 'draft')),
  status            text NOT NULL CHECK (status IN ('queued', 'publishing', 'published', 'failed', 'canceled', 'draft')),
  caption_override  text,
  scheduled_for     timestamptz NOT NULL,
  external_id       text,
  external_url      text,
  attempted_at      timestamptz,
  published_at      timestamptz,
  canceled_at       timestamptz,
  cancel_reason     text,
  last_error        jsonb,
  claimed_token_version integer,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL,
  CHECK ((status = 'canceled') = (canceled_at IS NOT NULL))
);
-- The revoke's set-based cancel and the publisher's due scan read only queued rows.
CREATE INDEX scheduled_posts_account_queued_idx ON scheduled_posts (social_account_id) WHERE status = 'queued';
CREATE INDEX scheduled_posts_due_idx ON scheduled_posts (scheduled_for) WHERE status = 'queued';
CREATE INDEX scheduled_posts_project_idx ON scheduled_posts (project_id, scheduled_for DESC, id DESC);

CREATE TABLE audit_log (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations (id),
  project_id      text,
  api_key_id      text,
  request_id      text,
  event_type      text NOT NULL,
  data            jsonb NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL
);
CREATE INDEX audit_log_organization_idx ON audit_log (organization_id, id DESC);

-- Transactional outbox: events commit with the change that caused them.
CREATE TABLE outbox_events (
  id              text PRIMARY KEY,
  seq             bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  organization_id text NOT NULL REFERENCES organizations (id),
  type            text NOT NULL,
  data            jsonb NOT NULL,
  created_at      timestamptz NOT NULL,
  dispatched_at   timestamptz
);
CREATE INDEX outbox_events_undispatched_idx ON outbox_events (seq) WHERE dispatched_at IS NULL;

CREATE TABLE idempotency_keys (
  api_key_id    text NOT NULL REFERENCES api_keys (id),
  key           text NOT NULL,
  fingerprint   text NOT NULL,
  status_code   integer NOT NULL,
  response_body text NOT NULL,
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (api_key_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

CREATE TABLE oauth_states (
  id                text PRIMARY KEY,
  organization_id   text NOT NULL REFERENCES organizations (id),
  project_id        text NOT NULL REFERENCES projects (id),
  api_key_id        text NOT NULL REFERENCES api_keys (id),
  platform          text NOT NULL CHECK (platform IN ('tiktok', 'instagram')),
  return_url        text NOT NULL,
  scopes            text[] NOT NULL DEFAULT '{}',
  code_verifier     text,
  social_account_id text REFERENCES social_accounts (id),
  status            text NOT NULL CHECK (status IN ('pending', 'completed', 'failed', 'expired')),
  error             text,
  expires_at        timestamptz NOT NULL,
  created_at        timestamptz NOT NULL
);

CREATE TABLE webhook_endpoints (
  id                   text PRIMARY KEY,
  organization_id      text NOT NULL REFERENCES organizations (id),
  url                  text NOT NULL,
  description          text,
  event_types          text[] NOT NULL,
  status               text NOT NULL CHECK (status IN ('active', 'paused', 'disabled')),
  secret               bytea NOT NULL,
  previous_secret      bytea,
  previous_secret_expires_at timestamptz,
  consecutive_failures integer NOT NULL DEFAULT 0,
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL,
  deleted_at           timestamptz
);

CREATE TABLE webhook_deliveries (
  id              text PRIMARY KEY,
  endpoint_id     text NOT NULL REFERENCES webhook_endpoints (id),
  event_id        text NOT NULL REFERENCES outbox_events (id),
  status          text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'abandoned')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  last_status_code integer,
  last_error      text,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
