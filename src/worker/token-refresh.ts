import { backoffMs } from '../backoff.js';
import type { PlatformToken } from '../crypto/token-envelope.js';
import { withTransaction } from '../db/client.js';
import {
  type AccountForTokenRefresh,
  claimAccountsForTokenRefresh,
  deferTokenRefresh,
  markAccountReauthRequired,
  writeRefreshedToken,
} from '../db/queries/social-account-tokens.js';
import { needsReauthPayload } from '../events/catalogue.js';
import { emit, systemEvents } from '../events/emit.js';
import { isPlatformError, type PlatformAdapter } from '../platforms/types.js';
import { adaptersForEnv, describeError, type WorkerDeps } from './deps.js';

// Refreshes tokens of connected accounts before they expire. The account is leased for the
// platform call (no transaction open); the write-back is compare-and-set on token_version and
// status, so a refresh that finishes after a revoke never writes a token back.

const BATCH_SIZE = 10; // per platform per pass; the calls of a batch run in parallel
const LEASE_MS = 2 * 60 * 1000; // far beyond the 10 s platform timeout: a live worker keeps its lease
// A failed refresh (platform down) is retried in ~5 min; the refresh windows (2 h TikTok,
// 7 days Instagram) leave room for many tries before the token lapses.
const RETRY_DELAY_MS = 5 * 60 * 1000;
// A refusal that is not about the grant (our client credentials, a malformed request) needs
// an operator; retry hourly so the log keeps saying so without hammering the platform.
const PERMANENT_RETRY_DELAY_MS = 60 * 60 * 1000;

export type TokenRefreshOutcome = 'refreshed' | 'reauth_required' | 'deferred' | 'discarded';
export type TokenRefreshSummary = { claimed: number } & Partial<Record<TokenRefreshOutcome | 'failed', number>>;

export async function runTokenRefresh(deps: WorkerDeps): Promise<TokenRefreshSummary> {
  const summary: TokenRefreshSummary = { claimed: 0 };
  // Each account refreshes where its grant came from: live accounts the platform, test accounts the sandbox.
  const lanes = (['live', 'test'] as const).flatMap((env) =>
    Object.values(adaptersForEnv(deps, env)).map((adapter) => ({ env, adapter })),
  );
  for (const { env, adapter } of lanes) {
    const now = deps.clock.now();
    const accounts = await claimAccountsForTokenRefresh(deps.db, {
      platform: adapter.platform,
      env,
      now,
      limit: BATCH_SIZE,
      expiringBefore: new Date(now.getTime() + adapter.refreshWindowMs),
      leaseUntil: new Date(now.getTime() + LEASE_MS),
    });
    summary.claimed += accounts.length;
    const results = await Promise.allSettled(accounts.map((a) => refreshAccount(deps, adapter, a)));
    results.forEach((r, i) => {
      const key = r.status === 'fulfilled' ? r.value : 'failed';
      summary[key] = (summary[key] ?? 0) + 1;
      if (r.status === 'rejected')
        deps.log.error({ err: r.reason, socialAccountId: accounts[i]!.id }, 'token refresh failed');
    });
  }
  return summary;
}

async function refreshAccount(
  deps: WorkerDeps,
  adapter: PlatformAdapter,
  account: AccountForTokenRefresh,
): Promise<TokenRefreshOutcome> {
  const log = deps.log.child({ socialAccountId: account.id, platform: account.platform });
  let token: PlatformToken;
  try {
    token = deps.tokenCrypto.open(account.id, account.token_version, {
      ciphertext: account.token_ciphertext!,
      wrappedKey: account.token_wrapped_key!,
    });
  } catch {
    // Not the user's doing (a wrong master key would hit every account): hold off, never reauth.
    log.error('stored token could not be opened; refresh deferred');
    return defer(deps, account, PERMANENT_RETRY_DELAY_MS);
  }
  const refreshed = await adapter.refreshToken(token).then(
    (fresh) => ({ fresh }),
    (err: unknown) => ({ err }),
  );
  await deps.fault?.('token-refresh:before-write'); // tests force a revoke to land exactly here
  if ('err' in refreshed) {
    const { err } = refreshed;
    const error = describeError(err, [token.accessToken, token.refreshToken]);
    if (isPlatformError(err) && err.kind === 'CREDENTIAL_INVALID') return markNeedsReauth(deps, account, error);
    const permanent = isPlatformError(err) && err.kind === 'PERMANENT';
    log.warn({ error }, 'token refresh failed; will retry');
    return defer(deps, account, permanent ? PERMANENT_RETRY_DELAY_MS : RETRY_DELAY_MS);
  }
  const { fresh } = refreshed;
  const sealed = deps.tokenCrypto.seal(account.id, account.token_version, fresh);
  const written = await writeRefreshedToken(deps.db, {
    id: account.id,
    tokenVersion: account.token_version,
    ciphertext: sealed.ciphertext,
    wrappedKey: sealed.wrappedKey,
    expiresAt: fresh.expiresAt ? new Date(fresh.expiresAt) : null,
    now: deps.clock.now(),
  });
  if (written) return 'refreshed';
  // Revoked (or marked for reauth) while we were at the platform: the new token must not live on.
  log.info('account changed during refresh; refreshed token discarded and revoked');
  await revokeOrphan(deps, adapter, fresh);
  return 'discarded';
}

/** invalid_grant: the account needs its owner again. CAS-guarded, with its event and audit row. */
async function markNeedsReauth(
  deps: WorkerDeps,
  account: AccountForTokenRefresh,
  error: string,
): Promise<TokenRefreshOutcome> {
  const now = deps.clock.now();
  const marked = await withTransaction(deps.db, async (tx) => {
    const row = await markAccountReauthRequired(tx, { id: account.id, tokenVersion: account.token_version, now });
    if (!row || !account.organization_id) return row !== undefined;
    const data = needsReauthPayload(account, 'refresh_rejected');
    await emit(tx, systemEvents(account.organization_id, now), 'social_account.needs_reauth', data, {
      audit: { type: 'social_account.needs_reauth', projectId: account.project_id, data: { ...data, error } },
    });
    return true;
  });
  deps.log
    .child({ socialAccountId: account.id })
    .warn({ error, marked }, 'platform refused the refresh; account needs reauth');
  return marked ? 'reauth_required' : 'discarded';
}

async function defer(deps: WorkerDeps, account: AccountForTokenRefresh, delayMs: number): Promise<TokenRefreshOutcome> {
  const jittered = backoffMs(1, { baseMs: delayMs, capMs: delayMs, random: deps.random ?? Math.random });
  await deferTokenRefresh(deps.db, {
    id: account.id,
    tokenVersion: account.token_version,
    until: new Date(deps.clock.now().getTime() + jittered),
  });
  return 'deferred';
}

/** Best effort: the platform's own revoke of the grant also covers it; a failure is only logged. */
async function revokeOrphan(deps: WorkerDeps, adapter: PlatformAdapter, token: PlatformToken) {
  try {
    await adapter.revokeToken(token);
  } catch (err) {
    deps.log.warn(
      { error: describeError(err, [token.accessToken, token.refreshToken]) },
      'revoking a discarded refreshed token failed',
    );
  }
}
