import { sql } from 'kysely';
import type { Queryable, Tx } from '../client.js';

// The key ring's rows (never its keys) and the re-wrap of stored data keys during a rotation.

// Any fixed number: processes starting at once check (and maybe create) the ring one at a time.
const KEY_RING_SETUP_LOCK_ID = 7_209_115;

export async function lockKeyRingSetup(tx: Tx) {
  await sql`SELECT pg_advisory_xact_lock(${KEY_RING_SETUP_LOCK_ID})`.execute(tx);
}

export async function listKeyEpochs(db: Queryable) {
  return db.selectFrom('key_epochs').select(['id', 'check_value', 'created_at']).orderBy('id').execute();
}

/** Claims epoch `id`: false when the row exists already (another process created this epoch first). */
export async function insertKeyEpoch(db: Queryable, e: { id: number; checkValue: Uint8Array; createdAt: Date }) {
  const row = await db
    .insertInto('key_epochs')
    .values({ id: e.id, check_value: e.checkValue, created_at: e.createdAt })
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Deletes the row of a retired epoch. 'in-use': a stored wrapped key still names it (the foreign
 * key refused; a concurrent writer holding the row waits here until it commits).
 */
export async function deleteKeyEpoch(db: Queryable, id: number): Promise<'deleted' | 'absent' | 'in-use'> {
  try {
    const res = await db.deleteFrom('key_epochs').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0 ? 'deleted' : 'absent';
  } catch (err) {
    if ((err as { code?: string }).code === '23503') return 'in-use';
    throw err;
  }
}

/** Every table that stores a wrapped data key, with the id its AAD binds (the key's subject). */
export const WRAPPED_KEY_TABLES = {
  social_accounts: { subject: 'id', idType: 'text' },
  upstream_revocations: { subject: 'social_account_id', idType: 'bigint' },
  lease_pool_accounts: { subject: 'id', idType: 'text' },
} as const;
export type WrappedKeyTable = keyof typeof WRAPPED_KEY_TABLES;

/** How many stored wrapped keys each epoch wraps, over every table. */
export async function countWrappedKeysByEpoch(db: Queryable): Promise<Map<number, number>> {
  const res = await sql<{ epoch: number; n: number }>`
    SELECT epoch, count(*)::int AS n FROM (
      SELECT token_key_epoch AS epoch FROM social_accounts WHERE token_key_epoch IS NOT NULL
      UNION ALL SELECT token_key_epoch FROM upstream_revocations WHERE token_key_epoch IS NOT NULL
      UNION ALL SELECT token_key_epoch FROM lease_pool_accounts WHERE token_key_epoch IS NOT NULL
    ) k GROUP BY epoch`.execute(db);
  return new Map(res.rows.map((r) => [r.epoch, r.n]));
}

/**
 * Locks up to `limit` rows whose data key is wrapped by an epoch older than `epoch` (id order: no
 * deadlock with other lockers).
 */
export async function lockWrappedKeysBefore(tx: Tx, table: WrappedKeyTable, epoch: number, limit: number) {
  const t = WRAPPED_KEY_TABLES[table];
  const res = await sql<{ id: string; subject: string; wrapped_key: Uint8Array }>`
    SELECT id::text AS id, ${sql.ref(t.subject)} AS subject, token_wrapped_key AS wrapped_key
    FROM ${sql.table(table)} WHERE token_key_epoch < ${epoch} ORDER BY id LIMIT ${limit} FOR UPDATE`.execute(tx);
  return res.rows;
}

/** Writes the re-wrapped keys of rows locked by lockWrappedKeysBefore, in one statement. */
export async function writeWrappedKeys(tx: Tx, table: WrappedKeyTable, rows: { id: string; wrappedKey: Buffer }[]) {
  if (rows.length === 0) return;
  const ids = rows.map((r) => r.id);
  const keys = rows.map((r) => r.wrappedKey.toString('base64'));
  await sql`
    UPDATE ${sql.table(table)} AS t SET token_wrapped_key = decode(v.k, 'base64')
    FROM unnest(${ids}::text[], ${keys}::text[]) AS v(id, k)
    WHERE t.id = v.id::${sql.raw(WRAPPED_KEY_TABLES[table].idType)}`.execute(tx);
}
