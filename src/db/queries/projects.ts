import type { Insertable, Updateable } from 'kysely';
import type { Queryable } from '../client.js';
import type { ProjectsTable } from '../schema.js';
import { afterKeyset } from './keyset.js';

export async function insertProject(db: Queryable, row: Insertable<ProjectsTable>) {
  return db.insertInto('projects').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findProject(db: Queryable, organizationId: string, id: string) {
  return db
    .selectFrom('projects')
    .selectAll()
    .where('id', '=', id)
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
}

/** Operator-plane lookup, across organizations. */
export async function findProjectById(db: Queryable, id: string) {
  return db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findProjectForUpdate(tx: Queryable, organizationId: string, id: string) {
  return tx
    .selectFrom('projects')
    .selectAll()
    .where('id', '=', id)
    .where('organization_id', '=', organizationId)
    .forUpdate()
    .executeTakeFirst();
}

export type ProjectFilter = {
  organizationId: string;
  status?: 'active' | 'archived';
  customerExternalId?: string;
  after?: { createdAt: Date; id: string };
  limit: number;
};

/** Newest first, keyset-paginated on (created_at, id). */
export async function listProjects(db: Queryable, f: ProjectFilter) {
  let q = db
    .selectFrom('projects')
    .selectAll()
    .where('organization_id', '=', f.organizationId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(f.limit);
  if (f.status !== undefined) q = q.where('status', '=', f.status);
  if (f.customerExternalId !== undefined) q = q.where('customer_external_id', '=', f.customerExternalId);
  if (f.after) q = q.where(afterKeyset(f.after, 'desc'));
  return q.execute();
}

export async function updateProject(tx: Queryable, id: string, changes: Updateable<ProjectsTable>) {
  return tx.updateTable('projects').set(changes).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

/**
 * FOR SHARE: writers inside a project (upload, schedule) hold this until commit, so an archive
 * (FOR UPDATE on the same row) either sees their rows when it cancels or makes them answer 409.
 */
export async function findProjectForShare(tx: Queryable, organizationId: string, id: string) {
  return tx
    .selectFrom('projects')
    .selectAll()
    .where('id', '=', id)
    .where('organization_id', '=', organizationId)
    .forShare()
    .executeTakeFirst();
}
