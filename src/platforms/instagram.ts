import { setTimeout as sleep } from 'node:timers/promises';
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
import { DEFAULT_PUBLISH_QUOTAS } from './quotas.js';
import { DEFAULT_SCOPES } from './scopes.js';
import { type PlatformAdapter, PlatformError, type PlatformToken, type PublishInput } from './types.js';

// The Instagram API with Instagram Login ("Business Login"): authorize on www.instagram.com,
// code → short-lived token on api.instagram.com, short → long-lived (60 days) and refresh and
// content publishing on graph.instagram.com. No PKCE, no refresh token, no revocation endpoint.
export const INSTAGRAM_HOSTS = {
  authorize: 'https://www.instagram.com',
  oauth: 'https://api.instagram.com',
  graph: 'https://graph.instagram.com',
};
const GRAPH_VERSION = 'v23.0'; // pinned: Graph API versions change response shapes
// Long-lived tokens last 60 days and can be refreshed once 24 h old: a week ahead survives
// any outage we would not notice anyway, and never hits the 24 h floor.
const REFRESH_WINDOW_MS = 7 * 24 * 3600 * 1000;
// A video container is processed asynchronously; publish only once it is FINISHED.
const CONTAINER_POLLS = 5;
const CONTAINER_POLL_INTERVAL_MS = 2_000; // 5 × 2 s: a short reel; longer ones come back RETRYABLE
const IMAGE_URL = /\.(jpe?g|png|webp)(\?|#|$)/i;

/** How publish() sends a URL: an image by its extension, else a video (the rule pack judges it the same way). */
export const isInstagramImageUrl = (url: string) => IMAGE_URL.test(url);
// Graph error codes that mean "try again": unknown/transient, service down, rate limits, and
// 9007 (media_publish of a container still being processed: "media is not ready for publishing").
const TRANSIENT_CODES = new Set([1, 2, 4, 17, 32, 341, 613, 9007]);

export type InstagramOptions = {
  /** One base URL for every Instagram host (the sandbox); absent → the real hosts. */
  baseUrl?: string;
  clientId: string;
  clientSecret: string;
  timeoutMs?: number;
  clock?: Clock;
  /** Test hook: how long to wait between container status checks. */
  containerPollIntervalMs?: number;
  /** The sandbox's extension: the user's media filtered by the reference a post was sent with. */
  lookupByReference?: boolean;
  /** Sandbox adapters only: headers for each call (the rehearsed fault, src/platforms/rehearsal.ts). */
  sandboxHeaders?: () => Record<string, string> | undefined;
};

/**
 * Graph answers `{error: {message, type, code, is_transient}}`; the code exchange on
 * api.instagram.com answers `{error_type, code, error_message}`. 190 is a dead token; an
 * OAuthException on the code exchange is a bad, used or expired code.
 */
function failure(endpoint: string, res: PlatformResponse): PlatformError | undefined {
  const graph =
    res.body.error && typeof res.body.error === 'object' ? (res.body.error as Record<string, unknown>) : undefined;
  const errorType = str(res.body.error_type);
  if (res.status >= 200 && res.status < 300 && !graph && !errorType) return undefined;
  const code = Number(graph?.code ?? res.body.code);
  const message = str(graph?.message) ?? str(res.body.error_message) ?? '';
  const detail =
    `HTTP ${res.status} ${str(graph?.type) ?? errorType ?? ''} ${Number.isFinite(code) ? code : ''} ${message}`
      .replace(/\s+/g, ' ')
      .trim();
  const platformCode = Number.isFinite(code) ? String(code) : errorType;
  if (code === 190 || code === 10 || (code >= 200 && code < 300) || errorType === 'OAuthException') {
    return new PlatformError('CREDENTIAL_INVALID', 'instagram', endpoint, detail, res.status, platformCode);
  }
  if (graph?.is_transient === true || TRANSIENT_CODES.has(code) || isRetryableStatus(res.status)) {
    return withRetryAfter(new PlatformError('RETRYABLE', 'instagram', endpoint, detail, res.status, platformCode), res);
  }
  return new PlatformError('PERMANENT', 'instagram', endpoint, detail, res.status, platformCode);
}

function ok(endpoint: string, res: PlatformResponse): Record<string, unknown> {
  const f = failure(endpoint, res);
  if (f) throw f;
  return res.body;
}

function longLived(body: Record<string, unknown>, now: Date, endpoint: string, scope?: string): PlatformToken {
  const accessToken = str(body.access_token);
  if (!accessToken) throw new PlatformError('RETRYABLE', 'instagram', endpoint, 'answer carried no access_token');
  return { accessToken, expiresAt: expiresAtFrom(now, body.expires_in), scope };
}

function containerFields(url: string): Record<string, string> {
  return IMAGE_URL.test(url) ? { image_url: url } : { media_type: 'REELS', video_url: url };
}

export function createInstagramAdapter(opts: InstagramOptions): PlatformAdapter {
  const hosts = opts.baseUrl ? { authorize: opts.baseUrl, oauth: opts.baseUrl, graph: opts.baseUrl } : INSTAGRAM_HOSTS;
  const clock = opts.clock ?? systemClock;
  const pollMs = opts.containerPollIntervalMs ?? CONTAINER_POLL_INTERVAL_MS;
  const graph = (path: string) => endpointUrl(hosts.graph, `/${GRAPH_VERSION}${path}`).toString();
  const call = (endpoint: string, init: Omit<Parameters<typeof platformRequest>[0], 'platform' | 'endpoint'>) =>
    platformRequest({
      platform: 'instagram',
      endpoint,
      timeoutMs: opts.timeoutMs,
      headers: opts.sandboxHeaders?.(),
      ...init,
    });

  async function createContainer(token: PlatformToken, post: PublishInput, key: string): Promise<string> {
    const user = encodeURIComponent(post.externalAccountId);
    const caption = post.caption ?? undefined;
    const single = post.mediaUrls.length === 1;
    const childIds: string[] = [];
    for (const [i, url] of post.mediaUrls.entries()) {
      const form = single
        ? { ...containerFields(url), caption, access_token: token.accessToken }
        : { ...containerFields(url), is_carousel_item: 'true', access_token: token.accessToken };
      const body = ok(
        'media',
        await call('media', { method: 'POST', url: graph(`/${user}/media`), form, idempotencyKey: `${key}:${i}` }),
      );
      childIds.push(str(body.id) ?? '');
      if (!IMAGE_URL.test(url)) await waitUntilFinished(token, childIds[childIds.length - 1]!);
    }
    if (single) return childIds[0]!;
    const form = { media_type: 'CAROUSEL', children: childIds.join(','), caption, access_token: token.accessToken };
    return (
      str(
        ok('media', await call('media', { method: 'POST', url: graph(`/${user}/media`), form, idempotencyKey: key }))
          .id,
      ) ?? ''
    );
  }

  async function waitUntilFinished(token: PlatformToken, containerId: string) {
    for (let i = 0; i < CONTAINER_POLLS; i++) {
      const url = new URL(graph(`/${encodeURIComponent(containerId)}`));
      url.searchParams.set('fields', 'status_code');
      url.searchParams.set('access_token', token.accessToken);
      const status = str(
        ok('media/status', await call('media/status', { method: 'GET', url: url.toString() })).status_code,
      );
      if (status === 'FINISHED') return;
      if (status === 'ERROR' || status === 'EXPIRED')
        throw new PlatformError('PERMANENT', 'instagram', 'media/status', `container ${status}`);
      await sleep(pollMs);
    }
    throw new PlatformError('RETRYABLE', 'instagram', 'media/status', 'container still processing');
  }

  return {
    platform: 'instagram',
    supportsPkce: false,
    refreshWindowMs: REFRESH_WINDOW_MS,
    defaultScopes: DEFAULT_SCOPES.instagram,

    authorizeUrl(p) {
      const url = endpointUrl(hosts.authorize, '/oauth/authorize');
      url.searchParams.set('client_id', opts.clientId);
      url.searchParams.set('redirect_uri', p.redirectUri);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('scope', (p.scopes ?? DEFAULT_SCOPES.instagram).join(','));
      url.searchParams.set('state', p.state);
      return url.toString();
    },

    async exchangeCode(p) {
      const code = p.code.replace(/#_$/, ''); // Instagram appends "#_" to the redirect's code
      const short = ok(
        'oauth/access_token',
        await call('oauth/access_token', {
          method: 'POST',
          url: endpointUrl(hosts.oauth, '/oauth/access_token').toString(),
          form: {
            client_id: opts.clientId,
            client_secret: opts.clientSecret,
            grant_type: 'authorization_code',
            redirect_uri: p.redirectUri,
            code,
          },
        }),
      );
      // Business Login wraps the answer in `data: [...]`; the older shape is flat.
      const first = (Array.isArray(short.data) ? short.data[0] : short) as Record<string, unknown>;
      const shortToken = str(first?.access_token);
      const userId = str(first?.user_id);
      if (!shortToken || !userId)
        throw new PlatformError('PERMANENT', 'instagram', 'oauth/access_token', 'answer carried no token or user_id');
      const url = endpointUrl(hosts.graph, '/access_token');
      url.searchParams.set('grant_type', 'ig_exchange_token');
      url.searchParams.set('client_secret', opts.clientSecret);
      url.searchParams.set('access_token', shortToken);
      const body = ok('access_token', await call('access_token', { method: 'GET', url: url.toString() }));
      const permissions = str(first.permissions);
      return {
        token: longLived(body, clock.now(), 'access_token', permissions),
        externalAccountId: userId,
        scopes: (permissions ?? '').split(',').filter(Boolean),
      };
    },

    async fetchProfile(token) {
      const url = new URL(graph('/me'));
      url.searchParams.set('fields', 'user_id,username,profile_picture_url');
      url.searchParams.set('access_token', token.accessToken);
      const body = ok('me', await call('me', { method: 'GET', url: url.toString() }));
      return {
        externalAccountId: str(body.user_id) ?? str(body.id) ?? '',
        handle: str(body.username) ?? '',
        avatarUrl: str(body.profile_picture_url) ?? null,
      };
    },

    async refreshToken(token) {
      const url = endpointUrl(hosts.graph, '/refresh_access_token');
      url.searchParams.set('grant_type', 'ig_refresh_token');
      url.searchParams.set('access_token', token.accessToken);
      const body = ok(
        'refresh_access_token',
        await call('refresh_access_token', { method: 'GET', url: url.toString() }),
      );
      return longLived(body, clock.now(), 'refresh_access_token', token.scope);
    },

    async publish(token, post, idempotencyKey) {
      const creationId = await createContainer(token, post, idempotencyKey);
      const user = encodeURIComponent(post.externalAccountId);
      const body = ok(
        'media_publish',
        await call('media_publish', {
          method: 'POST',
          url: graph(`/${user}/media_publish`),
          form: { creation_id: creationId, access_token: token.accessToken },
          idempotencyKey,
          publishes: true,
        }),
      );
      const mediaId = str(body.id);
      if (!mediaId) throw new PlatformError('RETRYABLE', 'instagram', 'media_publish', 'answer carried no id');
      return { externalId: mediaId, externalUrl: null };
    },

    async readPublishingQuota(token, externalAccountId) {
      const url = new URL(graph(`/${encodeURIComponent(externalAccountId)}/content_publishing_limit`));
      url.searchParams.set('fields', 'config,quota_usage');
      url.searchParams.set('access_token', token.accessToken);
      const endpoint = 'content_publishing_limit';
      const body = ok(endpoint, await call(endpoint, { method: 'GET', url: url.toString() }));
      // `{data: [{quota_usage, config: {quota_total, quota_duration}}]}`; a missing config keeps the default.
      const row = (Array.isArray(body.data) ? body.data[0] : undefined) as Record<string, unknown> | undefined;
      const config = (row?.config ?? {}) as Record<string, unknown>;
      const used = Number(row?.quota_usage);
      if (!Number.isInteger(used) || used < 0)
        throw new PlatformError('RETRYABLE', 'instagram', endpoint, 'answer carried no quota_usage');
      const limit = Number(config.quota_total);
      const windowSeconds = Number(config.quota_duration);
      if (!Number.isInteger(limit) || limit < 0 || !Number.isInteger(windowSeconds) || windowSeconds <= 0)
        return { ...DEFAULT_PUBLISH_QUOTAS.instagram, source: 'default', used };
      return { limit, windowSeconds, source: 'platform', used };
    },

    // Graph's media of a user (GET /{ig-user-id}/media) has no field for a caller's reference:
    // matching caption and timestamp is a guess. A container's status_code turns PUBLISHED once its
    // media is out, but only the process that created the container knows its id, and it does not
    // give the media id. So no reliable lookup; only the sandbox answers by our reference.
    reconcile: opts.lookupByReference ? 'by_reference' : 'none',

    async findPublished(token, lookup) {
      if (!opts.lookupByReference)
        throw new PlatformError('PERMANENT', 'instagram', 'media/list', 'no lookup by reference on Instagram');
      const url = new URL(graph(`/${encodeURIComponent(lookup.externalAccountId)}/media`));
      url.searchParams.set('fields', 'id,timestamp');
      url.searchParams.set('sandbox_reference', lookup.reference);
      url.searchParams.set('access_token', token.accessToken);
      const body = ok('media/list', await call('media/list', { method: 'GET', url: url.toString() }));
      if (!Array.isArray(body.data))
        throw new PlatformError('RETRYABLE', 'instagram', 'media/list', 'answer carried no data list');
      const first = body.data[0] as Record<string, unknown> | undefined;
      const id = str(first?.id);
      return id ? { found: true, externalId: id, externalUrl: null } : { found: false };
    },

    async revokeToken() {
      // Instagram offers no RFC 7009 endpoint; the grant lapses at expiry or when the user removes the app.
      return { outcome: 'unsupported' };
    },
  };
}
