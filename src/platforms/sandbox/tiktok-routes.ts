import { randomBytes } from 'node:crypto';
import { pkceChallenge } from '../pkce.js';
import { unknownScopes } from '../scopes.js';
import { SANDBOX_CLIENTS } from './clients.js';
import {
  logId,
  redirectBack,
  type SandboxReply,
  type SandboxRoute,
  tiktokApiError,
  tiktokOauthError,
} from './routing.js';
import { type Grant, isError, type SandboxState } from './state.js';

// TikTok's paths and shapes (Login Kit v2, Content Posting API), served by the sandbox.
const ACCESS_TTL_S = 24 * 3600; // as TikTok: access tokens 24 h, refresh tokens 365 days
const REFRESH_TTL_S = 365 * 24 * 3600;

function clientError(p: Record<string, string>): SandboxReply | undefined {
  const c = SANDBOX_CLIENTS.tiktok;
  if (p.client_key !== c.clientKey || p.client_secret !== c.clientSecret) {
    return tiktokOauthError(401, 'invalid_client', 'client_key or client_secret is wrong');
  }
  return undefined;
}

function tokenAnswer(state: SandboxState, grant: Grant): SandboxReply {
  return {
    status: 200,
    body: {
      access_token: state.issueAccessToken(grant, 'act.', ACCESS_TTL_S),
      expires_in: ACCESS_TTL_S,
      open_id: grant.externalAccountId,
      refresh_token: state.issueRefreshToken(grant),
      refresh_expires_in: REFRESH_TTL_S,
      scope: grant.scopes.join(','),
      token_type: 'Bearer',
    },
    log: { externalAccountId: grant.externalAccountId },
  };
}

function exchangeCode(p: Record<string, string>, state: SandboxState): SandboxReply {
  const code = state.redeemCode(p.code ?? '');
  if (isError(code)) return tiktokOauthError(400, 'invalid_grant', code.error);
  if (code.platform !== 'tiktok' || code.redirectUri !== p.redirect_uri) {
    return tiktokOauthError(400, 'invalid_grant', 'redirect_uri does not match the authorization request');
  }
  if (code.codeChallenge !== undefined && (!p.code_verifier || pkceChallenge(p.code_verifier) !== code.codeChallenge)) {
    return tiktokOauthError(400, 'invalid_grant', 'code_verifier does not match the code_challenge');
  }
  const grant = state.createGrant('tiktok', code.externalAccountId, code.scopes);
  state.bindCode(p.code!, grant.id);
  return tokenAnswer(state, grant);
}

function authorize(req: Parameters<SandboxRoute['handle']>[0], state: SandboxState): SandboxReply {
  const q = Object.fromEntries(req.query);
  if (q.client_key !== SANDBOX_CLIENTS.tiktok.clientKey) return { status: 400, body: { error: 'invalid_client' } };
  if (!q.redirect_uri || !URL.canParse(q.redirect_uri))
    return { status: 400, body: { error: 'invalid_request', error_description: 'redirect_uri' } };
  if (q.response_type !== 'code')
    return redirectBack(q.redirect_uri, { error: 'unsupported_response_type', state: q.state });
  if (q.code_challenge && q.code_challenge_method !== 'S256')
    return redirectBack(q.redirect_uri, { error: 'invalid_request', state: q.state });
  // Browser-less consent: sandbox_deny=1 plays a user who declines; sandbox_user picks who consents.
  if (q.sandbox_deny) return redirectBack(q.redirect_uri, { error: 'access_denied', state: q.state });
  const scopes = (q.scope ?? '').split(',').filter(Boolean);
  const unknown = unknownScopes('tiktok', scopes);
  if (unknown.length)
    return redirectBack(q.redirect_uri, {
      error: 'invalid_scope',
      error_description: `unknown scope ${unknown.join(',')}`,
      state: q.state,
    });
  const code = state.issueCode({
    platform: 'tiktok',
    clientId: q.client_key,
    redirectUri: q.redirect_uri,
    scopes,
    codeChallenge: q.code_challenge,
    externalAccountId: q.sandbox_user,
    handle: q.sandbox_handle,
  });
  return redirectBack(q.redirect_uri, { code, scopes: scopes.join(','), state: q.state });
}

function bearerGrant(req: Parameters<SandboxRoute['handle']>[0], state: SandboxState): Grant | SandboxReply {
  const grant = state.grantForAccessToken(req.bearer);
  return isError(grant) ? tiktokApiError(401, 'access_token_invalid', grant.error) : grant;
}

const isGrant = (v: Grant | SandboxReply): v is Grant => 'externalAccountId' in v;

export const tiktokRoutes: SandboxRoute[] = [
  {
    endpoint: 'tiktok.authorize',
    method: 'GET',
    path: /^\/v2\/auth\/authorize\/?$/,
    family: 'authorize',
    handle: authorize,
  },
  {
    endpoint: 'tiktok.token',
    method: 'POST',
    path: /^\/v2\/oauth\/token\/?$/,
    family: 'tiktok-oauth',
    handle(req, state) {
      const p = req.params;
      const bad = clientError(p);
      if (bad) return bad;
      if (p.grant_type === 'authorization_code') return exchangeCode(p, state);
      if (p.grant_type !== 'refresh_token')
        return tiktokOauthError(400, 'unsupported_grant_type', `grant_type ${p.grant_type}`);
      const grant = state.grantForRefreshToken(p.refresh_token);
      if (isError(grant))
        return {
          ...tiktokOauthError(400, 'invalid_grant', grant.error),
          log: { token: p.refresh_token, error: grant.error },
        };
      return {
        ...tokenAnswer(state, grant),
        log: { token: p.refresh_token, externalAccountId: grant.externalAccountId },
      };
    },
  },
  {
    // RFC 7009 §2.2: an invalid or unknown token is not an error; the answer is 200 either way.
    endpoint: 'tiktok.revoke',
    method: 'POST',
    path: /^\/v2\/oauth\/revoke\/?$/,
    family: 'tiktok-oauth',
    handle(req, state) {
      const bad = clientError(req.params);
      if (bad) return bad;
      const token = req.params.token;
      if (!token) return tiktokOauthError(400, 'invalid_request', 'token is required');
      return { status: 200, body: {}, log: { token, known: state.revokeToken(token) } };
    },
  },
  {
    endpoint: 'tiktok.userinfo',
    method: 'GET',
    path: /^\/v2\/user\/info\/?$/,
    family: 'tiktok-api',
    handle(req, state) {
      const grant = bearerGrant(req, state);
      if (!isGrant(grant)) return grant;
      const { handle } = state.profile(grant.externalAccountId);
      const user = {
        open_id: grant.externalAccountId,
        username: handle,
        display_name: handle,
        avatar_url: `https://sandbox.invalid/avatar/${handle}.jpg`,
      };
      return {
        status: 200,
        body: { data: { user }, error: { code: 'ok', message: '', log_id: logId() } },
        log: { token: req.bearer },
      };
    },
  },
  {
    endpoint: 'tiktok.publish',
    method: 'POST',
    path: /^\/v2\/post\/publish\/(video\/init|inbox\/video\/init|content\/init)\/?$/,
    family: 'tiktok-api',
    handle(req, state) {
      const grant = bearerGrant(req, state);
      if (!isGrant(grant)) return grant;
      const needs = req.match[1] === 'inbox/video/init' ? 'video.upload' : 'video.publish';
      if (!grant.scopes.includes(needs))
        return tiktokApiError(401, 'scope_not_authorized', `the user did not grant ${needs}`);
      const source = (req.json?.source_info ?? {}) as Record<string, unknown>;
      if (source.source !== 'PULL_FROM_URL' || !(source.video_url || Array.isArray(source.photo_images))) {
        return tiktokApiError(400, 'invalid_params', 'source_info needs PULL_FROM_URL and a video_url or photo_images');
      }
      const scope = `tiktok:${grant.externalAccountId}`;
      // Direct posts spend the creator's daily cap; inbox uploads (drafts) do not.
      const direct = req.match[1] === 'video/init' || req.json?.post_mode === 'DIRECT_POST';
      if (direct && !state.hasPublished(scope, req.idempotencyKey)) {
        const quota = state.quota('tiktok', grant.externalAccountId);
        if (quota.used >= quota.limit)
          return tiktokApiError(
            403,
            'spam_risk_too_many_posts',
            'The daily post cap from the API is reached for the current user',
          );
        state.spendQuota('tiktok', grant.externalAccountId);
      }
      const { externalId, replayed } = state.publish(
        scope,
        req.idempotencyKey,
        () => `v_pub_url~v2.${randomBytes(9).toString('hex')}`,
      );
      return {
        status: 200,
        body: { data: { publish_id: externalId }, error: { code: 'ok', message: '', log_id: logId() } },
        log: { token: req.bearer, externalAccountId: grant.externalAccountId, externalId, replayed },
      };
    },
  },
  {
    // TikTok's status fetch takes the publish_id — exactly what a lost answer never delivered. The
    // sandbox also takes `sandbox_reference` (the Idempotency-Key the post was sent with), so the
    // publisher's reconciliation can be exercised (docs/platform-rules.md "Exactly once").
    endpoint: 'tiktok.publish_status',
    method: 'POST',
    path: /^\/v2\/post\/publish\/status\/fetch\/?$/,
    family: 'tiktok-api',
    handle(req, state) {
      const grant = bearerGrant(req, state);
      if (!isGrant(grant)) return grant;
      const scope = `tiktok:${grant.externalAccountId}`;
      const reference = req.json?.sandbox_reference;
      const publishId = req.json?.publish_id;
      const post =
        typeof reference === 'string'
          ? state.findByReference(scope, reference)[0]
          : state.posts.find((p) => p.scope === scope && p.externalId === publishId);
      const log = { token: req.bearer, externalAccountId: grant.externalAccountId, found: post !== undefined };
      if (!post)
        return { ...tiktokApiError(400, 'invalid_publish_id', 'no post with this publish_id or reference'), log };
      const data = { status: 'PUBLISH_COMPLETE', publish_id: post.externalId, publicaly_available_post_id: [] };
      return { status: 200, body: { data, error: { code: 'ok', message: '', log_id: logId() } }, log };
    },
  },
];
