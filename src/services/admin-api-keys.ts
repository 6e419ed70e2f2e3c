import { toWire } from '../clock.js';
import { withTransaction } from '../db/client.js';
import { lockApiKey } from '../db/queries/api-keys.js';
import { findOrganization } from '../db/queries/organizations.js';
import { systemEvents } from '../events/emit.js';
import { notFound } from '../http/errors.js';
import type { AdminCtx } from './admin-context.js';
import { listKeysPage, revokeLockedKey, rotateLockedKey } from './api-key-lifecycle.js';

// The operator's side of the partner's key operations (src/services/api-key-lifecycle.ts): any
// organization's keys, audited with `operator` as the actor.

/** An organization's keys for an operator, masked, newest first. Last use is not tracked (a write per request). */
export async function listApiKeys(ctx: AdminCtx, input: { organizationId: string; limit: number; cursor?: string }) {
  if (!(await findOrganization(ctx.db, input.organizationId))) throw notFound('organization', input.organizationId, '');
  return listKeysPage(ctx.db, ctx.clock.now(), input);
}

/**
 * Revokes a key for good: its next request is 401 UNAUTHENTICATED (authentication reads
 * revoked_at). Idempotent: revoking a revoked key returns its first revokedAt, and audits once.
 */
export async function revokeApiKey(ctx: AdminCtx, keyId: string) {
  return withTransaction(ctx.db, async (tx) => {
    const key = await lockApiKey(tx, keyId);
    if (!key) throw notFound('API key', keyId, '');
    const revoked = await revokeLockedKey(tx, key, systemEvents(key.organization_id, ctx.clock.now()), 'operator');
    return { apiKeyId: key.id, revokedAt: toWire(revoked.revoked_at!) };
  });
}

/** Rotates any organization's key, as a partner rotates its own (same rules, same 409s). */
export async function rotateApiKey(ctx: AdminCtx, input: { keyId: string; graceSeconds: number }) {
  return withTransaction(ctx.db, async (tx) => {
    const key = await lockApiKey(tx, input.keyId);
    if (!key) throw notFound('API key', input.keyId, '');
    const ev = systemEvents(key.organization_id, ctx.clock.now());
    return rotateLockedKey(tx, key, input.graceSeconds, ev, 'operator');
  });
}
