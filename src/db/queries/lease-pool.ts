import type { Insertable } from 'kysely';
import type { Queryable, Tx } from '../client.js';
import type { LeasePoolAccountsTable } from '../schema.js';

export async function insertPoolAccount(db: Queryable, row: Insertable<LeasePoolAccountsTable>) {
  return db.insertInto('lease_pool_accounts').values(row).returningAll().executeTakeFirstOrThrow();
}

/**
 * Takes available pool accounts for an assignment: the given ones, or the oldest `count`.
 * SKIP LOCKED: two operators fulfilling at once never hand out the same account.
 */
export async function claimAvailablePoolAccounts(tx: Tx, pick: { ids?: string[]; count: number }) {
  let q = tx
    .selectFrom('lease_pool_accounts')
    .selectAll()
    .where('status', '=', 'available')
    .orderBy('created_at')
    .orderBy('id')
    .limit(pick.count)
    .forUpdate()
    .skipLocked();
  if (pick.ids) q = q.where('id', 'in', pick.ids);
  return q.execute();
}

export async function setPoolAccountStatus(tx: Tx, ids: string[], status: 'available' | 'assigned', now: Date) {
  if (ids.length === 0) return;
  await tx.updateTable('lease_pool_accounts').set({ status, updated_at: now }).where('id', 'in', ids).execute();
}

export async function listPoolAccounts(db: Queryable, status?: 'available' | 'assigned' | 'retired') {
  let q = db.selectFrom('lease_pool_accounts').selectAll().orderBy('created_at').orderBy('id');
  if (status) q = q.where('status', '=', status);
  return q.execute();
}
