import type pg from 'pg';

// The rate-limit counters (table rate_limits, migration 0002), on the counter pool: one fixed
// window per row, `expire` in epoch milliseconds. The rows are rate-limiter-flexible's own
// layout and upsert (its Postgres store used to write them): a window that has expired
// restarts at 1 with a new expiry, a live one counts up and keeps its expiry.
//
// A write request counts against two windows, its class's minute and the day. Both are one
// statement: the minute's upsert, then the day's only if the minute admitted the request
// (points within its limit), as two calls to the library did it in two round trips.
const CONSUME = `
WITH minute AS (
  INSERT INTO rate_limits AS r (key, points, expire) VALUES ($1, 1, $2)
  ON CONFLICT (key) DO UPDATE SET
    points = CASE WHEN r.expire <= $6 THEN 1 ELSE r.points + 1 END,
    expire = CASE WHEN r.expire <= $6 THEN $2 ELSE r.expire END
  RETURNING points, expire
), daily AS (
  INSERT INTO rate_limits AS r (key, points, expire)
  SELECT $4::varchar, 1, $5::bigint FROM minute WHERE $4::varchar IS NOT NULL AND minute.points <= $3::integer
  ON CONFLICT (key) DO UPDATE SET
    points = CASE WHEN r.expire <= $6 THEN 1 ELSE r.points + 1 END,
    expire = CASE WHEN r.expire <= $6 THEN $5::bigint ELSE r.expire END
  RETURNING points, expire
)
SELECT minute.points, minute.expire, daily.points AS daily_points, daily.expire AS daily_expire
FROM minute LEFT JOIN daily ON true`;

export type Window = { key: string; durationMs: number };
export type Counted = { points: number; expire: number };

/**
 * One request counted: +1 on `minute`, and +1 on `daily` (when given) if the minute's count is
 * still within `minuteLimit`. Returns the counts after; `daily` undefined when it was not counted.
 */
export async function consumeCounters(
  pool: pg.Pool,
  minute: Window,
  minuteLimit: number,
  daily: Window | undefined,
  now: number,
  prepared = true,
): Promise<{ minute: Counted; daily: Counted | undefined }> {
  const { rows } = await pool.query({
    // Named, so PostgreSQL plans it once per connection; unnamed when prepared statements are off.
    name: prepared ? 'layers-rate-limit-consume' : undefined,
    text: CONSUME,
    values: [
      minute.key,
      now + minute.durationMs,
      minuteLimit,
      daily?.key ?? null,
      daily ? now + daily.durationMs : null,
      now,
    ],
  });
  const row = rows[0] as { points: number; expire: string; daily_points: number | null; daily_expire: string | null };
  return {
    minute: { points: row.points, expire: Number(row.expire) },
    daily: row.daily_points === null ? undefined : { points: row.daily_points, expire: Number(row.daily_expire) },
  };
}
