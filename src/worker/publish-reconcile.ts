import { backoffMs } from '../backoff.js';
import type { PlatformToken } from '../crypto/token-envelope.js';
import { type Tx, withTransaction } from '../db/client.js';
import { awaitLookup, claimExpiredCalledPosts, type Reconciliation } from '../db/queries/publish-reconciliation.js';
import { lockAccountForPublish, lockClaimedPost } from '../db/queries/publishing.js';
import type { ReconcileCause } from '../db/schema.js';
import { isPlatformError, type LookupResult, type PlatformAdapter } from '../platforms/types.js';
import { adaptersForEnv, describeError, type WorkerDeps } from './deps.js';
import { CLAIM_LEASE_MS, MAX_LOOKUPS, RETRY_BASE_MS, RETRY_CAP_MS } from './publish-policy.js';
import {
  foundOnPlatform,
  type LockedAccount,
  notFound,
  type ReconcileOutcome,
  type Unsettled,
  undecided,
} from './publish-reconcile-settle.js';

// Exactly once when a publish's outcome is unknown (docs/platform-rules.md "Exactly once"). A call
// that got no answer, or whose worker died during it, may have made the post. Before anything is
// sent again the platform is asked, under the account lock (the fence), whether it has the post
// we sent with our reference (the post id): found → recorded published without a second send;
// not found → back to the queue, sent again as any retry; no clear answer → asked again later
// (bounded), then failed PUBLISH_OUTCOME_UNKNOWN. A platform without a lookup → failed at once.
// What each answer writes is in publish-reconcile-settle.ts.

export type { ReconcileOutcome, Unsettled } from './publish-reconcile-settle.js';

// Claims taken per statement (a pass repeats while it finds a full batch). Each costs a lookup under
// its account's lock, so few at a time: a slow platform cannot strand many behind one worker.
const RECONCILE_BATCH = 10;

/**
 * Whether a failed publish call may still have made the post: no answer (outcomeUnknown), or — where
 * the platform can be asked — a 5xx, which a gateway may give after the platform acted. (Where it
 * cannot be asked, a 5xx is retried as before: real platforms' 5xx are rarely after the fact.)
 */
export function unsettledCause(adapter: PlatformAdapter, err: unknown): ReconcileCause | undefined {
  if (!isPlatformError(err)) return undefined;
  if (err.outcomeUnknown) return 'no_answer';
  const serverError = err.kind === 'RETRYABLE' && err.status !== undefined && err.status >= 500;
  return serverError && adapter.reconcile === 'by_reference' ? 'server_error' : undefined;
}

/** In the publishing transaction, right after a call that may have made the post: ask the platform now. */
export function reconcileUnknownOutcome(deps: WorkerDeps, tx: Tx, u: Omit<Unsettled, 'lookups'>) {
  return reconcile(deps, tx, { ...u, lookups: 0 });
}

/**
 * Crash recovery and lookups that are due: expired `publishing` claims whose call may have reached
 * the platform are claimed (SKIP LOCKED), then each is reconciled in its own transaction under
 * its account's lock, as a publish is.
 */
export async function reconcileExpiredClaims(deps: WorkerDeps): Promise<Partial<Record<ReconcileOutcome, number>>> {
  const summary: Partial<Record<ReconcileOutcome, number>> = {};
  for (;;) {
    const now = deps.clock.now();
    const leaseUntil = new Date(now.getTime() + CLAIM_LEASE_MS);
    const claims = await claimExpiredCalledPosts(deps.db, { now, leaseUntil, limit: RECONCILE_BATCH });
    for (const claim of claims) {
      const outcome = await withTransaction(deps.db, async (tx): Promise<ReconcileOutcome> => {
        const account = await lockAccountForPublish(tx, claim.social_account_id);
        const target = await lockClaimedPost(tx, claim);
        if (!account || !target) return 'superseded';
        return reconcile(deps, tx, {
          post: claim,
          account,
          target,
          cause: claim.reconcile_cause,
          lookups: claim.reconcile_lookups,
        });
      }).catch((err: unknown) => {
        // The claim stays; its lease runs out and the next pass asks again.
        deps.log.error({ err, scheduledPostId: claim.id }, 'reconciling a post failed');
        return undefined;
      });
      if (outcome) summary[outcome] = (summary[outcome] ?? 0) + 1;
    }
    if (claims.length < RECONCILE_BATCH || deps.signal?.aborted) return summary;
  }
}

async function reconcile(deps: WorkerDeps, tx: Tx, u: Unsettled): Promise<ReconcileOutcome> {
  const { account } = u;
  const adapter = adaptersForEnv(deps, account.env)[account.platform];
  if (adapter.reconcile === 'none')
    return undecided(deps, tx, u, null, `${account.platform} offers no lookup by reference`);
  const token = openToken(deps, account);
  if (!token) return undecided(deps, tx, u, null, 'the account holds no usable platform token to ask with');
  const now = deps.clock.now();
  let found: LookupResult;
  try {
    found = await adapter.findPublished(token, {
      externalAccountId: account.external_account_id ?? '',
      reference: u.post.id,
    });
  } catch (err) {
    return lookupFailed(deps, tx, u, describeError(err, [token.accessToken, token.refreshToken]), now);
  }
  const asked: Reconciliation = {
    cause: u.cause,
    result: found.found ? 'found' : 'not_found',
    lookups: u.lookups + 1,
    checkedAt: now,
  };
  if (found.found) return foundOnPlatform(deps, tx, u, asked, found, now);
  return notFound(deps, tx, u, asked, now);
}

/** No clear answer: ask again later, with back-off; after MAX_LOOKUPS, undecided. */
async function lookupFailed(
  deps: WorkerDeps,
  tx: Tx,
  u: Unsettled,
  error: string,
  now: Date,
): Promise<ReconcileOutcome> {
  const lookups = u.lookups + 1;
  if (lookups >= MAX_LOOKUPS)
    return undecided(
      deps,
      tx,
      { ...u, lookups: u.lookups + 1 },
      now,
      `${lookups} lookups got no answer (last: ${error})`,
    );
  const delay = backoffMs(lookups, { baseMs: RETRY_BASE_MS, capMs: RETRY_CAP_MS, random: deps.random ?? Math.random });
  await awaitLookup(tx, u.post.id, {
    cause: u.cause,
    result: 'pending',
    lookups,
    checkedAt: now,
    lookupAt: new Date(now.getTime() + delay),
    attemptedAt: u.attemptedAt,
    now,
  });
  deps.log.warn(
    { scheduledPostId: u.post.id, cause: u.cause, lookups, error, retryInMs: delay },
    'lookup failed; asking again later',
  );
  return 'lookup_later';
}

function openToken(deps: WorkerDeps, account: LockedAccount): PlatformToken | undefined {
  if (!account.token_ciphertext || !account.token_wrapped_key) return undefined;
  try {
    return deps.tokenCrypto.open(account.id, account.token_version, {
      ciphertext: account.token_ciphertext,
      wrappedKey: account.token_wrapped_key,
    });
  } catch {
    return undefined;
  }
}
