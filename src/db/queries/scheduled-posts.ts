import { sql, type Insertable } from 'kysely';
import type { Queryable, Tx } from '../client.js';
import type { ScheduledPostStatus, ScheduledPostsTable } from '../schema.js';

type PostRow = Insertable<ScheduledPostsTable>;
const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
const time = (v: Date | string | null | undefined) => (v === null || v === undefined ? null : new Date(v).toISOString());

/**
 * One statement for any number of rows: each column travels as one array parameter (unnest),
 * so 10,000 posts bind 19 parameters, not 190,000 (PostgreSQL's limit is 65,535).
 * Arrays go as text[] and are cast in SQL so PGlite and pg serialize them the same way.
 */
export async function insertScheduledPosts(db: Queryable, rows: PostRow[]) {
  if (rows.length === 0) return [];
  const col = (k: keyof PostRow) => rows.map((r) => text(r[k]));
  const at = (k: 'scheduled_for' | 'attempted_at' | 'published_at' | 'canceled_at' | 'created_at' | 'updated_at') =>
    rows.map((r) => time(r[k]));
  const result = await sql<{ id: string; status: ScheduledPostStatus; scheduled_for: Date }>`
    INSERT INTO scheduled_posts (id, organization_id, project_id, container_id, social_account_id, mode, status,
      caption_override, scheduled_for, external_id, external_url, attempted_at, published_at, canceled_at,
      cancel_reason, last_error, claimed_token_version, created_at, updated_at)
    SELECT * FROM unnest(
      ${col('id')}::text[], ${col('organization_id')}::text[], ${col('project_id')}::text[], ${col('container_id')}::text[],
      ${col('social_account_id')}::text[], ${col('mode')}::text[], ${col('status')}::text[], ${col('caption_override')}::text[],
      ${at('scheduled_for')}::text[]::timestamptz[], ${col('external_id')}::text[], ${col('external_url')}::text[],
      ${at('attempted_at')}::text[]::timestamptz[], ${at('published_at')}::text[]::timestamptz[],
      ${at('canceled_at')}::text[]::timestamptz[], ${col('cancel_reason')}::text[], ${col('last_error')}::text[]::jsonb[],
      ${col('claimed_token_version')}::text[]::integer[], ${at('created_at')}::text[]::timestamptz[],
      ${at('updated_at')}::text[]::timestamptz[])
    RETURNING id, status, scheduled_for`.execute(db);
  return result.rows;
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
