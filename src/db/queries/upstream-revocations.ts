import type { Updateable } from 'kysely';
import type { Queryable, Tx } from '../client.js';
import { compiledOnce } from '../compiled.js';
import type { Platform, UpstreamRevocationsTable } from '../schema.js';

type RevocationJob = {
  socialAccountId: string;
  platform: Platform;
  ciphertext: Uint8Array;
  wrappedKey: Uint8Array;
  tokenVersion: number;
  now: Date;
};

const insertJob = compiledOnce((tx: Queryable, job: RevocationJob) =>
  tx.insertInto('upstream_revocations').values({
    social_account_id: job.socialAccountId,
    platform: job.platform,
    status: 'pending',
    token_ciphertext: job.ciphertext,
    token_wrapped_key: job.wrappedKey,
    token_version: job.tokenVersion,
    next_attempt_at: job.now,
    created_at: job.now,
    updated_at: job.now,
  }),
);

/** Hands the sealed token to the upstream-revocation job, in the revoke's transaction. */
export async function enqueueUpstreamRevocation(tx: Tx, job: RevocationJob) {
  await insertJob.rows(tx, job);
}

export async function findLatestUpstreamRevocation(db: Queryable, socialAccountId: string) {
  return db
    .selectFrom('upstream_revocations')
    .select(['status', 'attempted_at', 'last_error'])
    .where('social_account_id', '=', socialAccountId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/**
 * Claims up to `limit` due pending jobs for one worker: each claimed row gets its attempt
 * counted and `next_attempt_at` pushed to `leaseUntil`, so no other worker sees it as due
 * while the platform call is in flight (SKIP LOCKED: racing claims never wait or overlap).
 * A worker that dies mid-call leaves the row to be claimed again once the lease runs out.
 */
export async function claimDueUpstreamRevocations(db: Queryable, opts: { now: Date; leaseUntil: Date; limit: number }) {
  return (
    db
      .with('due', (qb) =>
        qb
          .selectFrom('upstream_revocations')
          .select('id')
          .where('status', '=', 'pending')
          .where('next_attempt_at', '<=', opts.now)
          .orderBy('next_attempt_at')
          .orderBy('id')
          .limit(opts.limit)
          .forUpdate()
          .skipLocked(),
      )
      .updateTable('upstream_revocations as r')
      .from('due')
      .set((eb) => ({ attempts: eb('r.attempts', '+', 1), next_attempt_at: opts.leaseUntil, updated_at: opts.now }))
      .whereRef('r.id', '=', 'due.id')
      .returning([
        'r.id',
        'r.social_account_id',
        'r.platform',
        'r.token_ciphertext',
        'r.token_wrapped_key',
        'r.token_version',
        'r.attempts',
      ])
      // Which platform the grant came from (the sandbox for test accounts) follows the account's env.
      .returning((eb) =>
        eb.selectFrom('social_accounts as a').select('a.env').whereRef('a.id', '=', 'r.social_account_id').as('env'),
      )
      .execute()
  );
}

export type ClaimedUpstreamRevocation = Awaited<ReturnType<typeof claimDueUpstreamRevocations>>[number];

/**
 * Terminal outcome: the sealed token is erased with it. Fenced on the claim (`attempts`), so a
 * worker whose lease ran out cannot overwrite what a later claim recorded.
 */
export async function settleUpstreamRevocation(
  db: Queryable,
  job: { id: number; attempts: number },
  outcome: {
    status: 'revoked' | 'unconfirmed' | 'unsupported';
    attemptedAt: Date | null;
    lastError: string | null;
    now: Date;
  },
) {
  return updateClaimed(db, job, {
    status: outcome.status,
    attempted_at: outcome.attemptedAt,
    last_error: outcome.lastError,
    token_ciphertext: null,
    token_wrapped_key: null,
    next_attempt_at: null,
    updated_at: outcome.now,
  });
}

/** A failed attempt that will be retried at `nextAttemptAt`; fenced on the claim like settle. */
export async function scheduleUpstreamRevocationRetry(
  db: Queryable,
  job: { id: number; attempts: number },
  retry: { attemptedAt: Date; nextAttemptAt: Date; lastError: string; now: Date },
) {
  return updateClaimed(db, job, {
    attempted_at: retry.attemptedAt,
    next_attempt_at: retry.nextAttemptAt,
    last_error: retry.lastError,
    updated_at: retry.now,
  });
}

/** An update of a claimed pending job, fenced on its claim (`attempts`); false when it lost the claim. */
async function updateClaimed(
  db: Queryable,
  job: { id: number; attempts: number },
  changes: Updateable<UpstreamRevocationsTable>,
) {
  const row = await db
    .updateTable('upstream_revocations')
    .set(changes)
    .where('id', '=', job.id)
    .where('status', '=', 'pending')
    .where('attempts', '=', job.attempts)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** What the follow-up `social_account.revoked` event says about the account. */
export async function findRevokedAccountForEvent(db: Queryable, socialAccountId: string) {
  return db
    .selectFrom('social_accounts')
    .select([
      'id',
      'organization_id',
      'project_id',
      'platform',
      'leased',
      'status',
      'disconnected_reason',
      'disconnected_at',
    ])
    .where('id', '=', socialAccountId)
    .executeTakeFirst();
}
