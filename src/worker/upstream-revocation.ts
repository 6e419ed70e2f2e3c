import { backoffMs } from '../backoff.js';
import { toWire } from '../clock.js';
import type { PlatformToken } from '../crypto/token-envelope.js';
import { withTransaction } from '../db/client.js';
import {
  type ClaimedUpstreamRevocation,
  claimDueUpstreamRevocations,
  findRevokedAccountForEvent,
  scheduleUpstreamRevocationRetry,
  settleUpstreamRevocation,
} from '../db/queries/upstream-revocations.js';
import { emit, systemEvents } from '../events/emit.js';
import { isPlatformError } from '../platforms/types.js';
import { adaptersForEnv, describeError, type WorkerDeps } from './deps.js';

// After a revoke commits, the grant is revoked upstream (RFC 7009) from the sealed token the
// revoke left in upstream_revocations. Claim (one short statement) → platform call (no
// transaction open) → record (one short transaction, fenced on the claim, with the follow-up
// social_account.revoked event carrying the outcome).

const BATCH_SIZE = 10; // calls of one batch run in parallel: 10 outbound requests at most
// The lease must outlast the slowest call (10 s timeout) by a wide margin, so a live worker
// never loses its row to another; a dead worker's row is retried after it.
const LEASE_MS = 2 * 60 * 1000;
// 8 attempts, 1 min doubling to a 2 h cap, half of each step jittered: about 1–2 h of a
// platform outage is retried before we give up and say `unconfirmed`.
export const MAX_ATTEMPTS = 8;
export const RETRY_BASE_MS = 60 * 1000;
export const RETRY_CAP_MS = 2 * 3600 * 1000;

export type UpstreamRevocationOutcome = 'revoked' | 'unsupported' | 'unconfirmed' | 'retry' | 'superseded';
export type UpstreamRevocationSummary = { claimed: number } & Partial<
  Record<UpstreamRevocationOutcome | 'failed', number>
>;

/** One pass: claim a batch of due jobs, settle each. Never throws for a single job's failure. */
export async function runUpstreamRevocations(deps: WorkerDeps): Promise<UpstreamRevocationSummary> {
  const now = deps.clock.now();
  const jobs = await claimDueUpstreamRevocations(deps.db, {
    now,
    leaseUntil: new Date(now.getTime() + LEASE_MS),
    limit: BATCH_SIZE,
  });
  const summary: UpstreamRevocationSummary = { claimed: jobs.length };
  const results = await Promise.allSettled(jobs.map((job) => processJob(deps, job)));
  results.forEach((r, i) => {
    const key = r.status === 'fulfilled' ? r.value : 'failed';
    summary[key] = (summary[key] ?? 0) + 1;
    // The row stays leased and is claimed again when the lease runs out.
    if (r.status === 'rejected')
      deps.log.error({ err: r.reason, upstreamRevocationId: jobs[i]!.id }, 'upstream revocation job failed');
  });
  return summary;
}

async function processJob(deps: WorkerDeps, job: ClaimedUpstreamRevocation): Promise<UpstreamRevocationOutcome> {
  const log = deps.log.child({
    upstreamRevocationId: job.id,
    socialAccountId: job.social_account_id,
    platform: job.platform,
    attempt: job.attempts,
  });
  let token: PlatformToken;
  try {
    token = deps.tokenCrypto.open(job.social_account_id, job.token_version, {
      ciphertext: job.token_ciphertext!,
      wrappedKey: job.token_wrapped_key!,
    });
  } catch {
    log.error('sealed token could not be opened; giving up on upstream revocation');
    return settle(deps, job, 'unconfirmed', null, 'stored token could not be decrypted');
  }
  const called = await adaptersForEnv(deps, job.env ?? 'live')
    [job.platform].revokeToken(token)
    .then(
      (result) => ({ result }),
      (err: unknown) => ({ err }),
    );
  await deps.fault?.('upstream-revocation:before-record'); // tests stall or "kill" the worker here
  if ('result' in called) {
    if (called.result.outcome === 'unsupported') return settle(deps, job, 'unsupported', null, null);
    log.info('grant revoked upstream');
    return settle(deps, job, 'revoked', deps.clock.now(), null);
  }
  const { err } = called;
  const message = describeError(err, [token.accessToken, token.refreshToken]);
  // Only transport trouble and platform 5xx/429 are worth retrying; a refusal will not change.
  const retryable = !isPlatformError(err) || err.kind === 'RETRYABLE';
  if (!retryable || job.attempts >= MAX_ATTEMPTS) {
    log.warn({ error: message }, 'upstream revocation unconfirmed');
    return settle(deps, job, 'unconfirmed', deps.clock.now(), message);
  }
  const now = deps.clock.now();
  const delay = backoffMs(job.attempts, {
    baseMs: RETRY_BASE_MS,
    capMs: RETRY_CAP_MS,
    random: deps.random ?? Math.random,
  });
  log.info({ error: message, retryInMs: delay }, 'upstream revocation failed; will retry');
  const recorded = await scheduleUpstreamRevocationRetry(deps.db, job, {
    attemptedAt: now,
    nextAttemptAt: new Date(now.getTime() + delay),
    lastError: message,
    now,
  });
  return recorded ? 'retry' : 'superseded';
}

async function settle(
  deps: WorkerDeps,
  job: ClaimedUpstreamRevocation,
  status: 'revoked' | 'unconfirmed' | 'unsupported',
  attemptedAt: Date | null,
  lastError: string | null,
): Promise<UpstreamRevocationOutcome> {
  // The outcome and the event announcing it commit together (transactional outbox).
  const recorded = await withTransaction(deps.db, async (tx) => {
    const now = deps.clock.now();
    if (!(await settleUpstreamRevocation(tx, job, { status, attemptedAt, lastError, now }))) return false;
    const a = await findRevokedAccountForEvent(tx, job.social_account_id);
    // Revoked accounts stay disconnected (a reconnect makes a new one): the checks only narrow types.
    if (a?.organization_id && a.status === 'disconnected' && a.disconnected_at && a.disconnected_reason) {
      await emit(tx, systemEvents(a.organization_id, now), 'social_account.revoked', {
        socialAccountId: a.id,
        status: a.status,
        disconnectedReason: a.disconnected_reason,
        disconnectedAt: toWire(a.disconnected_at),
        projectId: a.project_id,
        platform: a.platform,
        leased: a.leased,
        upstreamRevocation: { status, attemptedAt: toWire(attemptedAt), lastError },
      });
    }
    return true;
  });
  return recorded ? status : 'superseded';
}
