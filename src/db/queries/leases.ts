import { type Insertable, sql } from 'kysely';
import type { Queryable, Tx } from '../client.js';
import type { LeasesTable } from '../schema.js';
import type { Owner } from './owner.js';

export async function insertLease(db: Queryable, row: Insertable<LeasesTable>) {
  await db.insertInto('leases').values(row).execute();
}

/** The live lease of an account, locked; caller holds the account lock. */
export async function findAssignedLeaseForUpdate(tx: Tx, socialAccountId: string) {
  return tx
    .selectFrom('leases')
    .selectAll()
    .where('social_account_id', '=', socialAccountId)
    .where('status', '=', 'assigned')
    .forUpdate()
    .executeTakeFirst();
}

export async function endLease(tx: Tx, id: string, reason: string | null, now: Date) {
  await tx
    .updateTable('leases')
    .set({ status: 'released', released_at: now, release_reason: reason, next_renewal_at: null })
    .where('id', '=', id)
    .execute();
}

/**
 * Charges the lease's next period and moves its renewal date, in the caller's transaction.
 * The (lease_id, period_start) unique key makes a second charge of a period impossible.
 */
export async function chargeNextPeriod(
  tx: Tx,
  lease: {
    id: string;
    organization_id: string;
    monthly_price_cents: number;
    assigned_at: Date;
    billed_periods: number;
  },
  chargeId: string,
  now: Date,
) {
  const res = await sql<{ id: string }>`
    INSERT INTO billing_charges (id, lease_id, organization_id, amount_cents, period_start, period_end, created_at)
    VALUES (${chargeId}, ${lease.id}, ${lease.organization_id}, ${lease.monthly_price_cents},
            ${lease.assigned_at}::timestamptz + make_interval(months => ${lease.billed_periods}::int),
            ${lease.assigned_at}::timestamptz + make_interval(months => ${lease.billed_periods + 1}::int), ${now})
    ON CONFLICT (lease_id, period_start) DO NOTHING
    RETURNING id`.execute(tx);
  await sql`
    UPDATE leases SET billed_periods = ${lease.billed_periods + 1},
                      next_renewal_at = assigned_at + make_interval(months => ${lease.billed_periods + 1}::int)
    WHERE id = ${lease.id}`.execute(tx);
  return res.rows.length === 1;
}

/** Leases whose renewal is due, locked; SKIP LOCKED lets several workers share the work. */
export async function claimDueLeases(tx: Tx, now: Date, limit: number) {
  return tx
    .selectFrom('leases')
    .select(['id', 'organization_id', 'monthly_price_cents', 'assigned_at', 'billed_periods', 'social_account_id'])
    .where('status', '=', 'assigned')
    .where('next_renewal_at', '<=', now)
    .orderBy('next_renewal_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

export type LeasedAccountFilter = {
  owner: Owner;
  projectId: string;
  status?: 'assigned' | 'released';
  afterId?: string;
  limit: number;
};

/** The billing view: each lease of the project with its account. */
export async function listProjectLeases(db: Queryable, f: LeasedAccountFilter) {
  let q = db
    .selectFrom('leases as l')
    .innerJoin('social_accounts as a', 'a.id', 'l.social_account_id')
    .select([
      'l.id',
      'l.social_account_id',
      'l.project_id',
      'l.status',
      'l.assigned_at',
      'l.next_renewal_at',
      'l.monthly_price_cents',
      'l.released_at',
      'a.handle',
      'a.platform',
      'a.followers',
    ])
    .where('l.organization_id', '=', f.owner.organizationId)
    .where('a.env', '=', f.owner.env)
    .where('l.project_id', '=', f.projectId)
    .orderBy('l.id')
    .limit(f.limit);
  if (f.status) q = q.where('l.status', '=', f.status);
  if (f.afterId) q = q.where('l.id', '>', f.afterId);
  return q.execute();
}

export async function listCharges(db: Queryable, leaseId: string) {
  return db.selectFrom('billing_charges').selectAll().where('lease_id', '=', leaseId).orderBy('period_start').execute();
}
