import type { Tx } from '../client.js';

// Bulk cancels (revoke, release, archive) waiting for their per-post audit rows and events: written
// by cancelQueuedPosts (./scheduled-posts.ts) in the cancel's transaction, expanded by the worker
// (src/worker/post-cancellations.ts) one batch per transaction.

/**
 * The oldest bulk cancel not yet expanded, locked until this transaction ends. SKIP LOCKED: a
 * cancel another worker is expanding is left to it, so no batch is ever written twice.
 */
export async function lockPendingPostCancellation(tx: Tx) {
  return tx
    .selectFrom('post_cancellations')
    .selectAll()
    .where('expanded_at', 'is', null)
    .orderBy('id')
    .limit(1)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
}

/** The next `limit` posts of a bulk cancel after `afterId`, in id order (scheduled_posts_cancellation_idx). */
export async function listCanceledPostsOf(tx: Tx, cancellationId: number, afterId: string | null, limit: number) {
  let q = tx
    .selectFrom('scheduled_posts')
    .select(['id', 'project_id', 'social_account_id'])
    .where('cancellation_id', '=', cancellationId);
  if (afterId !== null) q = q.where('id', '>', afterId);
  return q.orderBy('id').limit(limit).execute();
}

/** Moves the cursor past a written batch (in that batch's transaction); `done` closes the cancel. */
export async function advancePostCancellation(
  tx: Tx,
  id: number,
  to: { lastPostId: string | null; expanded: number; done: boolean; now: Date },
) {
  await tx
    .updateTable('post_cancellations')
    .set({ last_post_id: to.lastPostId, expanded: to.expanded, expanded_at: to.done ? to.now : null })
    .where('id', '=', id)
    .execute();
}
