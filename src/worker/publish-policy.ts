// The publisher's timing and retry budget, shared by publishing (publish-post.ts) and reconciling
// (publish-reconcile.ts, publish-reconcile-settle.ts) a post.

/** Long enough for a live worker to reach every post of its batch; a dead worker's posts wait this long. */
export const CLAIM_LEASE_MS = 10 * 60 * 1000;
// 6 calls, 1 min doubling to a 30 min cap, half of each step jittered: about half an hour of
// platform outage is retried before the post fails (a scheduled post is worth little much later).
export const MAX_PUBLISH_ATTEMPTS = 6;
export const RETRY_BASE_MS = 60 * 1000;
export const RETRY_CAP_MS = 30 * 60 * 1000;
// Lookups of a post whose outcome is unknown: the same budget (6 over about half an hour), then
// the post fails PUBLISH_OUTCOME_UNKNOWN — the platform stayed unreachable, we still do not know.
export const MAX_LOOKUPS = 6;
