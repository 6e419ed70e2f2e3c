import { backoffMs } from '../backoff.js';
import type { PlatformToken } from '../crypto/token-envelope.js';
import { type Tx, withTransaction } from '../db/client.js';
import {
  type ClaimedPost,
  type LastError,
  lockAccountForPublish,
  lockClaimedPost,
  markCallStarted,
  recordFailed,
  recordPublished,
  requeueClaimedPost,
} from '../db/queries/publishing.js';
import { markAccountReauthRequired } from '../db/queries/social-account-tokens.js';
import { needsReauthPayload } from '../events/catalogue.js';
import { emit, systemEvents } from '../events/emit.js';
import { withRehearsedFault } from '../platforms/index.js';
import { isPlatformError, type PublishResult } from '../platforms/types.js';
import { adaptersForEnv, describeError, type WorkerDeps } from './deps.js';
import { emitPostOutcome } from './post-outcome.js';
import { CLAIM_LEASE_MS, MAX_PUBLISH_ATTEMPTS, RETRY_BASE_MS, RETRY_CAP_MS } from './publish-policy.js';
import { checkPublishQuota, quotaRefusal } from './publish-quota.js';
import { reconcileUnknownOutcome, unsettledCause } from './publish-reconcile.js';
import { retryAfterMs, takeRehearsedFault } from './rehearsed-faults.js';

// One claimed post, in two steps. (1) The call marker commits: from then on the platform may
// have seen the post. (2) One transaction takes the account row FOR UPDATE, re-checks the account
// (connected, token version as claimed) and the kill switches, calls the platform, and records
// the outcome. Holding the account lock across the call is the fence: a revoke (which takes the
// same lock) either commits first, and this check sees it, or waits until this publish is
// recorded. See docs/architecture.md "The publisher".

export { CLAIM_LEASE_MS, emitPostOutcome, MAX_PUBLISH_ATTEMPTS, RETRY_BASE_MS, RETRY_CAP_MS };

export type PublishOutcome =
  | 'published'
  | 'draft'
  | 'failed'
  | 'retry'
  | 'held'
  | 'superseded'
  | 'deferred'
  | 'lookup_later';

type LockedAccount = NonNullable<Awaited<ReturnType<typeof lockAccountForPublish>>>;
type LockedPost = NonNullable<Awaited<ReturnType<typeof lockClaimedPost>>>;
type Called = { result: PublishResult } | { err: unknown; token?: PlatformToken };

export async function publishClaimedPost(deps: WorkerDeps, post: ClaimedPost): Promise<PublishOutcome> {
  const started = deps.clock.now();
  if (
    !(await markCallStarted(deps.db, post, { now: started, leaseUntil: new Date(started.getTime() + CLAIM_LEASE_MS) }))
  )
    return 'superseded';
  return withTransaction(deps.db, async (tx) => {
    const account = await lockAccountForPublish(tx, post.social_account_id);
    const target = await lockClaimedPost(tx, post);
    if (!account || !target) return 'superseded'; // recovered and claimed again elsewhere
    const now = deps.clock.now();
    if (account.switched_off) return hold(tx, post, now);
    if (post.env !== account.env) {
      // The API never queues a post across environments; should one exist anyway, a test key's
      // post must not reach a live account (nor the reverse): it fails without a platform call.
      return fail(
        deps,
        tx,
        post,
        {
          code: 'ENVIRONMENT_MISMATCH',
          message: `A ${post.env} post cannot be published to a ${account.env} account.`,
        },
        now,
      );
    }
    if (account.status === 'reauth_required' && account.token_version === post.claimed_token_version)
      return hold(tx, post, now);
    if (account.status !== 'connected' || account.token_version !== post.claimed_token_version) {
      // Revoked (or re-granted) after the claim: the revoke wins; the platform is never called.
      return fail(
        deps,
        tx,
        post,
        {
          code: 'ACCOUNT_DISCONNECTED',
          message:
            `The account was ${account.status === 'connected' ? 'reconnected' : account.status} ` +
            `before this post was published.`,
        },
        now,
      );
    }
    // The account's platform budget is spent: wait for the window to free (or fail past the bound).
    const quota = await checkPublishQuota(deps, tx, { account, post, mode: target.mode, now });
    if (quota && 'fail' in quota) return fail(deps, tx, post, quota.fail, now);
    if (quota) return defer(tx, post, quota, now);
    await deps.fault?.('publisher:before-call');
    const rehearsed = await takeRehearsedFault(tx, account, now); // test accounts: ./rehearsed-faults.ts
    const called = await withRehearsedFault(rehearsed, () => callPlatform(deps, account, target, post.id));
    await deps.fault?.('publisher:after-call'); // tests "kill" the worker here: the platform saw it, nothing recorded
    return record(deps, tx, { post, account, target, called, attemptedAt: now });
  });
}

async function callPlatform(
  deps: WorkerDeps,
  account: LockedAccount,
  target: LockedPost,
  idempotencyKey: string,
): Promise<Called> {
  if (!account.token_ciphertext || !account.token_wrapped_key) return { err: new MissingToken() };
  let token: PlatformToken;
  try {
    token = deps.tokenCrypto.open(account.id, account.token_version, {
      ciphertext: account.token_ciphertext,
      wrappedKey: account.token_wrapped_key,
    });
  } catch (err) {
    return { err };
  }
  const adapter = adaptersForEnv(deps, account.env)[account.platform];
  const input = {
    externalAccountId: account.external_account_id ?? '',
    mediaUrls: target.media as string[],
    caption: target.caption,
    mode: target.mode,
  };
  return adapter.publish(token, input, idempotencyKey).then(
    (result) => ({ result }),
    (err: unknown) => ({ err, token }),
  );
}

class MissingToken extends Error {}

async function record(
  deps: WorkerDeps,
  tx: Tx,
  c: { post: ClaimedPost; account: LockedAccount; target: LockedPost; called: Called; attemptedAt: Date },
): Promise<PublishOutcome> {
  const { post, account, target, called, attemptedAt } = c;
  const now = deps.clock.now();
  const log = deps.log.child({ scheduledPostId: post.id, socialAccountId: account.id, platform: account.platform });
  if ('result' in called) {
    const status = target.mode === 'draft' ? 'draft' : 'published';
    await recordPublished(tx, post.id, {
      status,
      externalId: called.result.externalId,
      externalUrl: called.result.externalUrl,
      attemptedAt,
      now,
    });
    await emitPostOutcome(tx, post, now, {
      type: 'scheduled_post.published',
      externalId: called.result.externalId,
      mode: target.mode,
    });
    log.info({ externalId: called.result.externalId, status }, 'post published');
    return status;
  }
  const { err } = called;
  if (err instanceof MissingToken) {
    return fail(
      deps,
      tx,
      post,
      { code: 'ACCOUNT_TOKEN_MISSING', message: 'The account holds no platform token.' },
      now,
    );
  }
  const message = describeError(err, [called.token?.accessToken, called.token?.refreshToken]);
  // No answer (or a 5xx), yet the post may be on the platform: never straight back to the queue (a
  // retry could post twice, a revoke would call it canceled). Ask the platform first, under the lock.
  const cause = unsettledCause(adaptersForEnv(deps, account.env)[account.platform], err);
  if (cause) return reconcileUnknownOutcome(deps, tx, { post, account, target, attemptedAt, error: message, cause });
  const kind = isPlatformError(err) ? err.kind : 'INTERNAL';
  if (kind === 'CREDENTIAL_INVALID') {
    await markNeedsReauth(tx, post, account, message, now);
    return fail(deps, tx, post, { code: 'CREDENTIAL_INVALID', message }, now, attemptedAt);
  }
  const refusal = await quotaRefusal(tx, post.id, err, message, now); // spent by posts made meanwhile elsewhere
  if (refusal && 'fail' in refusal) return fail(deps, tx, post, refusal.fail, now, attemptedAt);
  if (refusal) return defer(tx, post, { ...refusal, attemptedAt }, now);
  if (kind === 'PERMANENT') return fail(deps, tx, post, { code: 'PLATFORM_REJECTED', message }, now, attemptedAt);
  const lastError = { code: kind === 'RETRYABLE' ? 'PLATFORM_UNAVAILABLE' : 'INTERNAL', message };
  if (!isPlatformError(err)) log.error({ err }, 'publish failed inside the worker');
  if (target.publish_attempts + 1 >= MAX_PUBLISH_ATTEMPTS) return fail(deps, tx, post, lastError, now, attemptedAt);
  const backoff = backoffMs(target.publish_attempts + 1, {
    baseMs: RETRY_BASE_MS,
    capMs: RETRY_CAP_MS,
    random: deps.random ?? Math.random,
  });
  const delay = Math.max(backoff, retryAfterMs(err)); // a 429's Retry-After is waited out in full
  await requeueClaimedPost(tx, post.id, { retryAt: new Date(now.getTime() + delay), lastError, attemptedAt, now });
  log.warn({ error: message, attempt: target.publish_attempts + 1, retryInMs: delay }, 'publish failed; will retry');
  return 'retry';
}

/** Switched off, or waiting for its owner to reconnect: back to the queue, untouched otherwise. */
async function hold(tx: Tx, post: ClaimedPost, now: Date): Promise<PublishOutcome> {
  await requeueClaimedPost(tx, post.id, { retryAt: null, now });
  return 'held';
}

/** Back to the queue until its account's budget frees; `lastError` says why it waits. */
async function defer(
  tx: Tx,
  post: ClaimedPost,
  q: { retryAt: Date; lastError: LastError; attemptedAt?: Date },
  now: Date,
) {
  await requeueClaimedPost(tx, post.id, { ...q, now });
  return 'deferred' as const;
}

async function fail(
  deps: WorkerDeps,
  tx: Tx,
  post: ClaimedPost,
  lastError: LastError,
  now: Date,
  attemptedAt?: Date,
): Promise<PublishOutcome> {
  await recordFailed(tx, post.id, { lastError, attemptedAt, now });
  await emitPostOutcome(tx, post, now, { type: 'scheduled_post.failed', lastError });
  deps.log.warn({ scheduledPostId: post.id, socialAccountId: post.social_account_id, lastError }, 'post failed');
  return 'failed';
}

/** The platform refused the grant: the account needs its owner (we hold its lock), once. */
async function markNeedsReauth(tx: Tx, post: ClaimedPost, account: LockedAccount, error: string, now: Date) {
  const row = await markAccountReauthRequired(tx, { id: account.id, tokenVersion: account.token_version, now });
  if (!row) return;
  const data = needsReauthPayload(account, 'publish_rejected');
  await emit(tx, systemEvents(account.organization_id, now), 'social_account.needs_reauth', data, {
    audit: {
      type: 'social_account.needs_reauth',
      projectId: account.project_id,
      data: { ...data, scheduledPostId: post.id, error },
    },
  });
}
