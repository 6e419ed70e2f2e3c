-- Faults a partner rehearses on a test account (docs/platform-rules.md "Rehearsing faults"):
-- an ordered list of {fault, remaining, retryAfterSeconds?, delaySeconds?}; the publisher takes
-- the first one for each publish attempt of the account and counts it down. Test accounts only
-- (the API refuses live keys, and live accounts are behind the environment wall).
CREATE TABLE social_account_test_faults (
  social_account_id text PRIMARY KEY REFERENCES social_accounts (id) ON DELETE CASCADE,
  faults            jsonb NOT NULL,
  updated_at        timestamptz NOT NULL
);
