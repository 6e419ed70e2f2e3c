import type { Tx } from '../db/client.js';
import type { ClaimedPost, LastError } from '../db/queries/publishing.js';
import { findScheduledPostView } from '../db/queries/scheduled-posts.js';
import { emit, systemEvents } from '../events/emit.js';
import { postView } from '../views/scheduled-post.js';

// What every end of a publish writes beside the post's row: its webhook event and audit row. Shared
// by the publisher (publish-post.ts), its crash recovery and reconciliation (publish-reconcile.ts,
// which records through publish-reconcile-settle.ts).

type Outcome =
  | { type: 'scheduled_post.published'; externalId: string; mode: string }
  | { type: 'scheduled_post.failed'; lastError: LastError };

/** `post.published` / `post.failed` (the post as GET shows it) and its audit row, in the recording transaction. */
export async function emitPostOutcome(
  tx: Tx,
  post: Pick<ClaimedPost, 'id' | 'organization_id' | 'env' | 'project_id' | 'social_account_id'>,
  now: Date,
  outcome: Outcome,
) {
  const view = postView(
    (await findScheduledPostView(tx, { organizationId: post.organization_id, env: post.env }, post.id))!,
  );
  const ids = { scheduledPostId: post.id, socialAccountId: post.social_account_id };
  const ev = systemEvents(post.organization_id, now);
  if (outcome.type === 'scheduled_post.published') {
    const { externalId, mode } = outcome;
    await emit(tx, ev, 'post.published', view, {
      audit: { type: outcome.type, projectId: post.project_id, data: { ...ids, externalId, mode } },
    });
  } else {
    await emit(tx, ev, 'post.failed', view, {
      audit: { type: outcome.type, projectId: post.project_id, data: { ...ids, lastError: outcome.lastError } },
    });
  }
}
