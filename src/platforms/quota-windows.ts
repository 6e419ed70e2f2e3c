import { DEFAULT_PUBLISH_QUOTAS, type QuotaSource } from './quotas.js';
import type { Platform } from './types.js';

// Moving-window arithmetic for publishing budgets (docs/platform-rules.md, "Publishing quotas").
// A window is the `windowMs` ending at an instant x: (x − windowMs, x]. A platform refuses a post
// at x when the window ending at x already holds `limit` posts. So a new post at t fits when the
// window ending at t holds fewer than `limit` others, and no later post within windowMs of it
// would be pushed over: every window containing t stays within the limit.

export type Budget = { limit: number; windowMs: number; source: QuotaSource };

/** The instants (ms) that spend an account's budget, ascending, and its budget. */
export type Ledger = { budget: Budget; times: number[]; outside: number };

type Stored = {
  platform: Platform;
  publish_quota_limit: number | null;
  publish_quota_window_seconds: number | null;
  publish_quota_source: QuotaSource | null;
  publish_quota_platform_used: number | null;
  publish_quota_checked_at: Date | null;
};

/**
 * The account's budget (stored, else the default) and what spends it: our posts, plus what the
 * platform last reported beyond our own published posts (posts made outside this API), counted
 * at the instant it was read — the latest it can have happened — while that window lasts.
 */
export function buildLedger(stored: Stored, posts: { status: string; at: Date }[], now: Date): Ledger {
  const d = DEFAULT_PUBLISH_QUOTAS[stored.platform];
  const windowMs = (stored.publish_quota_window_seconds ?? d.windowSeconds) * 1000;
  const budget = {
    limit: stored.publish_quota_limit ?? d.limit,
    windowMs,
    source: stored.publish_quota_source ?? 'default',
  };
  const times = posts.map((p) => p.at.getTime());
  let outside = 0;
  const checked = stored.publish_quota_checked_at?.getTime();
  if (stored.publish_quota_platform_used !== null && checked !== undefined && checked > now.getTime() - windowMs) {
    const ours = posts.filter(
      (p) =>
        (p.status === 'published' || p.status === 'draft') && countsIn(p.at.getTime(), checked - windowMs, checked),
    ).length;
    outside = Math.max(0, stored.publish_quota_platform_used - ours);
    for (let i = 0; i < outside; i++) times.push(checked);
  }
  times.sort((a, b) => a - b);
  return { budget, times, outside };
}

const countsIn = (at: number, start: number, end: number) => at > start && at <= end;

/** How many of the ascending `times` lie in (start, end]. */
export function countIn(times: number[], start: number, end: number) {
  return upperBound(times, end) - upperBound(times, start);
}

function upperBound(times: number[], x: number) {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export type Violation = { windowStart: number; windowEnd: number; used: number };

/** The first window containing a new post at `t` that it would push past the limit, or null. */
export function firstViolation(ledger: Ledger, t: number): Violation | null {
  const { limit, windowMs } = ledger.budget;
  const { times } = ledger; // ascending: the later posts within a window of t are one slice
  const ends = [t, ...times.slice(upperBound(times, t - 1), upperBound(times, t + windowMs - 1))];
  for (const end of ends) {
    const used = countIn(ledger.times, end - windowMs, end);
    if (used + 1 > limit) return { windowStart: end - windowMs, windowEnd: end, used };
  }
  return null;
}

/**
 * The first whole second ≥ t where a new post fits, or null when none ever does (a limit of 0).
 * Fitting only improves when a post leaves the window ending at the candidate (at its time +
 * window) or stops being a later post (just after its time): those, and t, are the candidates.
 */
export function earliestFreeSlot(ledger: Ledger, t: number): number | null {
  if (ledger.budget.limit < 1) return null;
  const ceilSecond = (ms: number) => Math.ceil(ms / 1000) * 1000;
  const candidates = new Set([t]);
  for (const x of ledger.times) {
    for (const c of [x + ledger.budget.windowMs, x + 1000]) if (c > t) candidates.add(ceilSecond(c));
  }
  for (const c of [...candidates].sort((a, b) => a - b)) if (!firstViolation(ledger, c)) return c;
  return null; // unreachable with limit ≥ 1: after the last post's window everything fits
}
