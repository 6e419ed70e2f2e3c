import type { Insertable } from 'kysely';
import type { Queryable } from '../client.js';
import type { ProjectsTable } from '../schema.js';

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
