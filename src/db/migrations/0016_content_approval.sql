-- Approval before publishing (docs/content-and-publishing.md, "Approval"). A project's policy
-- (no row: nothing requires approval); each content's approval state, fixed at upload; and the
-- schedule requests made while content waits for approval, promoted to posts when it is approved.
CREATE TABLE project_approval_policies (
  project_id            text PRIMARY KEY REFERENCES projects (id),
  requires_approval     boolean NOT NULL,
  first_n_posts_blocked integer NOT NULL CHECK (first_n_posts_blocked BETWEEN 0 AND 50),
  updated_at            timestamptz NOT NULL
);

ALTER TABLE content_containers
  ADD COLUMN approval_status text NOT NULL DEFAULT 'not_required'
    CHECK (approval_status IN ('not_required', 'pending', 'approved', 'rejected')),
  ADD COLUMN approval_decided_at timestamptz,
  ADD COLUMN approval_decided_by text,
  ADD COLUMN approval_note text,
  ADD COLUMN rejection_reason text;
-- firstNPostsBlocked counts a project's approved content per environment.
CREATE INDEX content_containers_approved_idx ON content_containers (project_id, env)
  WHERE approval_status = 'approved';

CREATE TABLE schedule_intents (
  id              text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations (id),
  env             text NOT NULL CHECK (env IN ('live', 'test')),
  project_id      text NOT NULL REFERENCES projects (id),
  container_id    text NOT NULL REFERENCES content_containers (id),
  scheduled_for   timestamptz NOT NULL,
  targets         jsonb NOT NULL,
  status          text NOT NULL CHECK (status IN ('pending', 'promoted', 'dropped')),
  outcome         jsonb,
  resolved_at     timestamptz,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  CHECK ((status = 'pending') = (resolved_at IS NULL))
);
CREATE INDEX schedule_intents_pending_idx ON schedule_intents (container_id, created_at, id) WHERE status = 'pending';
