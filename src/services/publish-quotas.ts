import { isStorableInstant, toWire } from '../clock.js';
import type { Ctx } from '../context.js';
import type { Queryable } from '../db/client.js';
import { findSocialAccountView } from '../db/queries/social-accounts.js';
import { ApiError, notFound } from '../http/errors.js';
import { loadLedger, refreshStoredQuota } from '../platforms/quota-ledger.js';
import { countIn, earliestFreeSlot, firstViolation } from '../platforms/quota-windows.js';
import { modeCountsAgainstQuota } from '../platforms/quotas.js';
import { isPlatformError, type PlatformAdapter, type PlatformToken } from '../platforms/types.js';

// Quota-aware scheduling (docs/platform-rules.md, "Publishing quotas"): a post is queued only
// where every moving window containing it stays within the account's platform budget. Callers
// hold the account rows FOR UPDATE, so two schedules for the last slot take turns and the second
// counts the first's post.

/** A post to be: on which account, and whether it publishes (TikTok drafts do not count). */
type QuotaTarget = { socialAccountId: string; mode: 'publish' | 'draft' };

const UPCOMING_WINDOWS = 7; // the quota view's windows ahead: a week of 24 h windows

const at = (ms: number) => toWire(new Date(ms));
const wire = (ms: number | null) => (ms !== null && isStorableInstant(new Date(ms)) ? toWire(new Date(ms)) : null);

/**
 * Where a post of `target` at `at` would break its account's budget: the first full window and the
 * earliest time the post fits (null: none within reach); undefined when it fits. `excludePostId`:
 * the post being moved (a reschedule). The caller holds the account lock.
 */
export async function quotaViolation(db: Queryable, target: QuotaTarget, at: Date, now: Date, excludePostId?: string) {
  const { stored, ledger } = await loadLedger(db, target.socialAccountId, now, { excludePostId });
  if (!modeCountsAgainstQuota(stored.platform, target.mode)) return undefined;
  const violation = firstViolation(ledger, at.getTime());
  if (!violation) return undefined;
  return {
    platform: stored.platform,
    windowHours: ledger.budget.windowMs / 3_600_000,
    details: {
      socialAccountId: target.socialAccountId,
      windowStart: wire(violation.windowStart),
      windowEnd: wire(violation.windowEnd),
      limit: ledger.budget.limit,
      used: violation.used,
      earliestFreeSlot: wire(earliestFreeSlot(ledger, at.getTime())),
    },
  };
}

/** As a failed target of an approval's promotion (services/approvals.ts): the reason and the earliest free slot. */
export async function quotaProblem(db: Queryable, target: QuotaTarget, at: Date, now: Date) {
  const v = await quotaViolation(db, target, at, now);
  return v && { reason: 'platform_quota_exceeded' as const, earliestFreeSlot: v.details.earliestFreeSlot };
}

/** 409 PLATFORM_QUOTA_EXCEEDED unless a post of `target` at `at` fits (quotaViolation). */
export async function requirePublishQuota(
  db: Queryable,
  target: QuotaTarget,
  at: Date,
  now: Date,
  excludePostId?: string,
) {
  const v = await quotaViolation(db, target, at, now, excludePostId);
  if (!v) return;
  const { limit, used, windowEnd, earliestFreeSlot: free } = v.details;
  throw new ApiError(
    'PLATFORM_QUOTA_EXCEEDED',
    `Social account ${target.socialAccountId} may publish ${limit} posts in any ${v.windowHours} h on ` +
      `${v.platform}; the window ending ${windowEnd} already holds ${used}. ` +
      (free ? `The earliest time this post fits is ${free}.` : 'No time fits.'),
    v.details,
  );
}

/** Every target in request order (all-or-nothing: the first that does not fit answers). */
export async function requirePublishQuotas(db: Queryable, targets: QuotaTarget[], at: Date, now: Date) {
  for (const t of targets) await requirePublishQuota(db, t, at, now);
}

/** GET /v1/social-accounts/:id/quota: the budget, the window ending now, and the windows ahead. */
export async function getSocialAccountQuota(ctx: Ctx, input: { socialAccountId: string }) {
  const account = await findSocialAccountView(ctx.db, ctx.principal, input.socialAccountId);
  if (!account) throw notFound('social account', input.socialAccountId);
  const now = ctx.clock.now();
  const t = now.getTime();
  const { stored, ledger } = await loadLedger(ctx.db, account.id, now);
  const { limit, windowMs, source } = ledger.budget;
  const used = countIn(ledger.times, t - windowMs, t);
  const window = (start: number) => {
    const inside = countIn(ledger.times, start - 1, start + windowMs - 1); // [start, start + window)
    const free = earliestFreeSlot(ledger, start);
    return {
      windowStart: at(start),
      windowEnd: at(start + windowMs),
      scheduled: inside,
      nextFreeSlot: free !== null && free < start + windowMs ? wire(free) : null,
    };
  };
  return {
    socialAccountId: account.id,
    platform: account.platform,
    limit,
    windowSeconds: windowMs / 1000,
    source,
    checkedAt: toWire(stored.publish_quota_checked_at),
    current: {
      windowStart: at(t - windowMs),
      windowEnd: at(t),
      used,
      remaining: Math.max(0, limit - used),
      usedOutsideApi: ledger.outside,
    },
    nextFreeSlot: wire(earliestFreeSlot(ledger, Math.ceil(t / 1000) * 1000)),
    upcoming: Array.from({ length: UPCOMING_WINDOWS }, (_, i) => window(Math.ceil(t / 1000) * 1000 + i * windowMs)),
  };
}

/**
 * At connect (the OAuth callback, after the account is bound): the platform's budget, one call
 * where the platform has one (Instagram). Best effort: on failure the default applies until the
 * publisher reads it before the account's first post.
 */
export async function readBudgetAtConnect(
  deps: { db: Queryable; clock: { now(): Date }; log: { warn(o: object, m: string): void } },
  adapter: PlatformAdapter,
  token: PlatformToken,
  account: { id: string; externalAccountId: string },
) {
  try {
    await refreshStoredQuota(deps.db, adapter, token, account, deps.clock.now());
  } catch (err) {
    if (!isPlatformError(err)) throw err;
    deps.log.warn({ socialAccountId: account.id, error: err.message }, 'publishing budget not read at connect');
  }
}
