-- Filtered lists read only what they return. A list walks an index in its page order and stops
-- after `limit` rows; a filter the index does not hold is checked row by row on the table, so a
-- filter that matches nothing used to read the whole project (docs/architecture.md#list-indexes).
-- Each index below starts with every equality a list's filter sets, then the page order:
-- one filter costs the same at 1,000 rows as at 100,000. Two filters at once use the index of
-- the more selective one and check the other on the rows it yields.

-- GET /v1/projects/:projectId/social-accounts: the environment is always a filter (a key sees
-- only its own), then at most one of status, platform, leased through an index of its own.
DROP INDEX social_accounts_project_idx;
CREATE INDEX social_accounts_project_idx ON social_accounts (project_id, env, created_at, id);
CREATE INDEX social_accounts_project_status_idx ON social_accounts (project_id, env, status, created_at, id);
CREATE INDEX social_accounts_project_platform_idx ON social_accounts (project_id, env, platform, created_at, id);
CREATE INDEX social_accounts_project_leased_idx ON social_accounts (project_id, env, leased, created_at, id);

-- GET /v1/projects/:projectId/scheduled-posts: by environment, then one status or one account.
DROP INDEX scheduled_posts_project_idx;
CREATE INDEX scheduled_posts_project_idx ON scheduled_posts (project_id, env, scheduled_for DESC, id DESC);
CREATE INDEX scheduled_posts_project_status_idx
  ON scheduled_posts (project_id, env, status, scheduled_for DESC, id DESC);
CREATE INDEX scheduled_posts_account_idx ON scheduled_posts (social_account_id, scheduled_for DESC, id DESC);
