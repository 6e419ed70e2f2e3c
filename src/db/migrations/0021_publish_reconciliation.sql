-- Exactly once when a publish's outcome is unknown (issue 20, part 3): before a post whose call may
-- have reached the platform is sent again, the platform is asked whether it has it. What was asked,
-- why and what came back stays on the post (the API's `reconciliation`); null: never needed.
ALTER TABLE scheduled_posts
  -- Why the outcome was unknown: the call got no answer, a server error (5xx: a gateway may answer
  -- so after the platform acted), or the worker stopped during it.
  ADD COLUMN reconcile_cause text CHECK (reconcile_cause IN ('no_answer', 'server_error', 'worker_stopped')),
  -- pending: a lookup is due (the post stays `publishing`); found / not_found: decided by the
  -- platform's answer; undecided: no lookup possible or none answered (the post failed).
  ADD COLUMN reconcile_result text CHECK (reconcile_result IN ('pending', 'found', 'not_found', 'undecided')),
  -- Lookups made for this unknown outcome (answered or not); bounds the retries.
  ADD COLUMN reconcile_lookups integer NOT NULL DEFAULT 0,
  -- When the last lookup was made.
  ADD COLUMN reconciled_at timestamptz;
