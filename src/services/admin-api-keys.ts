import { toWire } from '../clock.js';
import { withTransaction } from '../db/client.js';
import { listOrganizationApiKeys, lockApiKey, setKeyRevoked } from '../db/queries/api-keys.js';
import { findOrganization } from '../db/queries/organizations.js';
import { emit, systemEvents } from '../events/emit.js';
import { notFound } from '../http/errors.js';
import type { AdminCtx } from './admin-context.js';

/**
 * An organization's keys for an operator, masked: the key's prefix (`lp_<env>_<keyId>_`, no
 * secret in it) and its last 4 characters (null for keys created before they were kept). The
 * secret itself was never stored. Last use is not tracked (a write per request), so not listed.
 */
export async function listApiKeys(ctx: AdminCtx, organizationId: string) {
  if (!(await findOrganization(ctx.db, organizationId))) throw notFound('organization', organizationId, '');
  const rows = await listOrganizationApiKeys(ctx.db, organizationId);
  return {
    items: rows.map((k) => {
      const prefix = `lp_${k.env}_${k.id}_`;
      return {
        apiKeyId: k.id,
        name: k.name,
        prefix,
        last4: k.secret_last4,
        masked: `${prefix}…${k.secret_last4 ?? ''}`,
        scopes: k.scopes,
        rateLimitTier: k.rate_limit_tier,
        env: k.env,
        killSwitch: k.kill_switch,
        createdAt: toWire(k.created_at),
        revokedAt: k.revoked_at ? toWire(k.revoked_at) : null,
      };
    }),
  };
}

/**
 * Revokes a key for good: its next request is 401 UNAUTHENTICATED (authentication reads
 * revoked_at). Idempotent: revoking a revoked key returns its first revokedAt, and audits once.
 */
export async function revokeApiKey(ctx: AdminCtx, keyId: string) {
  return withTransaction(ctx.db, async (tx) => {
    const key = await lockApiKey(tx, keyId);
    if (!key) throw notFound('API key', keyId, '');
    if (key.revoked_at) return { apiKeyId: key.id, revokedAt: toWire(key.revoked_at) };
    const now = ctx.clock.now();
    await setKeyRevoked(tx, key.id, now);
    await emit(
      tx,
      systemEvents(key.organization_id, now),
      'api_key.revoked',
      { apiKeyId: key.id, revokedBy: 'operator' },
      { projectId: null },
    );
    return { apiKeyId: key.id, revokedAt: toWire(now) };
  });
}
