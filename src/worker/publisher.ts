import { type ClaimedPost, claimDuePosts, requeueExpiredClaims } from '../db/queries/publishing.js';
import type { WorkerDeps } from './deps.js';
import { CLAIM_LEASE_MS, type PublishOutcome, publishClaimedPost } from './publish-post.js';
import { reconcileExpiredClaims } from './publish-reconcile.js';

// The publisher: claim due posts (one short statement, SKIP LOCKED), then publish each under its
// account's lock (src/worker/publish-post.ts). Several workers share the queue; a post is
// claimed by one of them at a time, and a claim whose worker died is recovered after its lease.

const CLAIM_BATCH = 10; // posts per claim: few row locks, and a dead worker strands at most this many
// Accounts published in parallel within a batch. Each holds a database connection for its
// platform call (the fence), so this stays well under the pool of 20 the API shares.
const PARALLEL_ACCOUNTS = 4;
const PASS_BUDGET_MS = 30_000; // stop claiming after this, so the loop's other jobs get their turn
const RECOVERY_BATCH = 100; // expired claims recovered per statement; a pass repeats while it finds a full batch

export type PublisherSummary = { claimed: number; recovered: number } & Partial<
  Record<PublishOutcome | 'errors', number>
>;

/** One pass: recover expired claims, then claim and publish batches until none is due. */
export async function runPublisher(deps: WorkerDeps): Promise<PublisherSummary> {
  const summary: PublisherSummary = { claimed: 0, recovered: 0 };
  summary.recovered = await recoverExpiredClaims(deps, summary);
  const started = Date.now();
  while (!deps.signal?.aborted && Date.now() - started < PASS_BUDGET_MS) {
    const now = deps.clock.now();
    const claimed = await claimDuePosts(deps.db, {
      now,
      leaseUntil: new Date(now.getTime() + CLAIM_LEASE_MS),
      limit: CLAIM_BATCH,
    });
    if (claimed.length === 0) break;
    summary.claimed += claimed.length;
    await deps.fault?.('publisher:after-claim'); // tests stop or kill the worker here
    for (const [i, r] of (await publishByAccount(deps, claimed)).entries()) {
      const key = r.status === 'fulfilled' ? r.value : 'errors';
      summary[key] = (summary[key] ?? 0) + 1;
      // The claim stays; its lease runs out and recovery takes it from there.
      if (r.status === 'rejected')
        deps.log.error({ err: r.reason, scheduledPostId: claimed[i]!.id }, 'publishing a post failed');
    }
    if (claimed.length < CLAIM_BATCH) break;
  }
  return summary;
}

/** Posts of one account one after another (they would queue on its lock anyway), accounts in parallel. */
async function publishByAccount(
  deps: WorkerDeps,
  posts: ClaimedPost[],
): Promise<PromiseSettledResult<PublishOutcome>[]> {
  const byAccount = new Map<string, number[]>();
  for (const [i, p] of posts.entries())
    byAccount.set(p.social_account_id, [...(byAccount.get(p.social_account_id) ?? []), i]);
  const results: PromiseSettledResult<PublishOutcome>[] = new Array(posts.length);
  const groups = [...byAccount.values()];
  const lane = async () => {
    for (let g = groups.shift(); g; g = groups.shift()) {
      for (const i of g) {
        results[i] = await publishClaimedPost(deps, posts[i]!).then(
          (value) => ({ status: 'fulfilled', value }) as const,
          (reason: unknown) => ({ status: 'rejected', reason }) as const,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_ACCOUNTS, groups.length) }, lane));
  return results;
}

/**
 * Claims whose worker died. Not yet called: back to the queue. Called (the platform may have the
 * post), or waiting for a lookup after a lost answer: reconciled with the platform before anything
 * is sent again (publish-reconcile.ts). Their outcomes count in the pass summary.
 */
async function recoverExpiredClaims(deps: WorkerDeps, summary: PublisherSummary): Promise<number> {
  let recovered = 0;
  for (;;) {
    const requeued = await requeueExpiredClaims(deps.db, { now: deps.clock.now(), limit: RECOVERY_BATCH });
    recovered += requeued.length;
    if (requeued.length > 0)
      deps.log.warn({ scheduledPostIds: requeued.map((p) => p.id) }, 'expired publish claims re-queued');
    if (requeued.length < RECOVERY_BATCH) break;
  }
  for (const [outcome, n] of Object.entries(await reconcileExpiredClaims(deps))) {
    const key = outcome as PublishOutcome;
    summary[key] = (summary[key] ?? 0) + n;
    recovered += n;
  }
  return recovered;
}
