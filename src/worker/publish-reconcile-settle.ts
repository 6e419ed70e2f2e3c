import { backoffMs } from '../backoff.js';
import type { Tx } from '../db/client.js';
import { type Reconciliation, recordReconciliation } from '../db/queries/publish-reconciliation.js';
import {
  type ClaimedPost,
  type LastError,
  type lockAccountForPublish,
  type lockClaimedPost,
  recordFailed,
  recordPublished,
  requeueClaimedPost,
} from '../db/queries/publishing.js';
import type { ReconcileCause } from '../db/schema.js';
import { emit, systemEvents } from '../events/emit.js';
import type { LookupResult } from '../platforms/types.js';
import type { WorkerDeps } from './deps.js';
import { emitPostOutcome } from './post-outcome.js';
import { MAX_PUBLISH_ATTEMPTS, RETRY_BASE_MS, RETRY_CAP_MS } from './publish-policy.js';

// Settling a post whose publish outcome was unknown, once the platform has been asked (or cannot
// be): what each answer writes — found → published, not found → back to the queue (or failed),
// undecided → failed PUBLISH_OUTCOME_UNKNOWN — each with its reconciliation record and audit row.
// Asking the platform, and asking again later, is in publish-reconcile.ts.

export type ReconcileOutcome = 'published' | 'draft' | 'failed' | 'retry' | 'lookup_later' | 'superseded';

export type LockedAccount = NonNullable<Awaited<ReturnType<typeof lockAccountForPublish>>>;
type LockedPost = NonNullable<Awaited<ReturnType<typeof lockClaimedPost>>>;

export type Unsettled = {
  post: ClaimedPost;
  account: LockedAccount;
  target: LockedPost;
  cause: ReconcileCause;
  /** Lookups made before this one. */
  lookups: number;
  /** Set when this claim called the platform (the call counts as an attempt). */
  attemptedAt?: Date;
  /** What the call got instead of an answer (no_answer). */
  error?: string;
};

/** The platform has it: recorded published (or draft), not sent again. */
export async function foundOnPlatform(
  deps: WorkerDeps,
  tx: Tx,
  u: Unsettled,
  asked: Reconciliation,
  found: Extract<LookupResult, { found: true }>,
  now: Date,
): Promise<ReconcileOutcome> {
  const status = u.target.mode === 'draft' ? 'draft' : 'published';
  const attemptedAt = u.attemptedAt ?? now;
  await recordPublished(tx, u.post.id, {
    status,
    externalId: found.externalId,
    externalUrl: found.externalUrl,
    attemptedAt,
    now,
  });
  await recordReconciliation(tx, u.post.id, asked);
  await auditReconciled(
    tx,
    u,
    asked,
    found.externalId,
    `the platform has the post (${found.externalId}): recorded ${status}, not sent again`,
    now,
  );
  await emitPostOutcome(tx, u.post, now, {
    type: 'scheduled_post.published',
    externalId: found.externalId,
    mode: u.target.mode,
  });
  deps.log.info(
    { scheduledPostId: u.post.id, externalId: found.externalId, cause: u.cause },
    'reconciled: the platform has the post',
  );
  return status;
}

/** The platform does not have it: back to the queue (a retry, within the publish budget). */
export async function notFound(
  deps: WorkerDeps,
  tx: Tx,
  u: Unsettled,
  asked: Reconciliation,
  now: Date,
): Promise<ReconcileOutcome> {
  const attempts = u.target.publish_attempts + (u.attemptedAt ? 1 : 0);
  const lastError = {
    code: 'PLATFORM_UNAVAILABLE',
    message: `${u.error ?? 'the worker stopped during the platform call'}; the platform does not have the post`,
  };
  if (u.account.status !== 'connected' && u.account.status !== 'reauth_required') {
    // Revoked meanwhile: the revoke wins, the post is not sent again (it never reached the platform).
    const gone = {
      code: 'ACCOUNT_DISCONNECTED',
      message: `The account was ${u.account.status} before this post was published.`,
    };
    await recordReconciliation(tx, u.post.id, asked);
    await auditReconciled(tx, u, asked, null, 'the platform does not have the post; the account is gone: failed', now);
    return fail(deps, tx, u, gone, now);
  }
  if (attempts >= MAX_PUBLISH_ATTEMPTS) {
    await recordReconciliation(tx, u.post.id, asked);
    await auditReconciled(
      tx,
      u,
      asked,
      null,
      `the platform does not have the post; the retry budget is spent: failed`,
      now,
    );
    return fail(deps, tx, u, lastError, now);
  }
  // A lost answer is a failed call: backed off as any. A dead worker's post goes out at once.
  const delay =
    u.cause !== 'worker_stopped'
      ? backoffMs(attempts, { baseMs: RETRY_BASE_MS, capMs: RETRY_CAP_MS, random: deps.random ?? Math.random })
      : 0;
  await requeueClaimedPost(tx, u.post.id, {
    retryAt: delay > 0 ? new Date(now.getTime() + delay) : null,
    lastError: u.cause !== 'worker_stopped' ? lastError : undefined,
    attemptedAt: u.attemptedAt,
    now,
  });
  await recordReconciliation(tx, u.post.id, asked);
  await auditReconciled(tx, u, asked, null, 'the platform does not have the post: queued to be sent again', now);
  deps.log.warn(
    { scheduledPostId: u.post.id, cause: u.cause, retryInMs: delay },
    'reconciled: not on the platform; sending again',
  );
  return 'retry';
}

/** We cannot learn what the call did: failed, never sent again (a double post is worse). */
export async function undecided(
  deps: WorkerDeps,
  tx: Tx,
  u: Unsettled,
  checkedAt: Date | null,
  reason: string,
): Promise<ReconcileOutcome> {
  const now = deps.clock.now();
  const asked: Reconciliation = { cause: u.cause, result: 'undecided', lookups: u.lookups, checkedAt };
  const what = u.cause === 'worker_stopped' ? 'the worker stopped during the platform call' : (u.error ?? 'no answer');
  const lastError = {
    code: 'PUBLISH_OUTCOME_UNKNOWN',
    message: `${what}; ${reason}. The post may or may not be on the platform: check before scheduling it again.`,
  };
  await recordReconciliation(tx, u.post.id, asked);
  await auditReconciled(tx, u, asked, null, `${reason}: failed PUBLISH_OUTCOME_UNKNOWN, not sent again`, now);
  return fail(deps, tx, u, lastError, now);
}

async function fail(
  deps: WorkerDeps,
  tx: Tx,
  u: Unsettled,
  lastError: LastError,
  now: Date,
): Promise<ReconcileOutcome> {
  await recordFailed(tx, u.post.id, { lastError, attemptedAt: u.attemptedAt, now });
  await emitPostOutcome(tx, u.post, now, { type: 'scheduled_post.failed', lastError });
  deps.log.warn({ scheduledPostId: u.post.id, socialAccountId: u.post.social_account_id, lastError }, 'post failed');
  return 'failed';
}

async function auditReconciled(
  tx: Tx,
  u: Unsettled,
  r: Reconciliation,
  externalId: string | null,
  reason: string,
  now: Date,
) {
  const result = r.result === 'pending' ? 'undecided' : r.result;
  await emit(
    tx,
    systemEvents(u.post.organization_id, now),
    'scheduled_post.reconciled',
    {
      scheduledPostId: u.post.id,
      socialAccountId: u.post.social_account_id,
      cause: r.cause,
      result,
      decidedBy: result === 'undecided' ? null : 'platform_lookup',
      lookups: r.lookups,
      externalId,
      reason,
    },
    { projectId: u.post.project_id },
  );
}
