import type { Insertable } from 'kysely';
import type { Queryable } from '../client.js';
import type { LeasesTable } from '../schema.js';

export async function insertLease(db: Queryable, row: Insertable<LeasesTable>) {
  await db.insertInto('leases').values(row).execute();
}

export async function findLeaseByAccount(db: Queryable, socialAccountId: string) {
  return db
    .selectFrom('leases')
    .selectAll()
    .where('social_account_id', '=', socialAccountId)
    .orderBy('assigned_at', 'desc')
    .executeTakeFirst();
}
