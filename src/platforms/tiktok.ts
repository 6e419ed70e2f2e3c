import { type Clock, systemClock } from '../clock.js';
import {
  endpointUrl,
  expiresAtFrom,
  isRetryableStatus,
  type PlatformResponse,
  platformRequest,
  str,
  withRetryAfter,
} from './http.js';
import { defaultPublishingQuota } from './quotas.js';
import { DEFAULT_SCOPES } from './scopes.js';
import { type PlatformAdapter, PlatformError, type PlatformToken, type PublishInput } from './types.js';

// TikTok Login Kit v2 (OAuth 2.0, client_key instead of client_id) and the Content Posting API.
// Authorization is on www.tiktok.com; token, revoke, user info and publish on open.tiktokapis.com.
export const TIKTOK_HOSTS = { authorize: 'https://www.tiktok.com', api: 'https://open.tiktokapis.com' };

// Access tokens live 24 h (refresh tokens 365 days): refreshing 2 h ahead leaves a couple of
// dozen worker passes to succeed before the token lapses, even through a platform outage.
const REFRESH_WINDOW_MS = 2 * 3600 * 1000;
// Direct Post needs the creator's privacy options; public is what partners schedule for.
const PRIVACY_LEVEL = 'PUBLIC_TO_EVERYONE';
const IMAGE_URL = /\.(jpe?g|webp)(\?|#|$)/i; // TikTok photo posts accept JPEG and WebP only

/** How publish() sends a URL: a photo by its extension, else a video (the rule pack judges it the same way). */
export const isTikTokPhotoUrl = (url: string) => IMAGE_URL.test(url);

export type TikTokOptions = {
  /** One base URL for every TikTok host (the sandbox); absent → the real hosts. */
  baseUrl?: string;
  clientKey: string;
  clientSecret: string;
  timeoutMs?: number;
  clock?: Clock;
  /** The sandbox's extension: status fetch by the reference a post was sent with (sandbox_reference). */
  lookupByReference?: boolean;
  /** Sandbox adapters only: headers for each call (the rehearsed fault, src/platforms/rehearsal.ts). */
  sandboxHeaders?: () => Record<string, string> | undefined;
};

/** OAuth endpoints answer `{error, error_description, log_id}`; invalid_grant means reauth. */
function oauthFailure(endpoint: string, res: PlatformResponse): PlatformError | undefined {
  const error = str(res.body.error);
  if (res.status >= 200 && res.status < 300 && !error) return undefined;
  const detail = `HTTP ${res.status} ${error ?? ''} ${str(res.body.error_description) ?? ''}`.trim();
  if (error === 'invalid_grant')
    return new PlatformError('CREDENTIAL_INVALID', 'tiktok', endpoint, detail, res.status, error);
  if (error === 'server_error' || error === 'temporarily_unavailable' || isRetryableStatus(res.status)) {
    return withRetryAfter(new PlatformError('RETRYABLE', 'tiktok', endpoint, detail, res.status, error), res);
  }
  return new PlatformError('PERMANENT', 'tiktok', endpoint, detail, res.status, error);
}

/** Open API endpoints answer `{data, error: {code, message, log_id}}`, code "ok" on success. */
function apiFailure(endpoint: string, res: PlatformResponse): PlatformError | undefined {
  const err = (res.body.error ?? {}) as Record<string, unknown>;
  const code = str(err.code);
  if (res.status >= 200 && res.status < 300 && (code === undefined || code === 'ok')) return undefined;
  const detail = `HTTP ${res.status} ${code ?? ''} ${str(err.message) ?? ''}`.trim();
  if (code === 'access_token_invalid' || code === 'scope_not_authorized' || res.status === 401) {
    return new PlatformError('CREDENTIAL_INVALID', 'tiktok', endpoint, detail, res.status, code);
  }
  if (code === 'rate_limit_exceeded' || code === 'internal_error' || isRetryableStatus(res.status)) {
    return withRetryAfter(new PlatformError('RETRYABLE', 'tiktok', endpoint, detail, res.status, code), res);
  }
  return new PlatformError('PERMANENT', 'tiktok', endpoint, detail, res.status, code);
}

function tokenFrom(body: Record<string, unknown>, now: Date, previous?: PlatformToken): PlatformToken {
  const accessToken = str(body.access_token);
  if (!accessToken) throw new PlatformError('RETRYABLE', 'tiktok', 'oauth/token', 'answer carried no access_token');
  return {
    accessToken,
    refreshToken: str(body.refresh_token) ?? previous?.refreshToken,
    expiresAt: expiresAtFrom(now, body.expires_in),
    scope: str(body.scope) ?? previous?.scope,
  };
}

function publishRequest(post: PublishInput) {
  const photos = post.mediaUrls.length > 0 && post.mediaUrls.every(isTikTokPhotoUrl);
  const title = post.caption ?? undefined;
  if (photos) {
    return {
      path: '/v2/post/publish/content/init/',
      json: {
        post_info: { title, privacy_level: PRIVACY_LEVEL },
        source_info: { source: 'PULL_FROM_URL', photo_cover_index: 0, photo_images: post.mediaUrls },
        post_mode: post.mode === 'draft' ? 'MEDIA_UPLOAD' : 'DIRECT_POST',
        media_type: 'PHOTO',
      },
    };
  }
  const source_info = { source: 'PULL_FROM_URL', video_url: post.mediaUrls[0] };
  return post.mode === 'draft'
    ? { path: '/v2/post/publish/inbox/video/init/', json: { source_info } }
    : {
        path: '/v2/post/publish/video/init/',
        json: { post_info: { title, privacy_level: PRIVACY_LEVEL }, source_info },
      };
}

export function createTikTokAdapter(opts: TikTokOptions): PlatformAdapter {
  const authBase = opts.baseUrl ?? TIKTOK_HOSTS.authorize;
  const apiBase = opts.baseUrl ?? TIKTOK_HOSTS.api;
  const clock = opts.clock ?? systemClock;
  const client = { client_key: opts.clientKey, client_secret: opts.clientSecret };
  const call = (endpoint: string, init: Omit<Parameters<typeof platformRequest>[0], 'platform' | 'endpoint'>) =>
    platformRequest({
      platform: 'tiktok',
      endpoint,
      timeoutMs: opts.timeoutMs,
      headers: opts.sandboxHeaders?.(),
      ...init,
    });

  return {
    platform: 'tiktok',
    supportsPkce: true,
    refreshWindowMs: REFRESH_WINDOW_MS,
    defaultScopes: DEFAULT_SCOPES.tiktok,

    authorizeUrl(p) {
      const url = endpointUrl(authBase, '/v2/auth/authorize/');
      url.searchParams.set('client_key', opts.clientKey);
      url.searchParams.set('scope', (p.scopes ?? DEFAULT_SCOPES.tiktok).join(','));
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('redirect_uri', p.redirectUri);
      url.searchParams.set('state', p.state);
      if (p.codeChallenge) {
        url.searchParams.set('code_challenge', p.codeChallenge);
        url.searchParams.set('code_challenge_method', 'S256');
      }
      return url.toString();
    },

    async exchangeCode(p) {
      const res = await call('oauth/token', {
        method: 'POST',
        url: endpointUrl(apiBase, '/v2/oauth/token/').toString(),
        form: {
          ...client,
          code: p.code,
          grant_type: 'authorization_code',
          redirect_uri: p.redirectUri,
          code_verifier: p.codeVerifier,
        },
      });
      const failure = oauthFailure('oauth/token', res);
      if (failure) throw failure;
      const token = tokenFrom(res.body, clock.now());
      const openId = str(res.body.open_id);
      if (!openId)
        throw new PlatformError('PERMANENT', 'tiktok', 'oauth/token', 'answer carried no open_id', res.status);
      return { token, externalAccountId: openId, scopes: (token.scope ?? '').split(',').filter(Boolean) };
    },

    async fetchProfile(token) {
      const url = endpointUrl(apiBase, '/v2/user/info/');
      url.searchParams.set('fields', 'open_id,avatar_url,display_name,username');
      const res = await call('user/info', { method: 'GET', url: url.toString(), bearer: token.accessToken });
      const failure = apiFailure('user/info', res);
      if (failure) throw failure;
      const user = ((res.body.data as Record<string, unknown> | undefined)?.user ?? {}) as Record<string, unknown>;
      return {
        externalAccountId: str(user.open_id) ?? '',
        handle: str(user.username) ?? str(user.display_name) ?? '',
        avatarUrl: str(user.avatar_url) ?? null,
      };
    },

    async refreshToken(token) {
      if (!token.refreshToken)
        throw new PlatformError('CREDENTIAL_INVALID', 'tiktok', 'oauth/token', 'no refresh token stored');
      const res = await call('oauth/token', {
        method: 'POST',
        url: endpointUrl(apiBase, '/v2/oauth/token/').toString(),
        form: { ...client, grant_type: 'refresh_token', refresh_token: token.refreshToken },
      });
      const failure = oauthFailure('oauth/token', res);
      if (failure) throw failure;
      return tokenFrom(res.body, clock.now(), token);
    },

    async publish(token, post, idempotencyKey) {
      const { path, json } = publishRequest(post);
      const res = await call('post/publish', {
        method: 'POST',
        url: endpointUrl(apiBase, path).toString(),
        json,
        bearer: token.accessToken,
        idempotencyKey,
        publishes: true,
      });
      const failure = apiFailure('post/publish', res);
      if (failure) throw failure;
      const publishId = str((res.body.data as Record<string, unknown> | undefined)?.publish_id);
      if (!publishId)
        throw new PlatformError('RETRYABLE', 'tiktok', 'post/publish', 'answer carried no publish_id', res.status);
      // The public post id arrives later (publish/status/fetch); the publish_id is the handle until then.
      return { externalId: publishId, externalUrl: null };
    },

    async readPublishingQuota() {
      // TikTok offers no quota endpoint: the documented default, not read from the platform.
      return defaultPublishingQuota('tiktok');
    },

    // TikTok's /v2/post/publish/status/fetch/ needs the publish_id, which is exactly what a lost
    // answer (or a crash) never delivered, and its Display API lists public videos only after
    // moderation (drafts never): no reliable lookup. Only the sandbox answers by our reference.
    reconcile: opts.lookupByReference ? 'by_reference' : 'none',

    async findPublished(token, lookup) {
      if (!opts.lookupByReference)
        throw new PlatformError('PERMANENT', 'tiktok', 'post/publish/status', 'no lookup by reference on TikTok');
      const res = await call('post/publish/status', {
        method: 'POST',
        url: endpointUrl(apiBase, '/v2/post/publish/status/fetch/').toString(),
        json: { sandbox_reference: lookup.reference },
        bearer: token.accessToken,
      });
      if (
        res.status === 400 &&
        str((res.body.error as Record<string, unknown> | undefined)?.code) === 'invalid_publish_id'
      )
        return { found: false };
      const failure = apiFailure('post/publish/status', res);
      if (failure) throw failure;
      const publishId = str((res.body.data as Record<string, unknown> | undefined)?.publish_id);
      if (!publishId)
        throw new PlatformError(
          'RETRYABLE',
          'tiktok',
          'post/publish/status',
          'answer carried no publish_id',
          res.status,
        );
      return { found: true, externalId: publishId, externalUrl: null };
    },

    async revokeToken(token) {
      const res = await call('oauth/revoke', {
        method: 'POST',
        url: endpointUrl(apiBase, '/v2/oauth/revoke/').toString(),
        form: { ...client, token: token.accessToken },
      });
      const failure = oauthFailure('oauth/revoke', res);
      if (failure) throw failure;
      return { outcome: 'revoked' };
    },
  };
}
