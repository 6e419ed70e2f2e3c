import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FaultMode, SandboxCall, SandboxState } from './state.js';

/** How a platform family shapes its errors, so faults look like the real platform's. */
export type ErrorFamily = 'authorize' | 'tiktok-oauth' | 'tiktok-api' | 'instagram-oauth' | 'instagram-graph';

export type SandboxRequest = {
  method: string;
  path: string;
  match: RegExpMatchArray;
  query: URLSearchParams;
  /** Form fields merged over the query string (Graph takes parameters in either). */
  params: Record<string, string>;
  json: Record<string, unknown> | undefined;
  headers: IncomingHttpHeaders;
  bearer: string | undefined;
  idempotencyKey: string | undefined;
};

export type SandboxReply = {
  status: number;
  body?: unknown;
  location?: string;
  headers?: Record<string, string>;
  /** Extra fields for this call's log entry. */
  log?: Partial<Omit<SandboxCall, 'seq' | 'at'>>;
};

export type SandboxRoute = {
  endpoint: string;
  method: 'GET' | 'POST';
  path: RegExp;
  family: ErrorFamily;
  handle(req: SandboxRequest, state: SandboxState): SandboxReply;
};

export const logId = () => `sbx${randomBytes(8).toString('hex')}`;

export const tiktokOauthError = (status: number, error: string, description: string): SandboxReply => ({
  status,
  body: { error, error_description: description, log_id: logId() },
  log: { error: `${error}: ${description}` },
});

export const tiktokApiError = (status: number, code: string, message: string): SandboxReply => ({
  status,
  body: { data: {}, error: { code, message, log_id: logId() } },
  log: { error: `${code}: ${message}` },
});

export const graphError = (
  status: number,
  code: number,
  message: string,
  extra: Record<string, unknown> = {},
): SandboxReply => ({
  status,
  body: { error: { message, type: 'OAuthException', code, fbtrace_id: logId(), ...extra } },
  log: { error: `${code}: ${message}` },
});

export const instagramOauthError = (message: string): SandboxReply => ({
  status: 400,
  body: { error_type: 'OAuthException', code: 400, error_message: message },
  log: { error: message },
});

/** Where an authorize request sends the browser back, with `fields` added to its query. */
export function redirectBack(
  redirectUri: string,
  fields: Record<string, string | undefined>,
  fragment = '',
): SandboxReply {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) url.searchParams.set(k, v);
  return { status: 302, location: url.toString() + fragment };
}

const DEFAULT_RETRY_AFTER_S = 60;

/** The answer a fault gives, shaped like the platform's own error of that kind. */
export function faultReply(
  family: ErrorFamily,
  mode: Exclude<FaultMode, 'timeout' | 'timeout_after_effect'>,
  req: SandboxRequest,
  opts: { retryAfterSeconds?: number } = {},
): SandboxReply {
  if (mode === 'rate_limited') {
    const reply = rateLimitedReply(family);
    return { ...reply, headers: { 'retry-after': String(opts.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_S) } };
  }
  if (mode === 'token_expired') return expiredTokenReply(family, req);
  const unavailable = mode !== 'invalid_grant';
  switch (family) {
    case 'authorize': {
      const redirectUri = req.query.get('redirect_uri');
      if (unavailable || !redirectUri) return { status: 503, body: { error: 'temporarily_unavailable' } };
      return redirectBack(redirectUri, {
        error: 'access_denied',
        error_description: 'sandbox fault',
        state: req.query.get('state') ?? undefined,
      });
    }
    case 'tiktok-oauth':
      return unavailable
        ? tiktokOauthError(503, 'temporarily_unavailable', 'sandbox fault: service unavailable')
        : tiktokOauthError(400, 'invalid_grant', 'sandbox fault: grant is invalid');
    case 'tiktok-api':
      return unavailable
        ? tiktokApiError(503, 'internal_error', 'sandbox fault: service unavailable')
        : tiktokApiError(401, 'access_token_invalid', 'sandbox fault: access token is invalid');
    case 'instagram-oauth':
      return unavailable
        ? graphError(503, 2, 'sandbox fault: service temporarily unavailable', { is_transient: true })
        : instagramOauthError('sandbox fault: invalid authorization code');
    case 'instagram-graph':
      return unavailable
        ? graphError(503, 2, 'sandbox fault: service temporarily unavailable', { is_transient: true })
        : graphError(400, 190, 'sandbox fault: error validating access token');
  }
}

/** 429 as each family says "slow down" (TikTok rate_limit_exceeded, Graph code 4). */
function rateLimitedReply(family: ErrorFamily): SandboxReply {
  switch (family) {
    case 'authorize':
      return { status: 429, body: { error: 'rate_limited' } };
    case 'tiktok-oauth':
      return tiktokOauthError(429, 'rate_limit_exceeded', 'sandbox fault: too many requests');
    case 'tiktok-api':
      return tiktokApiError(429, 'rate_limit_exceeded', 'sandbox fault: too many requests');
    case 'instagram-oauth':
    case 'instagram-graph':
      return graphError(429, 4, 'sandbox fault: application request limit reached', { is_transient: true });
  }
}

/** The platform's own "this token has expired" (TikTok access_token_invalid, Graph 190 subcode 463). */
function expiredTokenReply(family: ErrorFamily, req: SandboxRequest): SandboxReply {
  switch (family) {
    case 'tiktok-oauth':
      return tiktokOauthError(400, 'invalid_grant', 'sandbox fault: refresh token has expired');
    case 'tiktok-api':
      return tiktokApiError(401, 'access_token_invalid', 'sandbox fault: the access token has expired');
    case 'instagram-graph':
      return graphError(400, 190, 'sandbox fault: error validating access token: session has expired', {
        error_subcode: 463,
      });
    default:
      return faultReply(family, 'invalid_grant', req);
  }
}
