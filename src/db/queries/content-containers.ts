import type { Insertable } from 'kysely';
import type { Queryable } from '../client.js';
import type { ContentContainersTable } from '../schema.js';

export async function insertContainer(db: Queryable, row: Insertable<ContentContainersTable>) {
  await db.insertInto('content_containers').values(row).execute();
}
