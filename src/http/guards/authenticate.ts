import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../../context.js';
import { parseApiKey, secretMatches } from '../../crypto/api-key.js';
import type { Db } from '../../db/client.js';
import { findKeyWithSwitches } from '../../db/queries/api-keys.js';
import { ApiError } from '../errors.js';
import type { FailedAuthLimiter } from './rate-limit.js';

const UNAUTHENTICATED = 'Missing or invalid API key. Send "Authorization: Bearer lp_<live|test>_…".';

// RFC 9110 §11.1: the scheme is case-insensitive (bearer, BEARER), then whitespace and the key.
const BEARER = /^bearer\s+(\S+)\s*$/i;

/**
 * The per-address budget of failed attempts (429), then authenticate. A request without a key
 * or with a malformed one never reaches the database; a well-formed unknown key costs one
 * lookup; every failure counts against its address's budget, and a spent budget answers 429
 * before any lookup — even for a valid key from that address, which is the price of the check
 * being free.
 */
export async function authenticateWithinBudget(
  db: Db,
  request: FastifyRequest,
  reply: FastifyReply,
  failures: FailedAuthLimiter,
  now: Date,
) {
  await failures.refuseWhenSpent(request.ip, reply);
  try {
    return await authenticate(db, request, now);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'UNAUTHENTICATED') await failures.count(request.ip);
    throw err;
  }
}

/**
 * One query resolves the key, its organization and all three kill switches, so a switch
 * flipped on any instance is seen by the very next request here (no cache to go stale).
 * A key past its `expires_at` (a rotated key whose grace period is over) is refused like a revoked one.
 */
export async function authenticate(db: Db, request: FastifyRequest, now: Date): Promise<Principal> {
  const header = request.headers.authorization;
  const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
  const parsed = token ? parseApiKey(token) : undefined;
  if (!parsed) throw new ApiError('UNAUTHENTICATED', UNAUTHENTICATED);
  const row = await findKeyWithSwitches(db, parsed.keyId);
  const expired = row?.expires_at != null && row.expires_at <= now;
  if (
    !row ||
    row.revoked_at !== null ||
    expired ||
    row.env !== parsed.env ||
    !secretMatches(parsed.secret, row.secret_hash)
  ) {
    throw new ApiError('UNAUTHENTICATED', UNAUTHENTICATED);
  }
  if (row.global_kill_switch) throw killSwitch('global');
  // Its own switch, its suspension by its parent, or its parent's switch (organization_switches).
  if (row.organization_switched_off) throw killSwitch('organization');
  if (row.key_kill_switch) throw killSwitch('key');
  return {
    apiKeyId: row.id,
    organizationId: row.organization_id,
    organizationName: row.organization_name,
    parentOrganizationId: row.parent_organization_id,
    scopes: row.scopes,
    rateLimitTier: row.rate_limit_tier,
    env: row.env,
    returnUrlAllowlist: row.return_url_allowlist,
  };
}

function killSwitch(scope: 'global' | 'organization' | 'key') {
  const who = { global: 'The Layers API integration', organization: 'Your organization', key: 'This API key' }[scope];
  return new ApiError('KILL_SWITCH', `${who} has been disabled by a kill switch.`, { scope });
}
