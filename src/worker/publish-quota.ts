import { toWire } from '../clock.js';
import type { PlatformToken } from '../crypto/token-envelope.js';
import type { Tx } from '../db/client.js';
import { findScheduledFor } from '../db/queries/publish-quotas.js';
import type { LastError } from '../db/queries/publishing.js';
import { loadLedger, refreshStoredQuota } from '../platforms/quota-ledger.js';
import { countIn } from '../platforms/quota-windows.js';
import { modeCountsAgainstQuota } from '../platforms/quotas.js';
import { isPlatformError, type Platform } from '../platforms/types.js';
import { adaptersForEnv, describeError, type WorkerDeps } from './deps.js';

// The publisher's budget check (docs/platform-rules.md, "Publishing quotas"), just before the
// platform call, under the account lock: never spend a call the platform will refuse. The budget
// is read from the platform where it says (Instagram: one GET per post, which also reports posts
// made outside this API), stored on the account, and compared with what the window ending now
// holds. A spent budget re-queues the post to when the window frees, up to a bound; then it fails.

/** A post waits for its account's budget at most this long past its scheduledFor, then fails. */
export const MAX_QUOTA_WAIT_MS = 48 * 3600 * 1000;
// Posts made outside this API: we know how many, not when they leave the window; ask again then.
const OUTSIDE_RECHECK_MS = 3600 * 1000;

export type QuotaDecision = { retryAt: Date; lastError: LastError } | { fail: LastError } | null;

type Account = {
  id: string;
  platform: Platform;
  env: 'live' | 'test';
  external_account_id: string | null;
  token_version: number;
  token_ciphertext: Uint8Array | null;
  token_wrapped_key: Uint8Array | null;
};

/** null: go ahead. Otherwise defer to `retryAt` or fail, both with a PLATFORM_QUOTA_EXHAUSTED lastError. */
export async function checkPublishQuota(
  deps: WorkerDeps,
  tx: Tx,
  c: { account: Account; post: { id: string }; mode: 'publish' | 'draft'; now: Date },
): Promise<QuotaDecision> {
  const { account, post, now } = c;
  if (!modeCountsAgainstQuota(account.platform, c.mode)) return null;
  await refreshQuota(deps, tx, account, now);
  const { ledger } = await loadLedger(tx, account.id, now, { excludePostId: post.id, publishedOnly: true });
  const { limit, windowMs } = ledger.budget;
  const t = now.getTime();
  const inWindow = ledger.times.filter((x) => x > t - windowMs && x <= t);
  if (countIn(ledger.times, t - windowMs, t) < limit) return null;
  // The window frees when its oldest `used − limit + 1` posts have left it.
  const leaving = inWindow[inWindow.length - limit]; // the post whose exit leaves limit − 1 in the window
  let retryAt = (leaving ?? t) + windowMs;
  if (ledger.outside > 0) retryAt = Math.min(retryAt, t + OUTSIDE_RECHECK_MS);
  const scheduledFor = (await findScheduledFor(tx, post.id)).getTime();
  const budget = `${limit} posts per ${windowMs / 3_600_000} h`;
  if (retryAt > scheduledFor + MAX_QUOTA_WAIT_MS) {
    const message =
      `The account's ${account.platform} publishing budget (${budget}) stayed spent for ` +
      `${MAX_QUOTA_WAIT_MS / 3_600_000} h after the post's scheduled time; it was not sent.`;
    return { fail: { code: 'PLATFORM_QUOTA_EXHAUSTED', message } };
  }
  const at = new Date(Math.ceil(retryAt / 1000) * 1000);
  const outside = ledger.outside ? `, ${ledger.outside} made outside this API` : '';
  const message =
    `The account's ${account.platform} publishing budget (${budget}) is spent ` +
    `(${inWindow.length} in the last ${windowMs / 3_600_000} h${outside}); waiting until ${toWire(at)}.`;
  return { retryAt: at, lastError: { code: 'PLATFORM_QUOTA_EXHAUSTED', message } };
}

/**
 * The platform refused the publish for its budget after all (posts made elsewhere between our read
 * and the call): Instagram's code 9 on media_publish, TikTok's spam_risk_too_many_posts. Not a
 * rejection of the post: it waits as a deferral does — we cannot know when the window frees, so
 * it asks again in an hour — within the same bound. null: another failure.
 */
export async function quotaRefusal(
  tx: Tx,
  postId: string,
  err: unknown,
  message: string,
  now: Date,
): Promise<QuotaDecision> {
  if (!isPlatformError(err)) return null;
  const refused =
    (err.platform === 'instagram' && err.endpoint === 'media_publish' && err.platformCode === '9') ||
    (err.platform === 'tiktok' && err.platformCode === 'spam_risk_too_many_posts');
  if (!refused) return null;
  const retryAt = new Date(now.getTime() + OUTSIDE_RECHECK_MS);
  if (retryAt.getTime() > (await findScheduledFor(tx, postId)).getTime() + MAX_QUOTA_WAIT_MS) {
    return { fail: { code: 'PLATFORM_QUOTA_EXHAUSTED', message: `${message}; not sent within the quota bound.` } };
  }
  return {
    retryAt,
    lastError: { code: 'PLATFORM_QUOTA_EXHAUSTED', message: `${message}; waiting until ${toWire(retryAt)}.` },
  };
}

/** Reads the budget where the platform says it (TikTok: no call) and stores it; a failed read keeps the last. */
async function refreshQuota(deps: WorkerDeps, tx: Tx, account: Account, now: Date) {
  if (!account.token_ciphertext || !account.token_wrapped_key) return; // the publish fails on that itself
  let token: PlatformToken;
  try {
    token = deps.tokenCrypto.open(account.id, account.token_version, {
      ciphertext: account.token_ciphertext,
      wrappedKey: account.token_wrapped_key,
    });
  } catch {
    return; // the publish fails on that itself, as INTERNAL
  }
  try {
    const adapter = adaptersForEnv(deps, account.env)[account.platform];
    await refreshStoredQuota(
      tx,
      adapter,
      token,
      { id: account.id, externalAccountId: account.external_account_id ?? '' },
      now,
    );
  } catch (err) {
    if (!isPlatformError(err)) throw err;
    const error = describeError(err, [token.accessToken, token.refreshToken]);
    deps.log.warn({ socialAccountId: account.id, error }, 'publishing budget not read; the stored one applies');
  }
}
