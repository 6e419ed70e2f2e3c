import { sql } from 'kysely';
import type { Queryable } from '../client.js';

export type QueueDepth = { depth: number; oldestAgeSeconds: number };

export type QueueName = 'due_posts' | 'webhook_deliveries' | 'upstream_revocations' | 'outbox' | 'canceled_posts';

// One cheap aggregate per queue, read at scrape time (the metrics endpoints). Each counts what
// waits for the worker and how long the oldest item has waited (0 when the queue is empty); all
// are served by the partial or status indexes the worker's claims use.
const QUERIES: Record<QueueName, (now: Date) => ReturnType<typeof sql<{ depth: number; oldest: Date | null }>>> = {
  // Queued posts whose time has come (a retry waiting for its retry_at counts from its schedule).
  due_posts: (now) => sql`
    SELECT count(*)::int AS depth, min(scheduled_for) AS oldest FROM scheduled_posts
    WHERE status = 'queued' AND scheduled_for <= ${now}`,
  webhook_deliveries: () => sql`
    SELECT count(*)::int AS depth, min(created_at) AS oldest FROM webhook_deliveries WHERE status = 'pending'`,
  upstream_revocations: () => sql`
    SELECT count(*)::int AS depth, min(created_at) AS oldest FROM upstream_revocations WHERE status = 'pending'`,
  outbox: () => sql`
    SELECT count(*)::int AS depth, min(created_at) AS oldest FROM outbox_events WHERE dispatched_at IS NULL`,
  // Posts of bulk cancels (revoke, release, archive) whose audit row and event are not written yet.
  canceled_posts: () => sql`
    SELECT coalesce(sum(posts - expanded), 0)::int AS depth, min(canceled_at) AS oldest FROM post_cancellations
    WHERE expanded_at IS NULL`,
};

export const QUEUE_NAMES = Object.keys(QUERIES) as QueueName[];

export async function queueDepth(db: Queryable, queue: QueueName, now: Date): Promise<QueueDepth> {
  const { rows } = await QUERIES[queue](now).execute(db);
  const row = rows[0];
  const oldest = row?.oldest ? new Date(row.oldest).getTime() : undefined;
  return {
    depth: Number(row?.depth ?? 0),
    oldestAgeSeconds: oldest === undefined ? 0 : Math.max(0, (now.getTime() - oldest) / 1000),
  };
}

// Failures per queue, for the operator console: what went wrong, by when it went wrong. Outbox
// dispatch and the expansion of canceled posts cannot fail (each is INSERT … SELECT, retried by
// the next pass), so they have no failures to count.
type FailingQueue = Exclude<QueueName, 'outbox' | 'canceled_posts'>;
const FAILED: Record<FailingQueue, { at: ReturnType<typeof sql.ref>; from: ReturnType<typeof sql> }> = {
  // A post the publisher gave up on (failed is final; a retry waiting is not a failure yet).
  due_posts: { at: sql.ref('updated_at'), from: sql`scheduled_posts WHERE status = 'failed'` },
  // A delivery attempt that did not succeed: one still retrying, or given up.
  webhook_deliveries: {
    at: sql.ref('last_attempt_at'),
    from: sql`webhook_deliveries WHERE status IN ('pending', 'failed') AND last_error IS NOT NULL`,
  },
  // A platform revocation that failed (retrying, or settled unconfirmed).
  upstream_revocations: { at: sql.ref('attempted_at'), from: sql`upstream_revocations WHERE last_error IS NOT NULL` },
};

export const FAILING_QUEUES = Object.keys(FAILED) as FailingQueue[];

/**
 * Failures per hour of each failing queue from `from` for `hours` hours: `counts[i]` is the hour
 * starting at from + i h. One grouped query per queue.
 */
export async function queueFailuresByHour(db: Queryable, from: Date, hours: number) {
  const out = {} as Record<FailingQueue, number[]>;
  const until = new Date(from.getTime() + hours * 3600_000);
  for (const q of FAILING_QUEUES) {
    const { at, from: source } = FAILED[q];
    const { rows } = await sql<{ bucket: number; n: number }>`
      SELECT floor(extract(epoch FROM (${at} - ${from}::timestamptz)) / 3600)::int AS bucket, count(*)::int AS n
      FROM ${source} AND ${at} >= ${from} AND ${at} < ${until}
      GROUP BY 1`.execute(db);
    const counts = new Array<number>(hours).fill(0);
    for (const r of rows) if (r.bucket >= 0 && r.bucket < hours) counts[r.bucket] = Number(r.n);
    out[q] = counts;
  }
  return out;
}
