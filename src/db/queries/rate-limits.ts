import type pg from 'pg';
import { naturalBatcher } from '../natural-batch.js';

// The rate-limit counters (table rate_limits, migration 0002), on the counter pool: one fixed
// window per row, `expire` in epoch milliseconds. The rows are rate-limiter-flexible's own
// layout and rules (its Postgres store used to write them): a window that has expired restarts
// with a new expiry, a live one counts up and keeps its expiry.
//
// A write request counts against two windows, its class's minute and the day; the day only for
// a request its minute admits (points within its limit). Requests that arrive while the pool's
// counter statements are in flight go together in the next one (natural batching: an idle
// server sends each request's at once): each window's row is added to once per statement, by
// how many requests of the batch count against it, and each request's own count is its place
// in that run — exactly what the same requests one statement each would have counted. Each
// statement is atomic per row, so instances sharing the table still admit exactly the budget.
const CONSUME = `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::int[], $5::text[], $6::bigint[])
    AS i(key, n, expire, minute_limit, daily_key, daily_expire)
), minute AS (
  INSERT INTO rate_limits AS r (key, points, expire) SELECT key, n, expire FROM input
  ON CONFLICT (key) DO UPDATE SET
    points = CASE WHEN r.expire <= $7 THEN excluded.points ELSE r.points + excluded.points END,
    expire = CASE WHEN r.expire <= $7 THEN excluded.expire ELSE r.expire END
  RETURNING key, points, expire
), admitted AS (
  SELECT i.daily_key, i.daily_expire, greatest(0, least(i.n, i.minute_limit - (m.points - i.n))) AS n
  FROM input i JOIN minute m USING (key) WHERE i.daily_key IS NOT NULL
), daily AS (
  INSERT INTO rate_limits AS r (key, points, expire)
  SELECT daily_key, sum(n)::int, max(daily_expire) FROM admitted GROUP BY daily_key HAVING sum(n) > 0
  ON CONFLICT (key) DO UPDATE SET
    points = CASE WHEN r.expire <= $7 THEN excluded.points ELSE r.points + excluded.points END,
    expire = CASE WHEN r.expire <= $7 THEN excluded.expire ELSE r.expire END
  RETURNING key, points, expire
)
SELECT key, points, expire FROM minute UNION ALL SELECT key, points, expire FROM daily`;

export type Window = { key: string; durationMs: number };
export type Counted = { points: number; expire: number };
/** A request's counts after, and the statement's clock (epoch ms) its windows' expiries count from. */
type Consumed = { minute: Counted; daily: Counted | undefined; now: number };

/**
 * Counter statements in flight per pool at most; later requests wait and go together. Two: one
 * can be sent while the other is answered, and more would only split the waiting requests into
 * smaller statements. The counter pool has as many connections (src/db/client.ts).
 */
export const COUNTER_STATEMENTS_IN_FLIGHT = 2;
/** Requests per statement at most. */
const BATCH = 500;

type Request = { minute: Window; minuteLimit: number; daily: Window | undefined };
const batchers = new WeakMap<pg.Pool, (r: Request) => Promise<Consumed>>();

/**
 * One request counted: +1 on `minute`, and +1 on `daily` (when given) if the minute's count is
 * still within `minuteLimit`. Returns the counts after; `daily` undefined when it was not counted.
 * `prepared` is the pool's: its first call decides.
 */
export function consumeCounters(
  pool: pg.Pool,
  minute: Window,
  minuteLimit: number,
  daily: Window | undefined,
  prepared = true,
): Promise<Consumed> {
  let consume = batchers.get(pool);
  if (!consume) {
    consume = naturalBatcher((batch: Request[]) => countBatch(pool, batch, prepared), {
      inFlight: COUNTER_STATEMENTS_IN_FLIGHT,
      max: BATCH,
    });
    batchers.set(pool, consume);
  }
  return consume({ minute, minuteLimit, daily });
}

async function countBatch(pool: pg.Pool, batch: Request[], prepared: boolean): Promise<Consumed[]> {
  const now = Date.now();
  // One input row per minute window, in order of arrival (one key, one tier and class: one limit, one day).
  const rows = new Map<string, { n: number; expire: number; limit: number; daily?: string; dailyExpire?: number }>();
  for (const r of batch) {
    const row = rows.get(r.minute.key);
    if (row) row.n++;
    else
      rows.set(r.minute.key, {
        n: 1,
        expire: now + r.minute.durationMs,
        limit: r.minuteLimit,
        daily: r.daily?.key,
        dailyExpire: r.daily && now + r.daily.durationMs,
      });
  }
  const input = [...rows];
  const { rows: out } = await pool.query({
    // Named, so PostgreSQL plans it once per connection; unnamed when prepared statements are off.
    name: prepared ? 'layers-rate-limit-consume' : undefined,
    text: CONSUME,
    values: [
      input.map(([key]) => key),
      input.map(([, r]) => r.n),
      input.map(([, r]) => r.expire),
      input.map(([, r]) => r.limit),
      input.map(([, r]) => r.daily ?? null),
      input.map(([, r]) => r.dailyExpire ?? null),
      now,
    ],
  });
  const after = new Map((out as { key: string; points: number; expire: string }[]).map((r) => [r.key, r]));
  // Each request's count is its place in its window's run: the count before this statement, plus its place.
  const seen = new Map<string, number>();
  const place = (key: string, added: number) => {
    const row = after.get(key)!;
    const i = (seen.get(key) ?? 0) + 1;
    seen.set(key, i);
    return { points: row.points - added + i, expire: Number(row.expire) };
  };
  // How many requests each day row took: those of its minute windows that their limits admitted.
  const dayTotals = new Map<string, number>();
  for (const [key, m] of rows) {
    if (!m.daily) continue;
    const admitted = Math.max(0, Math.min(m.n, m.limit - (after.get(key)!.points - m.n)));
    dayTotals.set(m.daily, (dayTotals.get(m.daily) ?? 0) + admitted);
  }
  return batch.map((r) => {
    const minute = place(r.minute.key, rows.get(r.minute.key)!.n);
    const countsForDay = r.daily && minute.points <= r.minuteLimit;
    return { minute, daily: countsForDay ? place(r.daily!.key, dayTotals.get(r.daily!.key)!) : undefined, now };
  });
}
