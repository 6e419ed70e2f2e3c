import { type Selectable, sql, type Updateable } from 'kysely';
import type { Queryable, Tx } from '../client.js';
import type { OrganizationsTable } from '../schema.js';
import { afterKeyset } from './keyset.js';

export type OrganizationRow = Selectable<OrganizationsTable>;

export async function insertOrganization(
  db: Queryable,
  row: {
    id: string;
    name: string;
    createdAt: Date;
    parentOrganizationId?: string;
    metadata?: Record<string, string>;
    billingEmail?: string | null;
  },
) {
  return db
    .insertInto('organizations')
    .values({
      id: row.id,
      name: row.name,
      created_at: row.createdAt,
      updated_at: row.createdAt,
      parent_organization_id: row.parentOrganizationId ?? null,
      metadata: JSON.stringify(row.metadata ?? {}),
      billing_email: row.billingEmail ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findOrganization(db: Queryable, id: string) {
  return db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A direct child of `parentId`, locked FOR UPDATE when `lock`; undefined for any other id. */
export async function findChildOrganization(db: Queryable, parentId: string, id: string, lock = false) {
  const q = db
    .selectFrom('organizations')
    .selectAll()
    .where('id', '=', id)
    .where('parent_organization_id', '=', parentId);
  return (lock ? q.forUpdate() : q).executeTakeFirst();
}

/** `parentId`'s children, newest first, `limit` of them after the keyset position `after`. */
export async function listChildOrganizations(
  db: Queryable,
  opts: {
    parentId: string;
    status?: 'active' | 'suspended' | 'archived';
    after?: { createdAt: Date; id: string };
    limit: number;
  },
) {
  let q = db.selectFrom('organizations').selectAll().where('parent_organization_id', '=', opts.parentId);
  if (opts.status) q = q.where('status', '=', opts.status);
  if (opts.after) q = q.where(afterKeyset(opts.after, 'desc'));
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
}

export async function updateOrganization(db: Queryable, id: string, changes: Updateable<OrganizationsTable>) {
  return db.updateTable('organizations').set(changes).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

/** Revokes every unrevoked key of the organization; the ids revoked. */
export async function revokeOrganizationKeys(tx: Tx, organizationId: string, now: Date) {
  const rows = await tx
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('organization_id', '=', organizationId)
    .where('revoked_at', 'is', null)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** Locks the organization's accounts (the lock order everywhere: accounts before their posts). */
export async function lockOrganizationAccounts(tx: Tx, organizationId: string) {
  await sql`SELECT id FROM social_accounts WHERE organization_id = ${organizationId} ORDER BY id FOR UPDATE`.execute(
    tx,
  );
}

export async function setOrganizationKillSwitch(db: Queryable, id: string, on: boolean) {
  return db
    .updateTable('organizations')
    .set({ kill_switch: on })
    .where('id', '=', id)
    .returning(['id', 'kill_switch'])
    .executeTakeFirst();
}

export async function setGlobalKillSwitch(db: Queryable, on: boolean, now: Date) {
  await db.updateTable('settings').set({ global_kill_switch: on, updated_at: now }).execute();
}
