-- The publisher (issue 5, part 4) and which platform an account's calls go to.

-- live: the platform's real hosts; test: the sandbox platform (accounts of lp_test_ keys and
-- every development fixture). The worker picks the adapters by this column.
ALTER TABLE social_accounts ADD COLUMN env text NOT NULL DEFAULT 'test' CHECK (env IN ('live', 'test'));

-- A claim: `publishing` with a lease. claim_count fences the owner's writes (a worker whose lease
-- ran out cannot record over a later claim); a dead worker's post is recovered after the lease.
ALTER TABLE scheduled_posts
  ADD COLUMN claim_count integer NOT NULL DEFAULT 0,
  ADD COLUMN claim_expires_at timestamptz,
  -- Committed just before the platform call: set means "the platform may have seen this post".
  ADD COLUMN call_started_at timestamptz,
  -- Platform calls started so far (the retry budget counts them) and when a retry is due.
  ADD COLUMN publish_attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN retry_at timestamptz;

-- Crash recovery's scan: claims whose lease ran out.
CREATE INDEX scheduled_posts_claim_expiry_idx ON scheduled_posts (claim_expires_at) WHERE status = 'publishing';
