import { sql } from 'kysely';
import type { Queryable, Tx } from '../client.js';

/**
 * Claims (apiKeyId, key) inside the request's transaction. A concurrent duplicate blocks on the
 * primary key until the first transaction ends; `lock_timeout` bounds that wait (SQLSTATE 55P03).
 * Returns true when this request owns the key, false when a committed row already exists.
 */
export async function claimIdempotencyKey(
  tx: Tx,
  row: { apiKeyId: string; key: string; fingerprint: string; now: Date; expiredBefore: Date; lockTimeoutMs: number },
): Promise<boolean> {
  await sql.raw(`SET LOCAL lock_timeout = '${Math.max(1, Math.floor(row.lockTimeoutMs))}ms'`).execute(tx);
  await tx
    .deleteFrom('idempotency_keys')
    .where('api_key_id', '=', row.apiKeyId)
    .where('key', '=', row.key)
    .where('created_at', '<', row.expiredBefore)
    .execute();
  const inserted = await tx
    .insertInto('idempotency_keys')
    .values({
      api_key_id: row.apiKeyId,
      key: row.key,
      fingerprint: row.fingerprint,
      status_code: 0,
      response_body: '',
      created_at: row.now,
    })
    .onConflict((oc) => oc.columns(['api_key_id', 'key']).doNothing())
    .returning('key')
    .executeTakeFirst();
  await sql.raw(`SET LOCAL lock_timeout = 0`).execute(tx);
  return inserted !== undefined;
}

export async function findIdempotencyKey(db: Queryable, apiKeyId: string, key: string) {
  return db
    .selectFrom('idempotency_keys')
    .select(['fingerprint', 'status_code', 'response_body'])
    .where('api_key_id', '=', apiKeyId)
    .where('key', '=', key)
    .executeTakeFirst();
}

export async function storeIdempotentResponse(tx: Tx, apiKeyId: string, key: string, status: number, body: string) {
  await tx
    .updateTable('idempotency_keys')
    .set({ status_code: status, response_body: body })
    .where('api_key_id', '=', apiKeyId)
    .where('key', '=', key)
    .execute();
}

/**
 * Housekeeping: deletes up to `limit` keys created before `expiredBefore`, oldest first (the
 * created_at index), in one short statement. SKIP LOCKED: rows a request is claiming, or another
 * worker is deleting, are left for a later statement instead of waited on.
 */
export async function reapIdempotencyKeys(db: Queryable, expiredBefore: Date, limit: number): Promise<number> {
  const res = await db
    .deleteFrom('idempotency_keys')
    .where((eb) =>
      eb(
        eb.refTuple('api_key_id', 'key'),
        'in',
        eb
          .selectFrom('idempotency_keys')
          .select(['api_key_id', 'key'])
          .where('created_at', '<', expiredBefore)
          .orderBy('created_at')
          .limit(limit)
          .forUpdate()
          .skipLocked()
          .$asTuple('api_key_id', 'key'),
      ),
    )
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}
