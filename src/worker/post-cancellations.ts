import { type Tx, withTransaction } from '../db/client.js';
import {
  advancePostCancellation,
  listCanceledPostsOf,
  lockPendingPostCancellation,
} from '../db/queries/post-cancellations.js';
import type { CancelReason } from '../events/catalogue.js';
import { emitPostsCanceled } from '../events/emit.js';
import type { WorkerDeps } from './deps.js';

// A bulk cancel (revoke, release, archive) commits its posts and one post_cancellations row; this
// job writes each post's `scheduled_post.canceled` audit row and `post.canceled` event after that,
// in post id order, exactly once. One batch per transaction: the bulk cancel row is locked (SKIP
// LOCKED, so two workers never write the same batch), the next posts after its cursor are read,
// their rows written and the cursor moved — all or nothing, so a crash between or inside batches
// neither loses nor repeats a post. It runs first in each pass: the dispatcher later in the same
// pass sends the events, so partners' webhooks leave when they did when the request wrote them.

export const EXPANSION_BATCH = 1_000; // posts per transaction: a short hold of PGlite's one connection
const MAX_BATCHES = 20; // per pass (20,000 posts, what the dispatcher fans out per pass): other jobs get their turn

export type PostCancellationSummary = { batches: number; posts: number };

/** Expands pending bulk cancels, batch by batch, until none is left or the pass's share is used. */
export async function expandPostCancellations(
  deps: Pick<WorkerDeps, 'db' | 'clock' | 'fault' | 'signal'>,
): Promise<PostCancellationSummary> {
  const summary: PostCancellationSummary = { batches: 0, posts: 0 };
  while (summary.batches < MAX_BATCHES && !deps.signal?.aborted) {
    await deps.fault?.('post-cancellations:before-batch'); // tests kill the worker before it expands anything…
    const written = await withTransaction(deps.db, (tx) => expandBatch(tx, deps));
    if (written === undefined) break;
    await deps.fault?.('post-cancellations:after-batch'); // … or with one batch committed
    summary.batches += 1;
    summary.posts += written;
  }
  return summary;
}

/** One batch of the oldest pending bulk cancel; undefined when there is none. */
async function expandBatch(tx: Tx, deps: Pick<WorkerDeps, 'clock' | 'fault'>) {
  const job = await lockPendingPostCancellation(tx);
  if (!job) return undefined;
  const posts = await listCanceledPostsOf(tx, job.id, job.last_post_id, EXPANSION_BATCH);
  const ev = {
    organizationId: job.organization_id,
    apiKeyId: job.api_key_id,
    requestId: job.request_id,
    now: job.canceled_at,
  };
  await emitPostsCanceled(tx, ev, posts, job.reason as CancelReason);
  await deps.fault?.('post-cancellations:in-batch'); // … with a batch written, not committed
  const expanded = job.expanded + posts.length;
  await advancePostCancellation(tx, job.id, {
    lastPostId: posts.at(-1)?.id ?? job.last_post_id,
    expanded,
    // The count was taken with the posts; a short batch also ends it, so a miscount never loops.
    done: expanded >= job.posts || posts.length < EXPANSION_BATCH,
    now: deps.clock.now(),
  });
  return posts.length;
}
