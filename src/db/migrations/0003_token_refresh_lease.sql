-- The token refresher's lease and back-off on each account: the refresher leaves an account
-- alone until this instant, so two workers never refresh one grant at once (platforms rotate
-- refresh tokens: a second, concurrent refresh would fail with invalid_grant).
ALTER TABLE social_accounts ADD COLUMN token_refresh_after timestamptz;

-- The refresher's scan: connected accounts by token expiry.
CREATE INDEX social_accounts_token_expiry_idx ON social_accounts (platform, token_expires_at) WHERE status = 'connected';
