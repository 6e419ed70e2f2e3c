import type { Queryable } from '../client.js';

export async function insertOrganization(db: Queryable, row: { id: string; name: string; createdAt: Date }) {
  await db.insertInto('organizations').values({ id: row.id, name: row.name, created_at: row.createdAt }).execute();
}

export async function findOrganization(db: Queryable, id: string) {
  return db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
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
