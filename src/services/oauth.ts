import { toWire } from '../clock.js';
import type { AppDeps, Ctx } from '../context.js';
import { findOAuthState, insertOAuthState } from '../db/queries/oauth-states.js';
import { findSocialAccountView } from '../db/queries/social-accounts.js';
import { ApiError, notFound } from '../http/errors.js';
import { newId } from '../ids.js';
import { createPkcePair, type Platform, type PlatformAdapters } from '../platforms/index.js';
import { projectArchived, requireProject } from './projects.js';

export const STATE_TTL_MS = 10 * 60 * 1000; // the spec's 10-minute authorization window

export function adaptersFor(deps: Pick<AppDeps, 'platforms'>, env: 'live' | 'test'): PlatformAdapters {
  if (!deps.platforms) throw new Error('platform adapters are not configured');
  return deps.platforms[env];
}

export function redirectUri(deps: Pick<AppDeps, 'publicUrl'>, platform: Platform) {
  if (!deps.publicUrl) throw new Error('publicUrl is not configured');
  return new URL(`/oauth/callback/${platform}`, deps.publicUrl).toString();
}

/**
 * The return URL must be https (http only for localhost) and its host on the key's allowlist:
 * an entry matches its exact host, `*.example.com` matches any subdomain of example.com.
 */
function checkReturnUrl(ctx: Ctx, returnUrl: string) {
  const url = new URL(returnUrl);
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
  const allowed = ctx.principal.returnUrlAllowlist.some((entry) =>
    entry.startsWith('*.') ? url.hostname.endsWith(entry.slice(1)) : url.hostname === entry.toLowerCase(),
  );
  if (!allowed || !(url.protocol === 'https:' || (local && url.protocol === 'http:'))) {
    throw new ApiError(
      'RETURN_URL_NOT_ALLOWED',
      `returnUrl host ${url.hostname} is not on this key's allowlist (https only, http for localhost).`,
      {
        host: url.hostname,
      },
    );
  }
}

async function startAuthorization(
  ctx: Ctx,
  deps: Pick<AppDeps, 'platforms' | 'publicUrl'>,
  input: { projectId: string; platform: Platform; returnUrl: string; scopes?: string[]; socialAccountId?: string },
) {
  const adapter = adaptersFor(deps, ctx.principal.env)[input.platform];
  const state = newId('st');
  const now = ctx.clock.now();
  const expiresAt = new Date(now.getTime() + STATE_TTL_MS);
  const pkce = adapter.supportsPkce ? createPkcePair() : undefined;
  const scopes = input.scopes ?? [...adapter.defaultScopes];
  await insertOAuthState(ctx.db, {
    id: state,
    organization_id: ctx.principal.organizationId,
    project_id: input.projectId,
    api_key_id: ctx.principal.apiKeyId,
    platform: input.platform,
    return_url: input.returnUrl,
    scopes,
    code_verifier: pkce?.codeVerifier ?? null,
    social_account_id: input.socialAccountId ?? null,
    status: 'pending',
    error: null,
    expires_at: expiresAt,
    created_at: now,
  });
  const authorizeUrl = adapter.authorizeUrl({
    state,
    redirectUri: redirectUri(deps, input.platform),
    scopes,
    codeChallenge: pkce?.codeChallenge,
  });
  return { authorizeUrl, state, expiresAt: toWire(expiresAt) };
}

export async function createOAuthUrl(
  ctx: Ctx,
  deps: Pick<AppDeps, 'platforms' | 'publicUrl'>,
  input: { projectId: string; platform: Platform; returnUrl: string; scopes?: string[] },
) {
  const project = await requireProject(ctx, input.projectId);
  checkReturnUrl(ctx, input.returnUrl);
  if (project.status !== 'active') throw projectArchived(project.id);
  return startAuthorization(ctx, deps, input);
}

/** Reconnects a `reauth_required` account under the same id: same history, new grant. */
export async function createReauthUrl(
  ctx: Ctx,
  deps: Pick<AppDeps, 'platforms' | 'publicUrl'>,
  input: { projectId: string; socialAccountId: string; returnUrl: string },
) {
  await requireProject(ctx, input.projectId);
  checkReturnUrl(ctx, input.returnUrl);
  const account = await findSocialAccountView(ctx.db, ctx.principal, input.socialAccountId);
  if (!account || account.project_id !== input.projectId)
    throw notFound('social account', input.socialAccountId, 'in this project');
  if (account.status !== 'reauth_required') {
    throw new ApiError(
      'CONFLICT',
      `The account is ${account.status}; only a reauth_required account can be reconnected.`,
      { reason: 'not_reauth_required' },
    );
  }
  return startAuthorization(ctx, deps, { ...input, platform: account.platform });
}

/** Visible only to the key that started the flow; pending past its window reads as expired. */
export async function getOAuthStatus(ctx: Ctx, input: { state: string }) {
  const s = await findOAuthState(ctx.db, input.state);
  if (!s || s.api_key_id !== ctx.principal.apiKeyId) throw notFound('OAuth state', input.state, 'for this key');
  const status = s.status === 'pending' && s.expires_at <= ctx.clock.now() ? 'expired' : s.status;
  return { state: s.id, status, socialAccountId: s.social_account_id, error: s.error };
}
