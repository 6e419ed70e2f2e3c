import type { Platform } from '../db/schema.js';

// Each platform's publishing budget as documented (docs/platform-rules.md, "Publishing quotas"):
// the default when the platform does not say, or could not be asked. Both are moving windows.

export type QuotaSource = 'platform' | 'default';

/** A budget: at most `limit` counted posts in any window of `windowSeconds`. */
export type PublishingQuota = {
  limit: number;
  windowSeconds: number;
  source: QuotaSource;
  /** What the platform counted in the window ending now (posts made outside this API too); null: not said. */
  used: number | null;
};

const DAY_S = 24 * 3600;

export const DEFAULT_PUBLISH_QUOTAS: Record<Platform, { limit: number; windowSeconds: number }> = {
  // Meta: "100 API-published posts within a 24-hour moving period" (it was 25, then 50: hence we read
  // content_publishing_limit's config whenever we can).
  instagram: { limit: 100, windowSeconds: DAY_S },
  // TikTok caps Direct Post per creator per day (spam_risk_too_many_posts) without publishing the
  // figure; integrators report 15-25. 15, the low end, as a moving 24 h window (stricter than a day).
  tiktok: { limit: 15, windowSeconds: DAY_S },
};

/** Whether a post in this mode spends the budget: TikTok's inbox uploads (drafts) are not direct posts. */
export function modeCountsAgainstQuota(platform: Platform, mode: 'publish' | 'draft') {
  return mode === 'publish' || platform !== 'tiktok';
}

export function defaultPublishingQuota(platform: Platform): PublishingQuota {
  return { ...DEFAULT_PUBLISH_QUOTAS[platform], source: 'default', used: null };
}
