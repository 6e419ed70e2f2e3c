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

-- Not scheduled_posts: every index there is one more entry for each post a revoke cancels (the
-- update moves the row). Two more (status, account) made the 10,000-post cancel 1.6-2x slower;
-- its post list stays on scheduled_posts_project_idx, checking status and account row by row.
