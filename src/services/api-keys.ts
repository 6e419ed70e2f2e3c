import { toWire } from '../clock.js';
import type { Ctx } from '../context.js';
import { withTransaction } from '../db/client.js';
import { findApiKeyForUpdate, lockApiKey, setKeyKillSwitch } from '../db/queries/api-keys.js';
import { emit, requestEvents } from '../events/emit.js';
import { ApiError, invalidField, notFound } from '../http/errors.js';
import { forbiddenScope, holdsScope } from '../http/guards/scope.js';
import {
  apiKeyView,
  insertNewKey,
  listKeysPage,
  revokeLockedKey,
  rotateLockedKey,
  type Tier,
} from './api-key-lifecycle.js';
import { managesOrganization, requireManagedOrganization } from './managed-organizations.js';

const TIER_RANK: Record<Tier, number> = { standard: 0, pilot: 1, partner: 2 };

export function whoami(ctx: Ctx) {
  const p = ctx.principal;
  return {
    organizationId: p.organizationId,
    organizationName: p.organizationName,
    parentOrganizationId: p.parentOrganizationId,
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

/** The events of a change to a key of `organizationId`, made by this request's key. */
const keyEvents = (ctx: Ctx, organizationId: string, now: Date) => ({ ...requestEvents(ctx, now), organizationId });

/**
 * A new key for a managed organization, never more than the caller holds: each scope must be one
 * the caller has (403 FORBIDDEN_SCOPE naming the first it lacks), the tier at most the caller's
 * (its default), and a test key mints test keys only. It inherits the caller's return-URL allowlist.
 */
export async function createApiKey(
  ctx: Ctx,
  input: { orgId: string; name: string; scopes: string[]; env: 'live' | 'test'; tier?: Tier },
) {
  const p = ctx.principal;
  const managed = await requireManagedOrganization(ctx, input.orgId);
  if (managed.archived)
    throw new ApiError('CONFLICT', `Organization ${input.orgId} is archived: it gets no new keys.`, {
      reason: 'organization_archived',
      organizationId: input.orgId,
    });
  if (managed.child && input.scopes.some((s) => s === 'org:admin' || s === '*'))
    throw invalidField('scopes', 'a child organization’s key never holds org:admin');
  const lacking = input.scopes.find((s) => !holdsScope(p.scopes, s));
  if (lacking !== undefined) throw forbiddenScope(lacking);
  if (p.env === 'test' && input.env === 'live') throw invalidField('env', 'a test key can create test keys only');
  const tier = input.tier ?? p.rateLimitTier;
  if (TIER_RANK[tier] > TIER_RANK[p.rateLimitTier])
    throw invalidField('tier', `must not exceed this key's own tier (${p.rateLimitTier})`);
  const scopes = [...new Set(input.scopes)];
  return withTransaction(ctx.db, async (tx) => {
    const now = ctx.clock.now();
    const spec = { organizationId: input.orgId, name: input.name, env: input.env, scopes, tier };
    const { key, row } = await insertNewKey(tx, { ...spec, returnUrls: p.returnUrlAllowlist }, now);
    await emit(
      tx,
      keyEvents(ctx, input.orgId, now),
      'api_key.created',
      { apiKeyId: row.id, name: row.name, scopes, env: row.env, rateLimitTier: tier, createdBy: p.apiKeyId },
      { projectId: null },
    );
    return { ...apiKeyView(row, now), key };
  });
}

export async function listApiKeys(ctx: Ctx, input: { orgId: string; limit: number; cursor?: string }) {
  await requireManagedOrganization(ctx, input.orgId);
  const { orgId, ...rest } = input;
  return listKeysPage(ctx.db, ctx.clock.now(), { organizationId: orgId, ...rest });
}

/** Revokes a key of a managed organization (itself included): its next request is 401. Idempotent by state. */
export async function revokeApiKey(ctx: Ctx, input: { orgId: string; keyId: string }) {
  await requireManagedOrganization(ctx, input.orgId);
  return withTransaction(ctx.db, async (tx) => {
    const key = await lockApiKey(tx, input.keyId);
    if (!key || key.organization_id !== input.orgId) throw notFound('API key', input.keyId);
    const now = ctx.clock.now();
    const revoked = await revokeLockedKey(tx, key, keyEvents(ctx, key.organization_id, now), ctx.principal.apiKeyId);
    return apiKeyView(revoked, now);
  });
}

/**
 * Rotates a key: the caller's own, or (with `org:admin`) any key of a managed organization. A key
 * out of reach is 404 — so is a live key for a test caller, which must not mint live secrets.
 */
export async function rotateApiKey(ctx: Ctx, input: { keyId: string; graceSeconds: number }) {
  const p = ctx.principal;
  return withTransaction(ctx.db, async (tx) => {
    const key = await lockApiKey(tx, input.keyId);
    const self = key?.id === p.apiKeyId;
    if (
      !key ||
      (!self && !(await managesOrganization({ ...ctx, db: tx }, key.organization_id))) ||
      (p.env === 'test' && key.env === 'live')
    )
      throw notFound('API key', input.keyId);
    if (!self && !holdsScope(p.scopes, 'org:admin')) throw forbiddenScope('org:admin');
    const now = ctx.clock.now();
    return rotateLockedKey(tx, key, input.graceSeconds, keyEvents(ctx, key.organization_id, now), p.apiKeyId);
  });
}
