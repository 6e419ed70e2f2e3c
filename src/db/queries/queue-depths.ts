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
