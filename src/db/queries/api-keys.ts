import type { Insertable, Selectable } from 'kysely';
import type { Queryable } from '../client.js';
import { compiledOnce } from '../compiled.js';
import { naturalBatcher } from '../natural-batch.js';
import type { ApiKeysTable } from '../schema.js';
import { afterKeyset } from './keyset.js';

// The guard runs it on every request: compiled once (src/db/compiled.ts), for up to LOOKUP_SLOTS
// keys at once, in a fixed number of parameters — not `any($1)` with an array, whose length
// PostgreSQL cannot know, so it planned that form afresh on every call (0.2–0.4 ms, more than
// running it). Unused slots repeat the first key (a row matches once however often it is named):
// every call then looks alike to the planner, and after its first five a connection keeps one
// plan. NULLs would make each call look cheaper than a shared plan, and it would plan them all.
const LOOKUP_SLOTS = 16;
const SLOTS = Array.from({ length: LOOKUP_SLOTS }, (_, i) => `key${i}`);
const keysLookup = compiledOnce((db, a: Record<string, string>) =>
  db
    .selectFrom('api_keys as k')
    .innerJoin('organizations as o', 'o.id', 'k.organization_id')
    .select((eb) => [
      'k.id',
      'k.organization_id',
      'k.env',
      'k.secret_hash',
      'k.scopes',
      'k.rate_limit_tier',
      'k.return_url_allowlist',
      'k.kill_switch as key_kill_switch',
      'k.revoked_at',
      'k.expires_at',
      'o.name as organization_name',
      'o.parent_organization_id',
      // Subqueries, not joins: each joined table multiplies the planner's work, paid on each
      // connection's first five calls (PGlite's one connection too: pglite-statements.ts).
      eb
        .selectFrom('organization_switches as os')
        .select('os.switched_off')
        .whereRef('os.id', '=', 'k.organization_id')
        .as('organization_switched_off'),
      eb.selectFrom('settings').select('global_kill_switch').as('global_kill_switch'),
    ])
    .where(
      'k.id',
      'in',
      SLOTS.map((slot) => a[slot]!),
    ),
);
type KeyWithSwitches = Awaited<ReturnType<typeof keysLookup.rows>>[number];

const lookups = new WeakMap<Queryable, (keyId: string) => Promise<KeyWithSwitches | undefined>>();

/**
 * The authentication lookup: key, its organization and every kill switch, in one query. Lookups
 * that arrive while others are in flight go together in the next statement (src/db/natural-batch.ts):
 * each request still reads the key as committed after it arrived — a kill switch flipped before
 * a request came is seen by it. Batched per handle: a transaction's lookups run on it.
 */
export async function findKeyWithSwitches(db: Queryable, keyId: string) {
  let find = lookups.get(db);
  if (!find) {
    find = naturalBatcher(
      async (keyIds: string[]) => {
        const distinct = [...new Set(keyIds)];
        const rows = await keysLookup.rows(
          db,
          Object.fromEntries(SLOTS.map((slot, i) => [slot, distinct[i] ?? distinct[0]!])),
        );
        const byId = new Map(rows.map((r) => [r.id, r]));
        return keyIds.map((id) => byId.get(id));
      },
      { inFlight: 2, max: LOOKUP_SLOTS },
    );
    lookups.set(db, find);
  }
  return find(keyId);
}

export async function insertApiKey(db: Queryable, row: Insertable<ApiKeysTable>) {
  await db.insertInto('api_keys').values(row).execute();
}

export async function setKeyKillSwitch(
  db: Queryable,
  organizationId: string | null,
  keyId: string,
  on: boolean,
  now: Date,
) {
  let q = db
    .updateTable('api_keys')
    .set({ kill_switch: on, killed_at: on ? now : null })
    .where('id', '=', keyId);
  if (organizationId !== null) q = q.where('organization_id', '=', organizationId);
  return q.returning(['id', 'organization_id', 'kill_switch', 'killed_at']).executeTakeFirst();
}

export async function findApiKeyForUpdate(db: Queryable, organizationId: string, keyId: string) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'kill_switch', 'killed_at'])
    .where('id', '=', keyId)
    .where('organization_id', '=', organizationId)
    .forUpdate()
    .executeTakeFirst();
}

/** A key's columns as the API shows them (never its secret hash). */
const KEY_COLUMNS = [
  'id',
  'organization_id',
  'name',
  'env',
  'secret_last4',
  'scopes',
  'rate_limit_tier',
  'return_url_allowlist',
  'kill_switch',
  'killed_at',
  'revoked_at',
  'superseded_by',
  'expires_at',
  'created_at',
] as const;

export type ApiKeyRow = Selectable<Pick<ApiKeysTable, (typeof KEY_COLUMNS)[number]>>;

/** An organization's keys, newest first, `limit` of them after the keyset position `after`. */
export async function listOrganizationApiKeys(
  db: Queryable,
  organizationId: string,
  opts: { limit: number; after?: { createdAt: Date; id: string } },
): Promise<ApiKeyRow[]> {
  let q = db.selectFrom('api_keys').select(KEY_COLUMNS).where('organization_id', '=', organizationId);
  if (opts.after) q = q.where(afterKeyset(opts.after, 'desc'));
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
}

/** A key by id alone (any organization: the caller checks whose it is), locked for a revoke or a rotation. */
export async function lockApiKey(db: Queryable, keyId: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').select(KEY_COLUMNS).where('id', '=', keyId).forUpdate().executeTakeFirst();
}

export async function setKeyRevoked(db: Queryable, keyId: string, now: Date) {
  await db.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', keyId).execute();
}

/** The rotation's mark on the old key: replaced by `newKeyId`, its secret valid until `expiresAt`. */
export async function setKeySuperseded(db: Queryable, keyId: string, newKeyId: string, expiresAt: Date) {
  await db
    .updateTable('api_keys')
    .set({ superseded_by: newKeyId, expires_at: expiresAt })
    .where('id', '=', keyId)
    .execute();
}
