import { sql } from 'kysely';
import { toWire } from '../../clock.js';
import type { Tx } from '../client.js';

// Audit rows and outbox events, written in the transaction of the change they describe.

export type AuditBase = { organizationId: string; apiKeyId: string | null; requestId: string | null; now: Date };

export async function insertAuditRow(
  tx: Tx,
  base: AuditBase,
  row: { eventType: string; projectId: string | null; data: Record<string, unknown> },
) {
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

/**
 * One audit row (`scheduled_post.canceled`) and one outbox event (`post.canceled`) per post,
 * in two set-based statements: 10,000 posts never turn into 10,000 round trips.
 */
export async function recordPostCancellations(
  tx: Tx,
  base: AuditBase,
  posts: { id: string; project_id: string; social_account_id: string }[],
  reason: string,
) {
  if (posts.length === 0) return;
  const canceledAt = toWire(base.now);
  const ids = posts.map((p) => p.id);
  const projectIds = posts.map((p) => p.project_id);
  const accountIds = posts.map((p) => p.social_account_id);
  await sql`
    INSERT INTO audit_log (organization_id, project_id, api_key_id, request_id, event_type, data, created_at)
    SELECT ${base.organizationId}, p.project_id, ${base.apiKeyId}, ${base.requestId}, 'scheduled_post.canceled',
           jsonb_build_object('scheduledPostId', p.id, 'socialAccountId', p.account_id, 'reason', ${reason}::text),
           ${base.now}
    FROM unnest(${ids}::text[], ${projectIds}::text[], ${accountIds}::text[]) AS p(id, project_id, account_id)`.execute(tx);
  await sql`
    INSERT INTO outbox_events (id, organization_id, type, data, created_at)
    SELECT 'evt_' || gen_random_uuid(), ${base.organizationId}, 'post.canceled',
           jsonb_build_object('id', p.id, 'projectId', p.project_id, 'socialAccountId', p.account_id,
                              'status', 'canceled', 'cancelReason', ${reason}::text, 'canceledAt', ${canceledAt}::text),
           ${base.now}
    FROM unnest(${ids}::text[], ${projectIds}::text[], ${accountIds}::text[]) AS p(id, project_id, account_id)`.execute(tx);
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
                ${rows.map((r) => JSON.stringify(r.data))}::text[]::jsonb[]) AS r(event_type, project_id, data)`.execute(tx);
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
