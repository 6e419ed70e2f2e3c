import type { FastifyRequest } from 'fastify';
import type { Principal } from '../../context.js';
import { parseApiKey, secretMatches } from '../../crypto/api-key.js';
import type { Db } from '../../db/client.js';
import { findKeyWithSwitches } from '../../db/queries/api-keys.js';
import { ApiError } from '../errors.js';

const UNAUTHENTICATED = 'Missing or invalid API key. Send "Authorization: Bearer lp_<live|test>_…".';

/**
 * One query resolves the key, its organization and all three kill switches, so a switch
 * flipped on any instance is seen by the very next request here (no cache to go stale).
 */
export async function authenticate(db: Db, request: FastifyRequest): Promise<Principal> {
  const header = request.headers.authorization;
  const token = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
  const parsed = token ? parseApiKey(token) : undefined;
  if (!parsed) throw new ApiError('UNAUTHENTICATED', UNAUTHENTICATED);
  const row = await findKeyWithSwitches(db, parsed.keyId);
  if (!row || row.revoked_at !== null || row.env !== parsed.env || !secretMatches(parsed.secret, row.secret_hash)) {
    throw new ApiError('UNAUTHENTICATED', UNAUTHENTICATED);
  }
  if (row.global_kill_switch) throw killSwitch('global');
  if (row.organization_kill_switch) throw killSwitch('organization');
  if (row.key_kill_switch) throw killSwitch('key');
  return {
    apiKeyId: row.id,
    organizationId: row.organization_id,
    organizationName: row.organization_name,
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
