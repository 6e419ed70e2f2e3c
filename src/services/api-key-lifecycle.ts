import { toWire } from '../clock.js';
import { mintApiKey } from '../crypto/api-key.js';
import type { Queryable, Tx } from '../db/client.js';
import {
  type ApiKeyRow,
  insertApiKey,
  listOrganizationApiKeys,
  setKeyRevoked,
  setKeySuperseded,
} from '../db/queries/api-keys.js';
import { type EventCtx, emit } from '../events/emit.js';
import { ApiError } from '../http/errors.js';
import { newId } from '../ids.js';
import { cursorId, cursorInstant, listCursor, page } from './pagination.js';

// One implementation of a key's life — mint, list, revoke, rotate — for both planes: the partner's
// routes (src/services/api-keys.ts) and the operator's (src/services/admin-api-keys.ts) decide who
// may act on which key, then call these inside their transaction. docs/api-keys.md.

export const DEFAULT_GRACE_SECONDS = 24 * 3600; // spec: a rotated key's old secret works 24 h more by default
export const MAX_GRACE_SECONDS = 7 * 24 * 3600; // a leaked secret must not outlive a week after its rotation

export type Tier = 'standard' | 'pilot' | 'partner';
export type KeySpec = {
  organizationId: string;
  name: string | null;
  env: 'live' | 'test';
  scopes: string[];
  tier: Tier;
  returnUrls: string[];
};

/** What a key is now: `superseded` still authenticates (its grace period), `expired` no longer does. */
export function keyStatus(k: ApiKeyRow, now: Date) {
  if (k.revoked_at) return 'revoked' as const;
  if (k.expires_at && k.expires_at <= now) return 'expired' as const;
  if (k.kill_switch) return 'killed' as const;
  if (k.superseded_by) return 'superseded' as const;
  return 'active' as const;
}

/**
 * A key as both planes list it, masked: its prefix (`lp_<env>_<keyId>_`, no secret in it) and its
 * last 4 characters (null for keys created before migration 0011). The secret was never stored.
 */
export function apiKeyView(k: ApiKeyRow, now: Date) {
  const prefix = `lp_${k.env}_${k.id}_`;
  return {
    apiKeyId: k.id,
    organizationId: k.organization_id,
    name: k.name,
    prefix,
    last4: k.secret_last4,
    masked: `${prefix}…${k.secret_last4 ?? ''}`,
    scopes: k.scopes,
    rateLimitTier: k.rate_limit_tier,
    env: k.env,
    status: keyStatus(k, now),
    killSwitch: k.kill_switch,
    createdAt: toWire(k.created_at),
    revokedAt: toWire(k.revoked_at),
    supersededBy: k.superseded_by,
    expiresAt: toWire(k.expires_at),
  };
}

/** Inserts a new key; the plaintext key is returned here and nowhere else (only its hash is stored). */
export async function insertNewKey(db: Queryable, spec: KeySpec, now: Date) {
  const id = newId('key');
  const { key, secretHash } = mintApiKey(spec.env, id);
  const row: ApiKeyRow = {
    id,
    organization_id: spec.organizationId,
    name: spec.name,
    env: spec.env,
    secret_last4: key.slice(-4),
    scopes: spec.scopes,
    rate_limit_tier: spec.tier,
    return_url_allowlist: spec.returnUrls,
    kill_switch: false,
    killed_at: null,
    revoked_at: null,
    superseded_by: null,
    expires_at: null,
    created_at: now,
  };
  const { kill_switch: _, ...insertable } = row;
  await insertApiKey(db, { ...insertable, secret_hash: secretHash });
  return { key, row };
}

const cursors = listCursor('api-keys', { createdAt: cursorInstant, id: cursorId });

/** A page of an organization's keys, newest first. */
export async function listKeysPage(
  db: Queryable,
  now: Date,
  input: { organizationId: string; limit: number; cursor?: string },
) {
  const after = cursors.decode(input);
  const rows = await listOrganizationApiKeys(db, input.organizationId, {
    limit: input.limit + 1,
    after: after && { createdAt: new Date(after.createdAt), id: after.id },
  });
  const { items, nextCursor } = page(rows, input.limit, (last) =>
    cursors.encode({ createdAt: last.created_at.toISOString(), id: last.id }, input),
  );
  return { items: items.map((k) => apiKeyView(k, now)), nextCursor };
}

/** Revokes a locked key for good (its next request is 401); revoking it again changes nothing and audits nothing. */
export async function revokeLockedKey(tx: Tx, key: ApiKeyRow, ev: EventCtx, revokedBy: string): Promise<ApiKeyRow> {
  if (key.revoked_at) return key;
  await setKeyRevoked(tx, key.id, ev.now);
  await emit(tx, ev, 'api_key.revoked', { apiKeyId: key.id, revokedBy }, { projectId: null });
  return { ...key, revoked_at: ev.now };
}

/**
 * Rotates a locked key: a new key with the same organization, name, environment, scopes, tier and
 * return URLs; the old one is superseded and keeps authenticating until now + graceSeconds (0: at
 * once). A key is rotated once: rotating it again (or a revoked or killed key) is 409 CONFLICT.
 */
export async function rotateLockedKey(tx: Tx, key: ApiKeyRow, graceSeconds: number, ev: EventCtx, rotatedBy: string) {
  if (key.superseded_by) {
    throw new ApiError('CONFLICT', `API key ${key.id} was already rotated; rotate its successor instead.`, {
      reason: 'superseded',
      supersededBy: key.superseded_by,
    });
  }
  if (key.revoked_at) throw new ApiError('CONFLICT', `API key ${key.id} is revoked.`, { reason: 'revoked' });
  // Un-kill is the operator's: a rotation must not hand a killed key's holder a fresh, live one.
  if (key.kill_switch) throw new ApiError('CONFLICT', `API key ${key.id} is killed.`, { reason: 'killed' });
  const now = ev.now;
  const expiresAt = new Date(now.getTime() + graceSeconds * 1000);
  const next = await insertNewKey(
    tx,
    {
      organizationId: key.organization_id,
      name: key.name,
      env: key.env,
      scopes: key.scopes,
      tier: key.rate_limit_tier,
      returnUrls: key.return_url_allowlist,
    },
    now,
  );
  await setKeySuperseded(tx, key.id, next.row.id, expiresAt);
  await emit(
    tx,
    ev,
    'api_key.rotated',
    { apiKeyId: key.id, newApiKeyId: next.row.id, graceSeconds, previousKeyExpiresAt: toWire(expiresAt), rotatedBy },
    { projectId: null },
  );
  return {
    ...apiKeyView(next.row, now),
    key: next.key,
    previousApiKeyId: key.id,
    previousKeyExpiresAt: toWire(expiresAt),
  };
}
