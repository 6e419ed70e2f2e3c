import { sql } from 'kysely';
import type { Queryable, Tx } from '../client.js';
import { compiledOnce } from '../compiled.js';

// Audit rows and outbox events, written in the transaction of the change they describe. Only
// src/events/emit.ts calls these: it checks types and payloads against the event catalogue.
// Any number of rows is one statement with one parameter, a JSON array read by
// jsonb_to_recordset: for 10,000 rows about twice as fast as one text[] per column (array
// literal parsing and the jsonb[] cast), and never near PostgreSQL's 65,535 parameters.

export type AuditBase = { organizationId: string; apiKeyId: string | null; requestId: string | null; now: Date };
type Data = Record<string, unknown>;

const auditInsert = compiledOnce(
  (_tx: Queryable, a: AuditBase & { rows: string }) =>
    sql`
    INSERT INTO audit_log (organization_id, project_id, api_key_id, request_id, event_type, data, created_at)
    SELECT ${a.organizationId}, r.project_id, ${a.apiKeyId}, ${a.requestId}, r.event_type, r.data, ${a.now}
    FROM ROWS FROM (
      jsonb_to_recordset(${a.rows}::jsonb) AS (event_type text, project_id text, data jsonb)
    ) WITH ORDINALITY AS r(event_type, project_id, data, n)
    ORDER BY r.n`,
);

/** Audit rows, in the order given (their ids follow it). */
export async function insertAuditRows(
  tx: Tx,
  base: AuditBase,
  rows: { event_type: string; project_id: string | null; data: Data }[],
) {
  if (rows.length === 0) return;
  const { organizationId, apiKeyId, requestId, now } = base;
  await auditInsert.rows(tx, { organizationId, apiKeyId, requestId, now, rows: JSON.stringify(rows) });
}

const outboxInsert = compiledOnce(
  (_tx: Queryable, a: { organizationId: string; now: Date; events: string }) =>
    sql`
    INSERT INTO outbox_events (id, organization_id, type, data, created_at)
    SELECT e.id, ${a.organizationId}, e.type, e.data, ${a.now}
    FROM ROWS FROM (jsonb_to_recordset(${a.events}::jsonb) AS (id text, type text, data jsonb))
      WITH ORDINALITY AS e(id, type, data, n)
    ORDER BY e.n`,
);

/** Outbox events, in the order given (their seq follows it). */
export async function insertOutboxEvents(
  tx: Tx,
  base: { organizationId: string; now: Date },
  events: { id: string; type: string; data: Data }[],
) {
  if (events.length === 0) return;
  await outboxInsert.rows(tx, { organizationId: base.organizationId, now: base.now, events: JSON.stringify(events) });
}
