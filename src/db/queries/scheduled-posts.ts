import type { Insertable } from 'kysely';
import type { Queryable, Tx } from '../client.js';
import type { ScheduledPostsTable } from '../schema.js';

export async function insertScheduledPosts(db: Queryable, rows: Insertable<ScheduledPostsTable>[]) {
  if (rows.length === 0) return [];
  return db.insertInto('scheduled_posts').values(rows).returning(['id', 'status', 'scheduled_for']).execute();
}

/** One set-based statement however many posts are queued; caller holds the account lock. */
export async function cancelQueuedPostsByAccount(tx: Tx, socialAccountId: string, reason: string, now: Date) {
  return tx
    .updateTable('scheduled_posts')
    .set({ status: 'canceled', cancel_reason: reason, canceled_at: now, updated_at: now })
    .where('social_account_id', '=', socialAccountId)
    .where('status', '=', 'queued')
    .returning(['id', 'project_id'])
    .execute();
}
