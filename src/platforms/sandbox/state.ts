import { randomBytes, randomInt } from 'node:crypto';
import { DEFAULT_PUBLISH_QUOTAS } from '../quotas.js';
import type { Platform } from '../types.js';
import type {
  AccessToken,
  AuthCode,
  FaultMode,
  FaultSpec,
  Grant,
  QuotaSpec,
  SandboxCall,
  SandboxPost,
  SandboxSettings,
} from './state-types.js';

// The sandbox platform's memory: authorization codes, grants and their tokens, published
// posts, armed faults, and the call log that tests read as the witness of what happened.
// Their shapes are in ./state-types.ts, re-exported here so importers need not know.

export type * from './state-types.js';
export { FAULT_MODES } from './state-types.js';

const DEFAULT_SETTINGS: SandboxSettings = { ignoreIdempotencyKeys: false };

const CODE_TTL_MS = 10 * 60 * 1000; // RFC 6749 §4.1.2 recommends at most 10 minutes

export function createSandboxState(now: () => number) {
  const codes = new Map<string, AuthCode>();
  const grants = new Map<string, Grant>();
  const accessTokens = new Map<string, AccessToken>();
  const refreshTokens = new Map<string, string>(); // token → grant id
  const users = new Map<string, { handle: string }>();
  const published = new Map<string, string>(); // endpoint + idempotency key → external id
  const posts: SandboxPost[] = []; // every post made, in order (replays make none)
  const settings: SandboxSettings = { ...DEFAULT_SETTINGS };
  const faults = new Map<string, { mode: FaultMode; remaining: number | undefined }>();
  const quotaSettings = new Map<string, { limit?: number; windowSeconds?: number }>(); // platform:account
  const spent = new Map<string, number[]>(); // platform:account → when each counted post was published
  const processingUntil = new Map<string, number>(); // container id → when a slow moderation ends
  const log: SandboxCall[] = [];
  let seq = 0;

  const random = (prefix: string) => `${prefix}${randomBytes(18).toString('base64url')}`;

  function user(platform: Platform, externalAccountId?: string, handle?: string) {
    const id =
      externalAccountId ??
      (platform === 'tiktok' ? random('sbx-open-') : `178414${String(randomInt(1e9)).padStart(11, '0')}`);
    const known = users.get(id);
    users.set(id, { handle: handle ?? known?.handle ?? `sandbox_${id.slice(-6).toLowerCase()}` });
    return id;
  }

  return {
    log,
    posts,
    settings,

    configure(s: Partial<SandboxSettings>) {
      Object.assign(settings, s);
    },

    record(call: Omit<SandboxCall, 'seq' | 'at'>): SandboxCall {
      const entry = { seq: ++seq, at: new Date(now()).toISOString(), ...call };
      log.push(entry);
      return entry;
    },

    setFault(spec: FaultSpec) {
      faults.set(spec.endpoint, { mode: spec.mode, remaining: spec.count });
    },
    clearFaults() {
      faults.clear();
    },
    /** Consumes one use of the fault armed for this endpoint (or '*'), if any. */
    takeFault(endpoint: string): FaultMode | undefined {
      for (const key of [endpoint, '*']) {
        const f = faults.get(key);
        if (!f) continue;
        if (f.remaining !== undefined && --f.remaining <= 0) faults.delete(key);
        return f.mode;
      }
      return undefined;
    },

    setQuota(spec: QuotaSpec) {
      const key = `${spec.platform}:${spec.externalAccountId}`;
      const known = quotaSettings.get(key);
      quotaSettings.set(key, {
        limit: spec.limit ?? known?.limit,
        windowSeconds: spec.windowSeconds ?? known?.windowSeconds,
      });
      for (let i = 0; i < (spec.usedOutside ?? 0); i++) this.spendQuota(spec.platform, spec.externalAccountId);
      return this.quota(spec.platform, spec.externalAccountId);
    },
    /** The account's budget and what its moving window holds right now. */
    quota(platform: Platform, externalAccountId: string) {
      const key = `${platform}:${externalAccountId}`;
      const set = quotaSettings.get(key);
      const limit = set?.limit ?? DEFAULT_PUBLISH_QUOTAS[platform].limit;
      const windowSeconds = set?.windowSeconds ?? DEFAULT_PUBLISH_QUOTAS[platform].windowSeconds;
      const since = now() - windowSeconds * 1000;
      const used = (spent.get(key) ?? []).filter((at) => at > since).length;
      return { limit, windowSeconds, used };
    },
    spendQuota(platform: Platform, externalAccountId: string) {
      const key = `${platform}:${externalAccountId}`;
      spent.set(key, [...(spent.get(key) ?? []), now()]);
    },

    issueCode(c: Omit<AuthCode, 'expiresAt' | 'externalAccountId'> & { externalAccountId?: string; handle?: string }) {
      const code = random('sbx-code-');
      codes.set(code, {
        ...c,
        externalAccountId: user(c.platform, c.externalAccountId, c.handle),
        expiresAt: now() + CODE_TTL_MS,
      });
      return code;
    },

    /** A code is good once: a replay is refused and revokes what the first use issued (RFC 6749 §4.1.2). */
    redeemCode(code: string): AuthCode | { error: string } {
      const c = codes.get(code);
      if (!c) return { error: 'authorization code is unknown' };
      if (c.usedAt !== undefined) {
        if (c.grantId) this.revokeGrant(c.grantId);
        return { error: 'authorization code was already used' };
      }
      c.usedAt = now();
      if (c.expiresAt < now()) return { error: 'authorization code expired' };
      return c;
    },

    bindCode(code: string, grantId: string) {
      const c = codes.get(code);
      if (c) c.grantId = grantId;
    },

    createGrant(platform: Platform, externalAccountId: string | undefined, scopes: string[], handle?: string): Grant {
      const grant = {
        id: random('grant-'),
        platform,
        externalAccountId: user(platform, externalAccountId, handle),
        scopes,
      };
      grants.set(grant.id, grant);
      return grant;
    },

    issueAccessToken(grant: Grant, prefix: string, ttlSeconds: number): string {
      const token = random(prefix);
      accessTokens.set(token, { grantId: grant.id, expiresAt: now() + ttlSeconds * 1000 });
      return token;
    },

    /** Rotates: the previous refresh token of the grant stops working. */
    issueRefreshToken(grant: Grant): string {
      if (grant.refreshToken) refreshTokens.delete(grant.refreshToken);
      grant.refreshToken = random('rft.');
      refreshTokens.set(grant.refreshToken, grant.id);
      return grant.refreshToken;
    },

    /** The live grant behind an access token, or why there is none. */
    grantForAccessToken(token: string | undefined): Grant | { error: string } {
      const t = token ? accessTokens.get(token) : undefined;
      if (!t) return { error: 'access token is unknown' };
      const grant = grants.get(t.grantId)!;
      if (grant.revokedAt) return { error: 'access token was revoked' };
      if (t.expiresAt < now()) return { error: 'access token expired' };
      return grant;
    },

    grantForRefreshToken(token: string | undefined): Grant | { error: string } {
      const id = token ? refreshTokens.get(token) : undefined;
      const grant = id ? grants.get(id) : undefined;
      if (!grant) return { error: 'refresh token is unknown' };
      if (grant.revokedAt) return { error: 'refresh token was revoked' };
      return grant;
    },

    /** RFC 7009: revoking any token of a grant ends the whole grant. Unknown tokens are fine. */
    revokeToken(token: string): boolean {
      const grantId = accessTokens.get(token)?.grantId ?? refreshTokens.get(token);
      if (!grantId) return false;
      this.revokeGrant(grantId);
      return true;
    },

    revokeGrant(grantId: string) {
      const grant = grants.get(grantId);
      if (grant && !grant.revokedAt) grant.revokedAt = new Date(now()).toISOString();
    },

    profile(externalAccountId: string) {
      return { externalAccountId, handle: users.get(externalAccountId)?.handle ?? externalAccountId };
    },

    /** Whether `publish` with this key would answer a replay (a replay spends no budget). */
    hasPublished(scope: string, idempotencyKey: string | undefined) {
      return (
        idempotencyKey !== undefined &&
        !settings.ignoreIdempotencyKeys &&
        published.has(`${scope}\u0000${idempotencyKey}`)
      );
    },

    /** Same key → same external id (unless keys are ignored); no key → a new post every time. */
    publish(
      scope: string,
      idempotencyKey: string | undefined,
      makeId: () => string,
    ): { externalId: string; replayed: boolean } {
      const key = `${scope}\u0000${idempotencyKey}`;
      const existing = idempotencyKey && !settings.ignoreIdempotencyKeys ? published.get(key) : undefined;
      if (existing) return { externalId: existing, replayed: true };
      const externalId = makeId();
      if (idempotencyKey) published.set(key, externalId);
      posts.push({ scope, reference: idempotencyKey, externalId, at: new Date(now()).toISOString() });
      return { externalId, replayed: false };
    },

    /** The posts made in `scope` with this reference, oldest first: the lookup's answer. */
    findByReference(scope: string, reference: string): SandboxPost[] {
      return posts.filter((p) => p.scope === scope && p.reference === reference);
    },

    /** A rehearsed slow moderation: the container reports IN_PROGRESS for `seconds`. */
    holdProcessing(id: string, seconds: number) {
      processingUntil.set(id, now() + seconds * 1000);
    },
    isProcessing(id: string): boolean {
      return (processingUntil.get(id) ?? 0) > now();
    },

    /** Clears the log, the faults, the quotas and the settings; posts, tokens and grants stay. */
    reset() {
      log.length = 0;
      faults.clear();
      quotaSettings.clear();
      Object.assign(settings, DEFAULT_SETTINGS);
    },
  };
}

export type SandboxState = ReturnType<typeof createSandboxState>;

export function isError<T extends object>(v: T | { error: string }): v is { error: string } {
  return 'error' in v && typeof (v as { error: unknown }).error === 'string';
}
