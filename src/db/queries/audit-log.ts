import type { Queryable } from '../client.js';

export type AuditFilter = {
  organizationId: string;
  eventType?: string;
  projectId?: string;
  since?: Date;
  until?: Date;
  beforeId?: number;
  limit: number;
};

/** Newest first (identity order), keyset-paginated by id. */
export async function listAuditRows(db: Queryable, f: AuditFilter) {
  let q = db
    .selectFrom('audit_log')
    .selectAll()
    .where('organization_id', '=', f.organizationId)
    .orderBy('id', 'desc')
    .limit(f.limit);
  if (f.eventType !== undefined) q = q.where('event_type', '=', f.eventType);
  if (f.projectId !== undefined) q = q.where('project_id', '=', f.projectId);
  if (f.since !== undefined) q = q.where('created_at', '>=', f.since);
  if (f.until !== undefined) q = q.where('created_at', '<', f.until);
  if (f.beforeId !== undefined) q = q.where('id', '<', f.beforeId);
  return q.execute();
}
