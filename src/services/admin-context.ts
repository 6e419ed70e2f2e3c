import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { PlatformToken, TokenCrypto } from '../crypto/token-envelope.js';
import type { Db } from '../db/client.js';
import type { Platform } from '../db/schema.js';
import { API_OPERATOR, type OperatorActor } from '../events/operator-catalogue.js';
import type { FixtureTokenIssuer } from '../platforms/runtime.js';

// The operator plane: organizations, keys, fixtures and kill switches. No principal: the
// operator token already proved who is asking.
export type AdminCtx = {
  db: Db;
  clock: Clock;
  tokenCrypto: TokenCrypto;
  /** Set when this process runs the sandbox platform: fixture accounts get grants it really issued. */
  issueFixtureToken?: FixtureTokenIssuer;
  /** Who acts, for the operator's audit trail: the console sets its session; unset is the admin API. */
  actor?: OperatorActor;
};

export const actorOf = (ctx: AdminCtx): OperatorActor => ctx.actor ?? API_OPERATOR;

/** A fixture account's grant: one the in-process sandbox issued, else random sbx_ strings no platform knows. */
export function fixtureGrant(
  ctx: AdminCtx,
  platform: Platform,
  handle: string,
): { token: PlatformToken; externalAccountId: string } {
  if (ctx.issueFixtureToken) return ctx.issueFixtureToken(platform, handle);
  return {
    token: {
      accessToken: `sbx_at_${randomBytes(24).toString('base64url')}`,
      refreshToken: `sbx_rt_${randomBytes(24).toString('base64url')}`,
      expiresAt: new Date(ctx.clock.now().getTime() + FIXTURE_TOKEN_TTL_MS).toISOString(),
    },
    externalAccountId: `sbx_${randomBytes(8).toString('hex')}`,
  };
}

const FIXTURE_TOKEN_TTL_MS = 24 * 3600 * 1000;
