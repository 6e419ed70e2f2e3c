import type { Insertable, Updateable } from 'kysely';
import type { Queryable, Tx } from '../client.js';
import type { AccountEnv, ContentContainersTable, ScheduleIntentsTable } from '../schema.js';
import type { Owner } from './owner.js';

// Approval before publishing: project policies, content decisions, stashed schedule intents.
// Lock order (docs/content-and-publishing.md): project (share) → content → accounts → posts.

export async function findApprovalPolicy(db: Queryable, projectId: string) {
  return db.selectFrom('project_approval_policies').selectAll().where('project_id', '=', projectId).executeTakeFirst();
}

export async function upsertApprovalPolicy(
  tx: Tx,
  row: { project_id: string; requires_approval: boolean; first_n_posts_blocked: number; updated_at: Date },
) {
  return tx
    .insertInto('project_approval_policies')
    .values(row)
    .onConflict((oc) =>
      oc.column('project_id').doUpdateSet({
        requires_approval: row.requires_approval,
        first_n_posts_blocked: row.first_n_posts_blocked,
        updated_at: row.updated_at,
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Approved content of a project in one environment (what firstNPostsBlocked counts). */
export async function countApprovedContent(db: Queryable, projectId: string, env: AccountEnv) {
  const row = await db
    .selectFrom('content_containers')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('project_id', '=', projectId)
    .where('env', '=', env)
    .where('approval_status', '=', 'approved')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The content row locked: `share` by schedule (a stash and an approval never pass each other),
 * `update` by a decision. Caller holds the project row (share) first.
 */
export async function lockContainer(tx: Tx, owner: Owner, id: string, mode: 'share' | 'update') {
  const q = tx
    .selectFrom('content_containers')
    .selectAll()
    .where('id', '=', id)
    .where('organization_id', '=', owner.organizationId)
    .where('env', '=', owner.env);
  return (mode === 'share' ? q.forShare() : q.forUpdate()).executeTakeFirst();
}

export async function updateContainerApproval(tx: Tx, id: string, changes: Updateable<ContentContainersTable>) {
  return tx
    .updateTable('content_containers')
    .set(changes)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertScheduleIntent(tx: Tx, row: Insertable<ScheduleIntentsTable>) {
  await tx.insertInto('schedule_intents').values(row).execute();
}

/** The content's pending intents, oldest first; caller holds the content row `FOR UPDATE`. */
export async function pendingScheduleIntents(tx: Tx, containerId: string) {
  return tx
    .selectFrom('schedule_intents')
    .select(['id', 'project_id', 'scheduled_for', 'targets'])
    .where('container_id', '=', containerId)
    .where('status', '=', 'pending')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function resolveScheduleIntent(
  tx: Tx,
  id: string,
  status: 'promoted' | 'dropped',
  outcome: unknown,
  now: Date,
) {
  await tx
    .updateTable('schedule_intents')
    .set({ status, outcome: JSON.stringify(outcome), resolved_at: now, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
}

/** A project archive's: every pending intent of the project in one environment, dropped (caller holds the project). */
export async function dropProjectScheduleIntents(tx: Tx, projectId: string, env: AccountEnv, now: Date) {
  const rows = await tx
    .updateTable('schedule_intents')
    .set({
      status: 'dropped',
      outcome: JSON.stringify({ reason: 'project_archived' }),
      resolved_at: now,
      updated_at: now,
    })
    .where('project_id', '=', projectId)
    .where('env', '=', env)
    .where('status', '=', 'pending')
    .returning('id')
    .execute();
  return rows.length;
}
