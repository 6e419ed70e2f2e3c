import { sql } from 'kysely';
import type { Tx } from '../client.js';

// Audit rows and outbox events, written in the transaction of the change they describe.

export type AuditBase = { organizationId: string; apiKeyId: string | null; requestId: string | null; now: Date };
export type AuditRow = { eventType: string; projectId: string | null; data: Record<string, unknown> };

export async function insertAuditRow(tx: Tx, base: AuditBase, row: AuditRow) {
  await tx
    .insertInto('audit_log')
    .values({
      organization_id: base.organizationId,
      project_id: row.projectId,
      api_key_id: base.apiKeyId,
      request_id: base.requestId,
      event_type: row.eventType,
      data: JSON.stringify(row.data),
      created_at: base.now,
    })
    .execute();
}

export async function insertOutboxEvent(
  tx: Tx,
  event: { id: string; organizationId: string; type: string; data: Record<string, unknown>; now: Date },
) {
  await tx
    .insertInto('outbox_events')
    .values({
      id: event.id,
      organization_id: event.organizationId,
      type: event.type,
      data: JSON.stringify(event.data),
      created_at: event.now,
    })
    .execute();
}

/** Many audit rows in one statement (each row's data travels as one element of a jsonb array). */
export async function insertAuditRows(
  tx: Tx,
  base: AuditBase,
  rows: { eventType: string; projectId: string | null; data: Record<string, unknown> }[],
) {
  if (rows.length === 0) return;
  await sql`
    INSERT INTO audit_log (organization_id, project_id, api_key_id, request_id, event_type, data, created_at)
    SELECT ${base.organizationId}, r.project_id, ${base.apiKeyId}, ${base.requestId}, r.event_type, r.data, ${base.now}
    FROM unnest(${rows.map((r) => r.eventType)}::text[], ${rows.map((r) => r.projectId)}::text[],
                ${rows.map((r) => JSON.stringify(r.data))}::text[]::jsonb[])
      AS r(event_type, project_id, data)`.execute(tx);
}

/** Many outbox events in one statement, in the order given (their seq follows it). */
export async function insertOutboxEvents(
  tx: Tx,
  base: { organizationId: string; now: Date },
  events: { id: string; type: string; data: Record<string, unknown> }[],
) {
  if (events.length === 0) return;
  await sql`
    INSERT INTO outbox_events (id, organization_id, type, data, created_at)
    SELECT e.id, ${base.organizationId}, e.type, e.data, ${base.now}
    FROM unnest(${events.map((e) => e.id)}::text[], ${events.map((e) => e.type)}::text[],
                ${events.map((e) => JSON.stringify(e.data))}::text[]::jsonb[]) WITH ORDINALITY AS e(id, type, data, n)
    ORDER BY e.n`.execute(tx);
}
