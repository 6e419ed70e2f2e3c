import { sql } from 'kysely';
import type { Queryable, Tx } from '../client.js';
import type { ReconcileCause, ReconcileResult } from '../schema.js';
import type { ClaimedPost } from './publishing.js';

// Reconciling a publish whose outcome is unknown (src/worker/publish-reconcile.ts). Such a post
// stays `publishing` with its call marker (call_started_at) until the platform has been asked; its
// lease (claim_expires_at) ends when the next lookup is due. That is the state a dead worker
// leaves behind too, so crash recovery and a lost answer take one path.

export type ReconcileClaim = ClaimedPost & { reconcile_cause: ReconcileCause; reconcile_lookups: number };

/**
 * Claims expired `publishing` posts whose call may have reached the platform: a dead worker's
 * (cause `worker_stopped`) or one waiting for its next lookup (cause kept). One statement, SKIP
 * LOCKED: a claim whose owner is still recording holds its row and is left alone; two workers never
 * take the same post. claim_count + 1 fences the previous owner's writes.
 */
export async function claimExpiredCalledPosts(db: Queryable, opts: { now: Date; leaseUntil: Date; limit: number }) {
  const result = await sql<ReconcileClaim>`
    WITH expired AS (
      SELECT p.id, a.token_version FROM scheduled_posts p JOIN social_accounts a ON a.id = p.social_account_id
      WHERE p.status = 'publishing' AND p.claim_expires_at <= ${opts.now} AND p.call_started_at IS NOT NULL
      ORDER BY p.claim_expires_at
      LIMIT ${opts.limit}
      FOR UPDATE OF p SKIP LOCKED
    )
    UPDATE scheduled_posts p
    SET claim_count = p.claim_count + 1, claim_expires_at = ${opts.leaseUntil},
        claimed_token_version = expired.token_version,
        reconcile_cause = CASE WHEN p.reconcile_result = 'pending' THEN p.reconcile_cause ELSE 'worker_stopped' END,
        reconcile_lookups = CASE WHEN p.reconcile_result = 'pending' THEN p.reconcile_lookups ELSE 0 END,
        reconcile_result = 'pending', updated_at = ${opts.now}
    FROM expired
    WHERE p.id = expired.id
    RETURNING p.id, p.organization_id, p.env, p.project_id, p.social_account_id, p.claim_count,
              p.claimed_token_version, p.reconcile_cause, p.reconcile_lookups`.execute(db);
  return result.rows;
}

export type Reconciliation = {
  cause: ReconcileCause;
  result: ReconcileResult;
  lookups: number;
  checkedAt: Date | null;
};

/** What was asked and what came back, beside the outcome the caller records in the same transaction. */
export async function recordReconciliation(tx: Tx, id: string, r: Reconciliation) {
  await tx
    .updateTable('scheduled_posts')
    .set({
      reconcile_cause: r.cause,
      reconcile_result: r.result,
      reconcile_lookups: r.lookups,
      reconciled_at: r.checkedAt,
    })
    .where('id', '=', id)
    .execute();
}

/**
 * Still undecided, asked again at `lookupAt`: the post stays `publishing` with its call marker,
 * the lease ends then. `attemptedAt` when this claim made a platform call (counted as an attempt).
 */
export async function awaitLookup(
  tx: Tx,
  id: string,
  r: Reconciliation & { lookupAt: Date; attemptedAt?: Date; now: Date },
) {
  await tx
    .updateTable('scheduled_posts')
    .set((eb) => ({
      claim_expires_at: r.lookupAt,
      updated_at: r.now,
      reconcile_cause: r.cause,
      reconcile_result: 'pending',
      reconcile_lookups: r.lookups,
      reconciled_at: r.checkedAt,
      ...(r.attemptedAt ? { attempted_at: r.attemptedAt, publish_attempts: eb('publish_attempts', '+', 1) } : {}),
    }))
    .where('id', '=', id)
    .execute();
}
