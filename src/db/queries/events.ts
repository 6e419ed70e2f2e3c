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
  posts: { ids: string[]; projectIds: string[]; socialAccountId: string; reason: string },
) {
  if (posts.ids.length === 0) return;
  const canceledAt = toWire(base.now);
  await sql`
    INSERT INTO audit_log (organization_id, project_id, api_key_id, request_id, event_type, data, created_at)
    SELECT ${base.organizationId}, p.project_id, ${base.apiKeyId}, ${base.requestId}, 'scheduled_post.canceled',
           jsonb_build_object('scheduledPostId', p.id, 'socialAccountId', ${posts.socialAccountId}::text,
                              'reason', ${posts.reason}::text),
           ${base.now}
    FROM unnest(${posts.ids}::text[], ${posts.projectIds}::text[]) AS p(id, project_id)`.execute(tx);
  await sql`
    INSERT INTO outbox_events (id, organization_id, type, data, created_at)
    SELECT 'evt_' || gen_random_uuid(), ${base.organizationId}, 'post.canceled',
           jsonb_build_object('id', p.id, 'projectId', p.project_id, 'socialAccountId', ${posts.socialAccountId}::text,
                              'status', 'canceled', 'cancelReason', ${posts.reason}::text,
                              'canceledAt', ${canceledAt}::text),
           ${base.now}
    FROM unnest(${posts.ids}::text[], ${posts.projectIds}::text[]) AS p(id, project_id)`.execute(tx);
}
