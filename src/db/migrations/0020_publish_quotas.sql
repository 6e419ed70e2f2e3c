-- Quota-aware scheduling (docs/platform-rules.md, "Publishing quotas"): each account's platform
-- publishing budget — how many posts per moving window — as last read from the platform, or the
-- documented default. NULL (accounts from before, fixtures): the platform's default applies.
ALTER TABLE social_accounts
  ADD COLUMN publish_quota_limit integer CHECK (publish_quota_limit >= 0),
  ADD COLUMN publish_quota_window_seconds integer CHECK (publish_quota_window_seconds > 0),
  ADD COLUMN publish_quota_source text CHECK (publish_quota_source IN ('platform', 'default')),
  -- What the platform said it had counted in the window ending at checked_at (Instagram's
  -- quota_usage; posts made outside this API included). NULL where the platform does not say.
  ADD COLUMN publish_quota_platform_used integer CHECK (publish_quota_platform_used >= 0),
  ADD COLUMN publish_quota_checked_at timestamptz;

-- The window counts of one account: what it published, by time. Queued posts are found by
-- scheduled_posts_account_queued_idx. A cancel (queued → canceled) adds no entry here.
CREATE INDEX scheduled_posts_account_published_idx ON scheduled_posts (social_account_id, published_at)
  WHERE status IN ('published', 'draft');
