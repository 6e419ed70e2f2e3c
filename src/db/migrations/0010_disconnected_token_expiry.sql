-- A disconnected account has no token (the revoke or release erased it), so no token expiry
-- either: clear the expiry that disconnects before this migration left behind.
UPDATE social_accounts SET token_expires_at = NULL WHERE status = 'disconnected' AND token_expires_at IS NOT NULL;
