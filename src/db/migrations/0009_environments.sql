-- Environments are walls (spec §2): a key sees and acts only on the accounts, posts, content
-- and lease requests of its own environment (live or test). Accounts already carry `env`; the
-- rest carry the environment of the key that created them, so every lookup filters by it.
ALTER TABLE scheduled_posts ADD COLUMN env text NOT NULL DEFAULT 'test' CHECK (env IN ('live', 'test'));
UPDATE scheduled_posts p SET env = a.env FROM social_accounts a WHERE a.id = p.social_account_id AND a.env <> p.env;
ALTER TABLE scheduled_posts ALTER COLUMN env DROP DEFAULT;

ALTER TABLE content_containers ADD COLUMN env text NOT NULL DEFAULT 'test' CHECK (env IN ('live', 'test'));
UPDATE content_containers c SET env = 'live'
WHERE EXISTS (SELECT 1 FROM scheduled_posts p WHERE p.container_id = c.id AND p.env = 'live');
ALTER TABLE content_containers ALTER COLUMN env DROP DEFAULT;

ALTER TABLE lease_requests ADD COLUMN env text NOT NULL DEFAULT 'test' CHECK (env IN ('live', 'test'));
UPDATE lease_requests r SET env = 'live'
WHERE EXISTS (SELECT 1 FROM leases l JOIN social_accounts a ON a.id = l.social_account_id WHERE l.lease_request_id = r.id AND a.env = 'live');
ALTER TABLE lease_requests ALTER COLUMN env DROP DEFAULT;
