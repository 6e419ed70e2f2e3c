import type { Queryable } from '../db/client.js';
import { findStoredQuotas, listQuotaPosts, storeQuota } from '../db/queries/publish-quotas.js';
import { buildLedger } from './quota-windows.js';
import { modeCountsAgainstQuota } from './quotas.js';
import type { PlatformAdapter, PlatformToken } from './types.js';

// An account's ledger as the API (schedule, the quota view) and the publisher both read it.

/**
 * The account's budget and the posts that spend it, from `now − 2 windows` (the platform's report
 * needs one window more). `publishedOnly`: what the platform itself has counted (the publisher).
 */
export async function loadLedger(
  db: Queryable,
  socialAccountId: string,
  now: Date,
  opts: { excludePostId?: string; publishedOnly?: boolean } = {},
) {
  const [stored] = await findStoredQuotas(db, [socialAccountId]);
  if (!stored) throw new Error(`loadLedger: no account ${socialAccountId}`); // callers found it first
  const windowMs = (stored.publish_quota_window_seconds ?? 86_400) * 1000;
  const posts = await listQuotaPosts(db, {
    socialAccountId,
    since: new Date(now.getTime() - 2 * windowMs),
    now,
    drafts: modeCountsAgainstQuota(stored.platform, 'draft'),
    excludePostId: opts.excludePostId,
  });
  const counted = opts.publishedOnly ? posts.filter((p) => p.status === 'published' || p.status === 'draft') : posts;
  return { stored, ledger: buildLedger(stored, counted, now) };
}

/**
 * Asks the platform for the account's budget and stores it when the platform answered
 * (`source: 'platform'`). A default is not stored: NULL already means the default, and what is
 * stored (an earlier read) stays. Throws the adapter's PlatformError; the caller decides.
 */
export async function refreshStoredQuota(
  db: Queryable,
  adapter: PlatformAdapter,
  token: PlatformToken,
  account: { id: string; externalAccountId: string },
  now: Date,
) {
  const q = await adapter.readPublishingQuota(token, account.externalAccountId);
  if (q.source === 'platform') await storeQuota(db, account.id, { ...q, checkedAt: now });
  return q;
}
