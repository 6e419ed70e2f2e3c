import { sql } from 'kysely';
import type { Queryable, Tx } from '../client.js';

// What the operator plane reads across organizations (the console and /admin/v1's lookups), and
// the operator's own audit trail. Partner queries are always scoped to one Owner; these are not.

const SEARCH_LIMIT = 50;

/** Organizations by id (exact) or name (substring, any case), newest first, with their key count. */
export async function searchOrganizations(db: Queryable, q: string | undefined) {
  let query = db
    .selectFrom('organizations as o')
    .select(['o.id', 'o.name', 'o.kill_switch', 'o.created_at'])
    .select((eb) =>
      eb
        .selectFrom('api_keys as k')
        .whereRef('k.organization_id', '=', 'o.id')
        .where('k.revoked_at', 'is', null)
        .select(sql<number>`count(*)::int`.as('n'))
        .as('active_keys'),
    )
    .orderBy('o.created_at', 'desc')
    .orderBy('o.id', 'desc')
    .limit(SEARCH_LIMIT);
  const term = q?.trim();
  if (term) {
    const like = `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) => eb.or([eb('o.id', '=', term.toLowerCase()), eb('o.name', 'ilike', like)]));
  }
  return query.execute();
}

/** An organization's projects (its children), each with its accounts by status. */
export async function organizationProjects(db: Queryable, organizationId: string) {
  return db
    .selectFrom('projects as p')
    .leftJoin('social_accounts as a', 'a.project_id', 'p.id')
    .select(['p.id', 'p.name', 'p.status', 'p.created_at'])
    .select([
      sql<number>`count(a.id) FILTER (WHERE a.status = 'connected')::int`.as('connected'),
      sql<number>`count(a.id) FILTER (WHERE a.status = 'reauth_required')::int`.as('reauth_required'),
      sql<number>`count(a.id) FILTER (WHERE a.status = 'disconnected')::int`.as('disconnected'),
    ])
    .where('p.organization_id', '=', organizationId)
    .groupBy(['p.id', 'p.name', 'p.status', 'p.created_at'])
    .orderBy('p.created_at', 'desc')
    .limit(200)
    .execute();
}

export async function readGlobalKillSwitch(db: Queryable) {
  const row = await db.selectFrom('settings').select('global_kill_switch').executeTakeFirst();
  return row?.global_kill_switch ?? false;
}

/** Accounts of any organization by id (exact) or handle (exact, any case, with or without @). */
export async function findAccountsByIdOrHandle(db: Queryable, q: string) {
  const term = q.trim().replace(/^@/, '');
  return db
    .selectFrom('social_accounts as a')
    .leftJoin('organizations as o', 'o.id', 'a.organization_id')
    .select([
      'a.id',
      'a.handle',
      'a.platform',
      'a.status',
      'a.env',
      'a.leased',
      'a.organization_id',
      'a.project_id',
      'o.name as organization_name',
    ])
    .where((eb) => eb.or([eb('a.id', '=', term.toLowerCase()), eb(sql`lower(a.handle)`, '=', term.toLowerCase())]))
    .orderBy('a.created_at', 'desc')
    .limit(SEARCH_LIMIT)
    .execute();
}

/** An account's queued posts, soonest first (at most `limit`). */
export async function listQueuedPostsOfAccount(db: Queryable, socialAccountId: string, limit: number) {
  return db
    .selectFrom('scheduled_posts')
    .select(['id', 'scheduled_for', 'mode', 'retry_at'])
    .where('social_account_id', '=', socialAccountId)
    .where('status', '=', 'queued')
    .orderBy('scheduled_for')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Endpoints paused for failing, or failing now (consecutive failures), the worst first. */
export async function listFailingEndpoints(db: Queryable) {
  return db
    .selectFrom('webhook_endpoints as e')
    .innerJoin('organizations as o', 'o.id', 'e.organization_id')
    .select([
      'e.id',
      'e.organization_id',
      'o.name as organization_name',
      'e.url',
      'e.status',
      'e.paused_reason',
      'e.paused_at',
      'e.consecutive_failures',
    ])
    .where('e.deleted_at', 'is', null)
    .where((eb) => eb.or([eb('e.paused_reason', '=', 'consecutive_failures'), eb('e.consecutive_failures', '>', 0)]))
    .orderBy('e.consecutive_failures', 'desc')
    .orderBy('e.id')
    .limit(100)
    .execute();
}

/** The organization a live endpoint's delivery belongs to (what an operator's replay acts as). */
export async function findDeliveryOrganization(db: Queryable, deliveryId: string) {
  const row = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .select('e.organization_id')
    .where('d.id', '=', deliveryId)
    .where('e.deleted_at', 'is', null)
    .executeTakeFirst();
  return row?.organization_id;
}

export type OperatorAuditRow = {
  action: string;
  via: 'console' | 'api';
  session_id: string | null;
  request_id: string | null;
  organization_id: string | null;
  target: string | null;
  data: Record<string, unknown>;
  created_at: Date;
};

/** Only src/events/emit.ts calls this: it checks the action and its data against the catalogue. */
export async function insertOperatorAuditRow(tx: Tx, row: OperatorAuditRow) {
  await tx
    .insertInto('operator_audit_log')
    .values({ ...row, data: JSON.stringify(row.data) })
    .execute();
}

export async function listOperatorAuditRows(db: Queryable, limit: number) {
  return db.selectFrom('operator_audit_log').selectAll().orderBy('id', 'desc').limit(limit).execute();
}
