import { toWire } from '../clock.js';
import type { ScheduledPostView } from '../db/queries/scheduled-posts.js';

// A scheduled post as the wire shows it: the API's responses (src/services) and the
// post.* event payloads the worker writes (src/worker) are the same object.

function lastErrorView(raw: unknown): { code: string; message: string } | null {
  if (raw === null || raw === undefined) return null;
  const e = raw as { code?: unknown; message?: unknown };
  return { code: String(e.code ?? 'UNKNOWN'), message: String(e.message ?? '') };
}

/** Null for a post whose publish outcome was never in doubt. */
function reconciliationView(p: ScheduledPostView) {
  if (!p.reconcile_cause || !p.reconcile_result) return null;
  const decided = p.reconcile_result === 'found' || p.reconcile_result === 'not_found';
  return {
    cause: p.reconcile_cause,
    result: p.reconcile_result,
    decidedBy: decided ? ('platform_lookup' as const) : null,
    lookups: p.reconcile_lookups,
    checkedAt: toWire(p.reconciled_at),
  };
}

export function postView(p: ScheduledPostView) {
  return {
    id: p.id,
    containerId: p.container_id,
    socialAccountId: p.social_account_id,
    platform: p.platform,
    mode: p.mode,
    status: p.status,
    externalId: p.external_id,
    externalUrl: p.external_url,
    scheduledFor: toWire(p.scheduled_for),
    attemptedAt: toWire(p.attempted_at),
    publishedAt: toWire(p.published_at),
    canceledAt: toWire(p.canceled_at),
    lastError: lastErrorView(p.last_error),
    reconciliation: reconciliationView(p),
    createdAt: toWire(p.created_at),
    updatedAt: toWire(p.updated_at),
  };
}
