-- The operator's own audit trail (issue 19): every change made through the operator plane — the
-- console or /admin/v1 — with who (the operator, through which surface and console session),
-- what, and on which target. The partner's audit_log keeps what a partner sees; a global kill
-- switch or a pool account belongs to no organization, so this table is the operator's.
CREATE TABLE operator_audit_log (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  action          text NOT NULL,
  via             text NOT NULL CHECK (via IN ('console', 'api')),
  session_id      text,
  request_id      text,
  organization_id text REFERENCES organizations (id),
  target          text,
  data            jsonb NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL
);
CREATE INDEX operator_audit_log_created_idx ON operator_audit_log (id DESC);
