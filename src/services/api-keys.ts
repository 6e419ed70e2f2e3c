import { toWire } from '../clock.js';
import type { Ctx } from '../context.js';
import { withTransaction } from '../db/client.js';
import { findApiKeyForUpdate, setKeyKillSwitch } from '../db/queries/api-keys.js';
import { emit, requestEvents } from '../events/emit.js';
import { notFound } from '../http/errors.js';

export function whoami(ctx: Ctx) {
  const p = ctx.principal;
  return {
    organizationId: p.organizationId,
    organizationName: p.organizationName,
    apiKeyId: p.apiKeyId,
    scopes: p.scopes,
    rateLimitTier: p.rateLimitTier,
    env: p.env,
  };
}

/**
 * Leak response: any key may kill any key of its own organization (itself included). Idempotent
 * by state: killing a killed key returns its original killedAt. Un-kill is operator-only.
 */
export async function killApiKey(ctx: Ctx, input: { keyId: string }) {
  return withTransaction(ctx.db, async (tx) => {
    const { organizationId, apiKeyId } = ctx.principal;
    const key = await findApiKeyForUpdate(tx, organizationId, input.keyId);
    if (!key) throw notFound('API key', input.keyId);
    if (key.kill_switch && key.killed_at)
      return { apiKeyId: key.id, killSwitch: true as const, killedAt: toWire(key.killed_at) };
    const now = ctx.clock.now();
    await setKeyKillSwitch(tx, organizationId, key.id, true, now);
    await emit(
      tx,
      requestEvents(ctx, now),
      'api_key.killed',
      { apiKeyId: key.id, killedBy: apiKeyId },
      { projectId: null },
    );
    return { apiKeyId: key.id, killSwitch: true as const, killedAt: toWire(now) };
  });
}
