-- Shared rate-limit counters (rate-limiter-flexible's Postgres store), when PostgreSQL is the
-- configured store. Created here so the schema has one source: the migrations.
CREATE TABLE rate_limits (
  key    varchar(255) PRIMARY KEY,
  points integer NOT NULL DEFAULT 0,
  expire bigint
);
