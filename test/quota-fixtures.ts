import type { Harness, Tenant } from './harness.js';

/**
 * A connected account whose publishing budget was read from the platform at `checkedAt`: `limit`
 * posts per 24 h, `platformUsed` of them made outside the API then (docs/platform-rules.md).
 */
export async function budgetedAccount(
  h: Harness,
  t: Tenant,
  limit: number,
  o: { platform?: 'tiktok' | 'instagram'; platformUsed?: number; checkedAt: string },
) {
  const id = await h.account(t, { platform: o.platform ?? 'instagram' });
  await h.db
    .updateTable('social_accounts')
    .set({
      publish_quota_limit: limit,
      publish_quota_window_seconds: 86_400,
      publish_quota_source: 'platform',
      publish_quota_platform_used: o.platformUsed ?? 0,
      publish_quota_checked_at: new Date(o.checkedAt),
    })
    .where('id', '=', id)
    .execute();
  return id;
}
