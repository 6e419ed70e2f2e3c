import { type Insertable, sql } from 'kysely';
import type { Queryable, Tx } from '../client.js';
import type { LeaseRequestsTable } from '../schema.js';
import type { Owner } from './owner.js';

export async function insertLeaseRequest(db: Queryable, row: Insertable<LeaseRequestsTable>) {
  return db.insertInto('lease_requests').values(row).returningAll().executeTakeFirstOrThrow();
}

/** Requests with the accounts assigned to each so far (in assignment order). */
function selectRequests(db: Queryable) {
  return db
    .selectFrom('lease_requests as r')
    .selectAll('r')
    .select(
      sql<string[]>`coalesce((SELECT array_agg(l.social_account_id ORDER BY l.assigned_at, l.id)
                                    FROM leases l WHERE l.lease_request_id = r.id), '{}')`.as('assigned_ids'),
    );
}

/** `owner`: a partner's lookup (its organization and environment only); without, the operator's. */
export async function findLeaseRequest(db: Queryable, id: string, owner?: Owner) {
  let q = selectRequests(db).where('r.id', '=', id);
  if (owner !== undefined) q = q.where('r.organization_id', '=', owner.organizationId).where('r.env', '=', owner.env);
  return q.executeTakeFirst();
}

export async function lockLeaseRequest(tx: Tx, id: string) {
  return tx.selectFrom('lease_requests').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function updateLeaseRequest(
  tx: Tx,
  id: string,
  changes: { status: LeaseRequestsTable['status']; rejectedReason?: string | null; now: Date },
) {
  await tx
    .updateTable('lease_requests')
    .set({ status: changes.status, rejected_reason: changes.rejectedReason ?? null, updated_at: changes.now })
    .where('id', '=', id)
    .execute();
}

export async function listLeaseRequests(db: Queryable, status?: LeaseRequestsTable['status']) {
  let q = selectRequests(db).orderBy('r.created_at').orderBy('r.id').limit(500);
  if (status) q = q.where('r.status', '=', status);
  return q.execute();
}
