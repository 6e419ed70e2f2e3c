import type { FastifyBaseLogger } from 'fastify';
import type { AppDeps } from '../context.js';
import { type Tx, withTransaction } from '../db/client.js';
import {
  findBoundAccount,
  findOAuthState,
  lockAccountForRebind,
  rebindAccount,
  settleOAuthState,
} from '../db/queries/oauth-states.js';
import { insertConnectedAccount } from '../db/queries/social-accounts.js';
import { emit, systemEvents } from '../events/emit.js';
import { ApiError } from '../http/errors.js';
import { newId } from '../ids.js';
import { isPlatformError, type Platform, type PlatformGrant, type PlatformProfile } from '../platforms/index.js';
import { adaptersFor, redirectUri } from './oauth.js';
import { readBudgetAtConnect } from './publish-quotas.js';

type CallbackDeps = Pick<AppDeps, 'db' | 'clock' | 'tokenCrypto' | 'platforms' | 'publicUrl'> & {
  log: FastifyBaseLogger;
};
type State = NonNullable<Awaited<ReturnType<typeof findOAuthState>>>;

/** Where the browser goes next: the partner's returnUrl with the outcome in its query. */
function backTo(state: State, outcome: Record<string, string | null | undefined>) {
  const url = new URL(state.return_url);
  url.searchParams.set('state', state.id);
  for (const [k, v] of Object.entries(outcome)) if (v) url.searchParams.set(k, v);
  return url.toString();
}

/**
 * The platform redirects the user's browser here. The code exchange is the one platform call
 * made inside a request (the browser is waiting for it); it runs before, not inside, the
 * transaction that binds the grant. Unknown states get an error page; known ones a redirect.
 */
export async function completeOAuthCallback(
  deps: CallbackDeps,
  input: { platform: Platform; state?: string; code?: string; error?: string },
): Promise<string> {
  const state = input.state ? await findOAuthState(deps.db, input.state) : undefined;
  if (!state || state.platform !== input.platform) {
    throw new ApiError('VALIDATION', 'Unknown or mismatched OAuth state.', {
      issues: [{ path: 'state', message: 'is not a pending authorization' }],
    });
  }
  if (state.status !== 'pending')
    return backTo(state, { status: state.status, socialAccountId: state.social_account_id, error: state.error });
  const fail = async (error: string) => {
    await settleOAuthState(deps.db, state.id, { status: 'failed', error });
    return backTo(state, { status: 'failed', error });
  };
  if (state.expires_at <= deps.clock.now()) {
    await settleOAuthState(deps.db, state.id, { status: 'expired' });
    return backTo(state, { status: 'expired' });
  }
  if (input.error || !input.code)
    return fail(input.error === 'access_denied' ? 'access_denied' : 'authorization_failed');

  const adapter = adaptersFor(deps, state.env)[state.platform];
  let grant: PlatformGrant;
  let profile: PlatformProfile;
  try {
    grant = await adapter.exchangeCode({
      code: input.code,
      redirectUri: redirectUri(deps, state.platform),
      codeVerifier: state.code_verifier ?? undefined,
    });
    profile = await adapter.fetchProfile(grant.token);
  } catch (err) {
    deps.log.warn(
      { err: isPlatformError(err) ? err.message : (err as Error)?.name, state: state.id },
      'oauth code exchange failed',
    );
    return fail('exchange_failed');
  }
  try {
    const socialAccountId = await withTransaction(deps.db, (tx) => bindGrant(deps, tx, state, grant, profile));
    await readBudgetAtConnect(deps, adapter, grant.token, { id: socialAccountId, ...profile });
    return backTo(state, { status: 'completed', socialAccountId });
  } catch (err) {
    if (err instanceof BindRefused) return fail(err.reason);
    throw err;
  }
}

/** Thrown inside the binding transaction to roll it back with a reason the partner sees. */
class BindRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

async function bindGrant(deps: CallbackDeps, tx: Tx, state: State, grant: PlatformGrant, profile: PlatformProfile) {
  const now = deps.clock.now();
  const target = state.social_account_id
    ? await lockAccountForRebind(tx, { organizationId: state.organization_id, env: state.env }, state.social_account_id)
    : await findBoundAccount(tx, state.project_id, state.env, state.platform, profile.externalAccountId);
  if (state.social_account_id && (!target || target.status === 'disconnected'))
    throw new BindRefused('account_disconnected');
  if (target && target.external_account_id !== profile.externalAccountId) throw new BindRefused('different_account');
  const expiresAt = grant.token.expiresAt ? new Date(grant.token.expiresAt) : null;
  let socialAccountId: string;
  if (target) {
    // Re-binding bumps the version: a refresh still in flight for the old grant cannot write back.
    const version = target.token_version + 1;
    const sealed = deps.tokenCrypto.seal(target.id, version, grant.token);
    await rebindAccount(tx, {
      id: target.id,
      version,
      ...sealed,
      expiresAt,
      handle: profile.handle,
      avatarUrl: profile.avatarUrl,
      now,
    });
    socialAccountId = target.id;
  } else {
    socialAccountId = newId('sa');
    const sealed = deps.tokenCrypto.seal(socialAccountId, 0, grant.token);
    await insertConnectedAccount(tx, {
      // The key's env decides the platform for good: an lp_test_ connection is a sandbox account.
      id: socialAccountId,
      env: state.env,
      organization_id: state.organization_id,
      project_id: state.project_id,
      platform: state.platform,
      external_account_id: profile.externalAccountId,
      handle: profile.handle,
      avatar_url: profile.avatarUrl,
      leased: false,
      token_expires_at: expiresAt,
      token_ciphertext: sealed.ciphertext,
      token_wrapped_key: sealed.wrappedKey,
      now,
    });
  }
  if (!(await settleOAuthState(tx, state.id, { status: 'completed', socialAccountId })))
    throw new BindRefused('already_settled');
  const data = {
    socialAccountId,
    projectId: state.project_id,
    platform: state.platform,
    handle: profile.handle,
    reconnected: Boolean(target),
  };
  // The callback carries no API key: the row names the key that started the flow.
  await emit(tx, systemEvents(state.organization_id, now, state.api_key_id), 'social_account.connected', data, {
    audit: { type: 'social_account.connected', projectId: state.project_id, data },
  });
  return socialAccountId;
}
