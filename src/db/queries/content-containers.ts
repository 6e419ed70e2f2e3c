import type { Insertable } from 'kysely';
import type { Queryable } from '../client.js';
import type { ContentContainersTable } from '../schema.js';
import type { Owner } from './owner.js';

export async function insertContainer(db: Queryable, row: Insertable<ContentContainersTable>) {
  await db.insertInto('content_containers').values(row).execute();
}

export async function findContainer(db: Queryable, owner: Owner, id: string) {
  return db
    .selectFrom('content_containers')
    .selectAll()
    .where('id', '=', id)
    .where('organization_id', '=', owner.organizationId)
    .where('env', '=', owner.env)
    .executeTakeFirst();
}

export type ContainerFilter = {
  owner: Owner;
  projectId: string;
  before?: { createdAt: Date; id: string };
  limit: number;
};

/** Newest first, keyset-paginated on (created_at, id): content_containers_project_idx. */
export async function listContainers(db: Queryable, f: ContainerFilter) {
  let q = db
    .selectFrom('content_containers')
    .selectAll()
    .where('organization_id', '=', f.owner.organizationId)
    .where('env', '=', f.owner.env)
    .where('project_id', '=', f.projectId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(f.limit);
  if (f.before) {
    const { createdAt, id } = f.before;
    q = q.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(createdAt, id)));
  }
  return q.execute();
}
