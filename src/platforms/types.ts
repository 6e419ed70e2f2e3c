import type { PlatformToken } from '../crypto/token-envelope.js';
import type { Platform } from '../db/schema.js';
import type { PublishingQuota } from './quotas.js';

export type { Platform, PlatformToken, PublishingQuota };

/** The authorization request; `codeChallenge` is the S256 PKCE challenge (ignored where unsupported). */
export type AuthorizeParams = { state: string; redirectUri: string; scopes?: string[]; codeChallenge?: string };

export type ExchangeParams = { code: string; redirectUri: string; codeVerifier?: string };

/** What a completed authorization yields: the token and whose account it opens. */
export type PlatformGrant = { token: PlatformToken; externalAccountId: string; scopes: string[] };

export type PlatformProfile = { externalAccountId: string; handle: string; avatarUrl: string | null };

export type PublishInput = {
  externalAccountId: string;
  mediaUrls: string[];
  caption: string | null;
  mode: 'publish' | 'draft';
};

export type PublishResult = { externalId: string; externalUrl: string | null };

/**
 * Whether the platform can answer "do you have the post we sent with reference R?" — what the
 * publisher asks before sending again a post whose outcome is unknown. `none`: it cannot, reliably
 * (TikTok and Instagram today: docs/platform-rules.md "Exactly once"); such a post fails
 * PUBLISH_OUTCOME_UNKNOWN rather than risk a double post. The sandbox looks posts up `by_reference`.
 */
export type ReconcileCapability = 'by_reference' | 'none';

/** `reference`: what the post was sent with (the Idempotency-Key: our post id). */
export type PublishLookup = { externalAccountId: string; reference: string };

export type LookupResult = { found: true; externalId: string; externalUrl: string | null } | { found: false };

/** `unsupported`: the platform offers no way to revoke a grant (Instagram); nothing was called. */
export type RevokeResult = { outcome: 'revoked' | 'unsupported' };

/**
 * One platform's OAuth, publish and revocation API. Every method either resolves or throws a
 * PlatformError whose `kind` tells the caller what to do next.
 */
export interface PlatformAdapter {
  readonly platform: Platform;
  readonly supportsPkce: boolean;
  /** Refresh a token this long before it expires (platform-specific lifetimes). */
  readonly refreshWindowMs: number;
  readonly defaultScopes: readonly string[];
  authorizeUrl(params: AuthorizeParams): string;
  exchangeCode(params: ExchangeParams): Promise<PlatformGrant>;
  fetchProfile(token: PlatformToken): Promise<PlatformProfile>;
  refreshToken(token: PlatformToken): Promise<PlatformToken>;
  /** Real platforms ignore `idempotencyKey`; the sandbox honours it (Idempotency-Key header). */
  publish(token: PlatformToken, post: PublishInput, idempotencyKey: string): Promise<PublishResult>;
  /**
   * The account's publishing budget: read from the platform where it offers a way (Instagram's
   * content_publishing_limit, `source: 'platform'`), else the documented default (`'default'`).
   */
  readPublishingQuota(token: PlatformToken, externalAccountId: string): Promise<PublishingQuota>;
  readonly reconcile: ReconcileCapability;
  /**
   * Whether the platform has the post sent with `lookup.reference`. Only where `reconcile` is
   * `by_reference`; a lookup that gets no clear answer throws (never `found: false`).
   */
  findPublished(token: PlatformToken, lookup: PublishLookup): Promise<LookupResult>;
  /** RFC 7009 revocation of the grant behind `token`. */
  revokeToken(token: PlatformToken): Promise<RevokeResult>;
}

export type PlatformAdapters = Record<Platform, PlatformAdapter>;

/**
 * CREDENTIAL_INVALID: the user's grant is dead (invalid_grant, expired/revoked token) — reauth.
 * RETRYABLE: 5xx, 429, timeouts, network errors — try again later (a publish only when its
 * outcome is known: see `outcomeUnknown`).
 * PERMANENT: anything else (bad request, our client credentials) — retrying will not help.
 */
export type PlatformErrorKind = 'CREDENTIAL_INVALID' | 'RETRYABLE' | 'PERMANENT';

const MAX_MESSAGE_CHARS = 300; // enough for a platform's code and description, never a whole body

export class PlatformError extends Error {
  /** RETRYABLE only: how long the platform asked us to wait (its Retry-After), in ms. */
  retryAfterMs?: number;
  constructor(
    readonly kind: PlatformErrorKind,
    readonly platform: Platform,
    readonly endpoint: string,
    message: string,
    readonly status?: number,
    readonly platformCode?: string,
    /**
     * No answer, but the request may have reached the platform and been acted on (a timeout or a
     * connection lost after sending). Set only for calls that create a post (`publishes`).
     */
    readonly outcomeUnknown = false,
  ) {
    super(`${platform} ${endpoint}: ${message}`.slice(0, MAX_MESSAGE_CHARS));
    this.name = 'PlatformError';
  }
}

export function isPlatformError(err: unknown): err is PlatformError {
  return err instanceof PlatformError;
}
