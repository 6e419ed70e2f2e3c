import { randomInt } from 'node:crypto';
import { unknownScopes } from '../scopes.js';
import { SANDBOX_CLIENTS } from './clients.js';
import { slowModerationSeconds } from './rehearsal.js';
import {
  graphError,
  instagramOauthError,
  redirectBack,
  type SandboxReply,
  type SandboxRequest,
  type SandboxRoute,
} from './routing.js';
import { type Grant, isError, type SandboxState } from './state.js';

// Instagram API with Instagram Login, served by the sandbox: authorize, code → short-lived,
// short → long-lived, refresh, /me, the two-step content publishing (container, publish) and the
// account's publishing budget (content_publishing_limit, enforced by media_publish).
const SHORT_TTL_S = 3600; // as Instagram: short-lived tokens 1 h, long-lived 60 days
const LONG_TTL_S = 60 * 24 * 3600;
const VERSION = '(?:v\\d+\\.\\d+/)?';

const numericId = () => `18${String(randomInt(1e12)).padStart(15, '0')}`; // Graph ids: 17 digits, beyond 2^53

function presentedToken(req: SandboxRequest) {
  return req.params.access_token ?? req.bearer;
}

/** Graph's answer to a call on another user's node (the path's user id, or `me`, must be the token's). */
function otherUsersNode(req: SandboxRequest, grant: Grant, verb: 'get' | 'post'): SandboxReply | undefined {
  const userId = req.match[1]!;
  if (userId === grant.externalAccountId || userId === 'me') return undefined;
  return graphError(400, 100, `Unsupported ${verb} request: the token belongs to another user`);
}

function tokenGrant(req: SandboxRequest, state: SandboxState): Grant | SandboxReply {
  const grant = state.grantForAccessToken(presentedToken(req));
  if (isError(grant))
    return {
      ...graphError(400, 190, `Error validating access token: ${grant.error}`),
      log: { token: presentedToken(req), error: grant.error },
    };
  return grant;
}

const isGrant = (v: Grant | SandboxReply): v is Grant => 'externalAccountId' in v;

function longLivedAnswer(req: SandboxRequest, state: SandboxState, grant: Grant): SandboxReply {
  return {
    status: 200,
    body: {
      access_token: state.issueAccessToken(grant, 'IGAAsbx', LONG_TTL_S),
      token_type: 'bearer',
      expires_in: LONG_TTL_S,
    },
    log: { token: presentedToken(req), externalAccountId: grant.externalAccountId },
  };
}

export function createInstagramRoutes(): SandboxRoute[] {
  const containers = new Map<string, { userId: string }>();

  return [
    {
      endpoint: 'instagram.authorize',
      method: 'GET',
      path: /^\/oauth\/authorize\/?$/,
      family: 'authorize',
      handle(req, state) {
        const q = Object.fromEntries(req.query);
        if (q.client_id !== SANDBOX_CLIENTS.instagram.clientId)
          return { status: 400, body: { error_type: 'OAuthException', error_message: 'Invalid app ID' } };
        if (!q.redirect_uri || !URL.canParse(q.redirect_uri))
          return { status: 400, body: { error_type: 'OAuthException', error_message: 'Invalid redirect_uri' } };
        if (q.sandbox_deny)
          return redirectBack(q.redirect_uri, { error: 'access_denied', error_reason: 'user_denied', state: q.state });
        const scopes = (q.scope ?? '').split(',').filter(Boolean);
        const unknown = unknownScopes('instagram', scopes);
        if (unknown.length)
          return {
            status: 400,
            body: { error_type: 'OAuthException', error_message: `Invalid Scopes: ${unknown.join(', ')}` },
          };
        const code = state.issueCode({
          platform: 'instagram',
          clientId: q.client_id,
          redirectUri: q.redirect_uri,
          scopes,
          externalAccountId: q.sandbox_user,
          handle: q.sandbox_handle,
        });
        return redirectBack(q.redirect_uri, { code, state: q.state }, '#_'); // as Instagram: a "#_" tail
      },
    },
    {
      endpoint: 'instagram.token',
      method: 'POST',
      path: /^\/oauth\/access_token\/?$/,
      family: 'instagram-oauth',
      handle(req, state) {
        const p = req.params;
        const c = SANDBOX_CLIENTS.instagram;
        if (p.client_id !== c.clientId || p.client_secret !== c.clientSecret)
          return instagramOauthError('Invalid client_id or client_secret');
        if (p.grant_type !== 'authorization_code') return instagramOauthError('Unsupported grant_type');
        const code = state.redeemCode(p.code ?? '');
        if (isError(code)) return instagramOauthError(`Invalid authorization code: ${code.error}`);
        if (code.platform !== 'instagram' || code.redirectUri !== p.redirect_uri)
          return instagramOauthError('Error validating verification code: redirect_uri does not match');
        const grant = state.createGrant('instagram', code.externalAccountId, code.scopes);
        state.bindCode(p.code!, grant.id);
        const access_token = state.issueAccessToken(grant, 'IGQsbx', SHORT_TTL_S);
        return {
          status: 200,
          body: { data: [{ access_token, user_id: grant.externalAccountId, permissions: grant.scopes.join(',') }] },
          log: { externalAccountId: grant.externalAccountId },
        };
      },
    },
    {
      endpoint: 'instagram.exchange',
      method: 'GET',
      path: /^\/access_token\/?$/,
      family: 'instagram-graph',
      handle(req, state) {
        if (req.params.grant_type !== 'ig_exchange_token') return graphError(400, 100, 'Unsupported grant_type');
        if (req.params.client_secret !== SANDBOX_CLIENTS.instagram.clientSecret)
          return graphError(400, 101, 'Error validating client secret');
        const grant = tokenGrant(req, state);
        return isGrant(grant) ? longLivedAnswer(req, state, grant) : grant;
      },
    },
    {
      endpoint: 'instagram.refresh',
      method: 'GET',
      path: /^\/refresh_access_token\/?$/,
      family: 'instagram-graph',
      handle(req, state) {
        if (req.params.grant_type !== 'ig_refresh_token') return graphError(400, 100, 'Unsupported grant_type');
        const grant = tokenGrant(req, state);
        return isGrant(grant) ? longLivedAnswer(req, state, grant) : grant;
      },
    },
    {
      endpoint: 'instagram.profile',
      method: 'GET',
      path: new RegExp(`^/${VERSION}me/?$`),
      family: 'instagram-graph',
      handle(req, state) {
        const grant = tokenGrant(req, state);
        if (!isGrant(grant)) return grant;
        const { handle } = state.profile(grant.externalAccountId);
        return {
          status: 200,
          body: {
            user_id: grant.externalAccountId,
            id: grant.externalAccountId,
            username: handle,
            profile_picture_url: `https://sandbox.invalid/avatar/${handle}.jpg`,
          },
          log: { token: presentedToken(req) },
        };
      },
    },
    {
      endpoint: 'instagram.media',
      method: 'POST',
      path: new RegExp(`^/${VERSION}([\\w.-]+)/media/?$`),
      family: 'instagram-graph',
      handle(req, state) {
        const grant = tokenGrant(req, state);
        if (!isGrant(grant)) return grant;
        const foreign = otherUsersNode(req, grant, 'post');
        if (foreign) return foreign;
        const p = req.params;
        if (!p.image_url && !p.video_url && p.media_type !== 'CAROUSEL')
          return graphError(400, 100, 'image_url or video_url is required');
        const { externalId, replayed } = state.publish(
          `instagram-media:${grant.externalAccountId}`,
          req.idempotencyKey,
          numericId,
        );
        containers.set(externalId, { userId: grant.externalAccountId });
        const slow = slowModerationSeconds(req); // a rehearsed slow moderation (./rehearsal.ts)
        if (slow !== undefined && !replayed) state.holdProcessing(externalId, slow);
        return {
          status: 200,
          body: { id: externalId },
          log: { token: presentedToken(req), externalAccountId: grant.externalAccountId, externalId, replayed },
        };
      },
    },
    {
      endpoint: 'instagram.publish',
      method: 'POST',
      path: new RegExp(`^/${VERSION}([\\w.-]+)/media_publish/?$`),
      family: 'instagram-graph',
      handle(req, state) {
        const grant = tokenGrant(req, state);
        if (!isGrant(grant)) return grant;
        const container = containers.get(req.params.creation_id ?? '');
        if (!container || container.userId !== grant.externalAccountId)
          return graphError(400, 100, 'creation_id is not a container of this user');
        if (state.isProcessing(req.params.creation_id!))
          return graphError(400, 9007, 'The media is not ready for publishing, please wait for a moment', {
            error_subcode: 2207027,
          });
        const scope = `instagram:${grant.externalAccountId}`;
        if (!state.hasPublished(scope, req.idempotencyKey)) {
          const quota = state.quota('instagram', grant.externalAccountId);
          // As Graph: code 9 with subcode 2207042 once the moving window's budget is spent.
          if (quota.used >= quota.limit)
            return graphError(400, 9, 'Application request limit reached', {
              error_subcode: 2207042,
              error_user_msg: `The account has published ${quota.used} posts through the API in the last 24 hours.`,
            });
          state.spendQuota('instagram', grant.externalAccountId);
        }
        const { externalId, replayed } = state.publish(scope, req.idempotencyKey, numericId);
        return {
          status: 200,
          body: { id: externalId },
          log: { token: presentedToken(req), externalAccountId: grant.externalAccountId, externalId, replayed },
        };
      },
    },
    {
      endpoint: 'instagram.publishing_limit',
      method: 'GET',
      path: new RegExp(`^/${VERSION}([\\w.-]+)/content_publishing_limit/?$`),
      family: 'instagram-graph',
      handle(req, state) {
        const grant = tokenGrant(req, state);
        if (!isGrant(grant)) return grant;
        const foreign = otherUsersNode(req, grant, 'get');
        if (foreign) return foreign;
        // As Graph: quota_usage alone unless `fields` asks for config too.
        const fields = (req.params.fields ?? 'quota_usage').split(',');
        const q = state.quota('instagram', grant.externalAccountId);
        const row: Record<string, unknown> = { quota_usage: q.used };
        if (fields.includes('config')) row.config = { quota_total: q.limit, quota_duration: q.windowSeconds };
        return { status: 200, body: { data: [row] }, log: { token: presentedToken(req) } };
      },
    },
    {
      // The user's published media, newest first (Graph's GET /{ig-user-id}/media). Real Graph has
      // no field for a caller's reference; the sandbox's `sandbox_reference` filter (the
      // Idempotency-Key media_publish was sent with) serves the publisher's reconciliation.
      endpoint: 'instagram.media_list',
      method: 'GET',
      path: new RegExp(`^/${VERSION}([\\w.-]+)/media/?$`),
      family: 'instagram-graph',
      handle(req, state) {
        const grant = tokenGrant(req, state);
        if (!isGrant(grant)) return grant;
        const foreign = otherUsersNode(req, grant, 'get');
        if (foreign) return foreign;
        const scope = `instagram:${grant.externalAccountId}`;
        const reference = req.params.sandbox_reference;
        const posts =
          reference === undefined
            ? state.posts.filter((p) => p.scope === scope)
            : state.findByReference(scope, reference);
        const data = posts.map((p) => ({ id: p.externalId, timestamp: p.at })).reverse();
        return {
          status: 200,
          body: { data, paging: {} },
          log: { token: presentedToken(req), externalAccountId: grant.externalAccountId, found: data.length > 0 },
        };
      },
    },
    {
      endpoint: 'instagram.media_status',
      method: 'GET',
      path: new RegExp(`^/${VERSION}(\\d+)/?$`),
      family: 'instagram-graph',
      handle(req, state) {
        const grant = tokenGrant(req, state);
        if (!isGrant(grant)) return grant;
        if (!containers.has(req.match[1]!)) return graphError(400, 100, 'Unsupported get request');
        return {
          status: 200,
          body: { id: req.match[1], status_code: state.isProcessing(req.match[1]!) ? 'IN_PROGRESS' : 'FINISHED' },
          log: { token: presentedToken(req) },
        };
      },
    },
  ];
}
