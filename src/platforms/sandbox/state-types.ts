import type { Platform } from '../types.js';

// The shapes of the sandbox platform's state (./state.ts): fault modes and specs, the call log's
// entries, grants, authorization codes and access tokens, quota specs, settings and posts.

export type FaultMode =
  | '5xx'
  | 'timeout'
  | 'invalid_grant'
  | 'lost_response'
  | 'timeout_after_effect'
  | 'token_expired'
  | 'rate_limited';
export const FAULT_MODES: readonly FaultMode[] = [
  '5xx',
  'timeout',
  'invalid_grant',
  'lost_response',
  'timeout_after_effect',
  'token_expired', // the platform's "access token expired" error (TikTok 401, Graph 190/463)
  'rate_limited', // 429 with Retry-After (60 s; a rehearsed fault may name another)
];

/** `endpoint` is a name from SANDBOX_ENDPOINTS, or '*' for every platform endpoint. */
export type FaultSpec = { endpoint: string; mode: FaultMode; count?: number };

export type SandboxCall = {
  seq: number;
  /** ISO instant the call arrived. */
  at: string;
  endpoint: string;
  method: string;
  path: string;
  /** HTTP status answered; 0 when a `timeout` or `timeout_after_effect` fault left the call unanswered. */
  status: number;
  fault?: FaultMode;
  /** The token the call presented (bearer/access_token) or, for revoke, the token revoked. */
  token?: string;
  /** Revoke only: whether the token was one the sandbox had issued (RFC 7009 answers 200 either way). */
  known?: boolean;
  externalAccountId?: string;
  idempotencyKey?: string;
  externalId?: string;
  replayed?: boolean;
  /** A lookup (status fetch, media list): whether it found a post. */
  found?: boolean;
  error?: string;
  /** The X-Sandbox-Fault header the call carried (a partner's rehearsed fault), whether or not it applied. */
  rehearsal?: string;
};

export type Grant = {
  id: string;
  platform: Platform;
  externalAccountId: string;
  scopes: string[];
  revokedAt?: string;
  refreshToken?: string;
};

export type AuthCode = {
  platform: Platform;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  externalAccountId: string;
  codeChallenge?: string;
  expiresAt: number;
  usedAt?: number;
  grantId?: string;
};

export type AccessToken = { grantId: string; expiresAt: number };

/**
 * A test's setting of an account's publishing budget (POST /__sandbox/quotas): `limit` and
 * `windowSeconds` replace the platform default; `usedOutside` counts that many posts published
 * now outside the API (by the creator's app, another tool) against the window.
 */
export type QuotaSpec = {
  platform: Platform;
  externalAccountId: string;
  limit?: number;
  windowSeconds?: number;
  usedOutside?: number;
};

/**
 * How the sandbox behaves beyond faults. `ignoreIdempotencyKeys`: act like the real platforms,
 * which ignore our Idempotency-Key — every publish makes a new post, so only a lookup by reference
 * (not a replayed answer) can tell a caller what a lost call did.
 */
export type SandboxSettings = { ignoreIdempotencyKeys: boolean };

/** A post the sandbox made; `reference` is the Idempotency-Key it was sent with (our post id). */
export type SandboxPost = { scope: string; reference: string | undefined; externalId: string; at: string };
