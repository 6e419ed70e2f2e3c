import { sql } from 'kysely';
import type { Queryable } from '../client.js';
import type { Platform } from '../schema.js';

// Publishing budgets (docs/platform-rules.md, "Publishing quotas"): each account's stored budget
// and the posts that spend it, for the window checks of schedule, the quota view and the publisher.

export type StoredQuota = {
  id: string;
  platform: Platform;
  publish_quota_limit: number | null;
  publish_quota_window_seconds: number | null;
  publish_quota_source: 'platform' | 'default' | null;
  publish_quota_platform_used: number | null;
  publish_quota_checked_at: Date | null;
};

export async function findStoredQuotas(db: Queryable, ids: string[]): Promise<StoredQuota[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('social_accounts')
    .select([
      'id',
      'platform',
      'publish_quota_limit',
      'publish_quota_window_seconds',
      'publish_quota_source',
      'publish_quota_platform_used',
      'publish_quota_checked_at',
    ])
    .where('id', 'in', ids)
    .execute();
}

/** Stores what was read (from the platform, or its default) for the account. */
export async function storeQuota(
  db: Queryable,
  id: string,
  q: { limit: number; windowSeconds: number; source: 'platform' | 'default'; used: number | null; checkedAt: Date },
) {
  await db
    .updateTable('social_accounts')
    .set({
      publish_quota_limit: q.limit,
      publish_quota_window_seconds: q.windowSeconds,
      publish_quota_source: q.source,
      publish_quota_platform_used: q.used,
      publish_quota_checked_at: q.checkedAt,
    })
    .where('id', '=', id)
    .execute();
}

export type QuotaPost = { id: string; status: string; at: Date };

/**
 * The account's posts that spend its budget at or after `since`: published (and, where drafts
 * count, draft) at `published_at`; queued or publishing at when they will go out — their time,
 * a deferral's retry time, or now for an overdue one. `drafts`: whether draft-mode posts count.
 */
export async function listQuotaPosts(
  db: Queryable,
  opts: { socialAccountId: string; since: Date; now: Date; drafts: boolean; excludePostId?: string },
): Promise<QuotaPost[]> {
  const due = sql`GREATEST(p.scheduled_for, COALESCE(p.retry_at, p.scheduled_for), ${opts.now})`;
  const result = await sql<QuotaPost>`
    SELECT p.id, p.status,
           CASE WHEN p.status IN ('published', 'draft') THEN p.published_at ELSE ${due} END AS at
    FROM scheduled_posts p
    WHERE p.social_account_id = ${opts.socialAccountId}
      AND (${opts.drafts} OR p.mode = 'publish')
      AND p.id <> ${opts.excludePostId ?? ''}
      AND ((p.status IN ('published', 'draft') AND p.published_at > ${opts.since})
        OR (p.status IN ('queued', 'publishing') AND ${due} > ${opts.since}))
    ORDER BY at`.execute(db);
  return result.rows.map((r) => ({ ...r, at: new Date(r.at) }));
}

export async function findScheduledFor(db: Queryable, postId: string): Promise<Date> {
  const row = await db
    .selectFrom('scheduled_posts')
    .select('scheduled_for')
    .where('id', '=', postId)
    .executeTakeFirstOrThrow();
  return row.scheduled_for;
}
