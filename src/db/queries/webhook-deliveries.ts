import { sql } from 'kysely';
import type { Queryable, Tx } from '../client.js';
import type { WebhookDeliveryStatus } from '../schema.js';

// Webhook deliveries: one row per (event, endpoint), created by the fan-out (or directly, for a
// test ping or a replay), claimed and settled by the delivery worker.

/**
 * Fans a batch of undispatched outbox events out to every active endpoint of their
 * organization subscribed to their type (or to `*`), and to the parent organization's
 * `all_children` endpoints likewise, and marks the batch dispatched: one statement, one
 * transaction. SKIP LOCKED: concurrent workers take disjoint batches.
 */
export async function fanOutOutboxEvents(tx: Tx, opts: { now: Date; limit: number }) {
  const res = await sql<{ events: number; deliveries: number }>`
    WITH batch AS (
      SELECT id, seq, organization_id, type FROM outbox_events
      WHERE dispatched_at IS NULL ORDER BY seq LIMIT ${opts.limit} FOR UPDATE SKIP LOCKED
    ), fanned AS (
      INSERT INTO webhook_deliveries (id, endpoint_id, event_id, status, next_attempt_at, created_at, updated_at)
      SELECT 'dlv_' || gen_random_uuid(), e.id, b.id, 'pending', ${opts.now}, ${opts.now}, ${opts.now}
      FROM batch b JOIN organizations o ON o.id = b.organization_id
      JOIN webhook_endpoints e ON e.organization_id IN (b.organization_id, o.parent_organization_id)
        AND (e.organization_id = b.organization_id OR e.scope = 'all_children')
      WHERE e.status = 'active' AND e.deleted_at IS NULL AND b.type <> 'test.ping'
        AND (b.type = ANY (e.event_types) OR '*' = ANY (e.event_types))
      ORDER BY b.seq
      ON CONFLICT (event_id, endpoint_id) DO NOTHING
      RETURNING 1
    ), marked AS (
      UPDATE outbox_events SET dispatched_at = ${opts.now} WHERE id IN (SELECT id FROM batch) RETURNING 1
    )
    SELECT (SELECT count(*) FROM marked)::int AS events, (SELECT count(*) FROM fanned)::int AS deliveries`.execute(tx);
  return res.rows[0]!;
}

export type ClaimedDelivery = {
  id: string;
  attempts: number;
  endpoint_id: string;
  organization_id: string;
  /** The event's organization: a child's, for a parent's `all_children` endpoint. */
  event_organization_id: string;
  url: string;
  secret: Uint8Array;
  previous_secret: Uint8Array | null;
  previous_secret_expires_at: Date | null;
  event_id: string;
  event_type: string;
  event_data: unknown;
  event_created_at: Date;
  replay_of: string | null;
};

/**
 * Claims due deliveries for one worker: each gets its attempt counted and `next_attempt_at`
 * pushed to `leaseUntil`, so no other worker sends it meanwhile; a dead worker's rows come due
 * again when the lease ends. Held, never claimed: deliveries of an endpoint that is not active,
 * of an organization switched off (its own switch, its suspension, its parent's switch:
 * organization_switches), and everything while the global switch is on.
 */
export async function claimDueDeliveries(db: Queryable, opts: { now: Date; leaseUntil: Date; limit: number }) {
  const res = await sql<ClaimedDelivery>`
    WITH due AS (
      SELECT d.id FROM webhook_deliveries d
      JOIN webhook_endpoints e ON e.id = d.endpoint_id
      JOIN organization_switches o ON o.id = e.organization_id
      WHERE d.status = 'pending' AND d.next_attempt_at <= ${opts.now}
        AND e.status = 'active' AND e.deleted_at IS NULL
        AND NOT o.switched_off AND NOT (SELECT global_kill_switch FROM settings)
      ORDER BY d.next_attempt_at, d.seq
      LIMIT ${opts.limit}
      FOR UPDATE OF d SKIP LOCKED
    )
    UPDATE webhook_deliveries d
    SET attempts = d.attempts + 1, next_attempt_at = ${opts.leaseUntil}, updated_at = ${opts.now}
    FROM due, webhook_endpoints e, outbox_events ev
    WHERE d.id = due.id AND e.id = d.endpoint_id AND ev.id = d.event_id
    RETURNING d.id, d.attempts, d.endpoint_id, e.organization_id, e.url, e.secret, e.previous_secret,
              e.previous_secret_expires_at, ev.id AS event_id, ev.organization_id AS event_organization_id,
              ev.type AS event_type, ev.data AS event_data,
              ev.created_at AS event_created_at, ev.replay_of`.execute(db);
  return res.rows;
}

/** Records an attempt's outcome, fenced on the claim: a worker whose lease ran out records nothing. */
export async function settleDeliveryAttempt(
  tx: Tx,
  claim: { id: string; attempts: number },
  outcome: {
    status: WebhookDeliveryStatus;
    statusCode: number | null;
    error: string | null;
    nextAttemptAt: Date | null;
    attemptedAt: Date;
    now: Date;
  },
) {
  const row = await tx
    .updateTable('webhook_deliveries')
    .set({
      status: outcome.status,
      next_attempt_at: outcome.nextAttemptAt,
      last_status_code: outcome.statusCode,
      last_error: outcome.error,
      last_attempt_at: outcome.attemptedAt,
      delivered_at: outcome.status === 'succeeded' ? outcome.attemptedAt : null,
      updated_at: outcome.now,
    })
    .where('id', '=', claim.id)
    .where('status', '=', 'pending')
    .where('attempts', '=', claim.attempts)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function resetEndpointFailures(tx: Tx, endpointId: string) {
  // Only writes when there is something to reset: a healthy endpoint's row is not rewritten per delivery.
  await tx
    .updateTable('webhook_endpoints')
    .set({ consecutive_failures: 0 })
    .where('id', '=', endpointId)
    .where('consecutive_failures', '<>', 0)
    .execute();
}

/** Counts a failed attempt; an active endpoint reaching `pauseAt` pauses itself. */
export async function countEndpointFailure(tx: Tx, endpointId: string, opts: { pauseAt: number; now: Date }) {
  const pauses = sql`e.status = 'active' AND e.consecutive_failures + 1 >= ${opts.pauseAt}`;
  const res = await sql<{ old_status: string; status: string; consecutive_failures: number }>`
    WITH old AS (SELECT id, status FROM webhook_endpoints WHERE id = ${endpointId} FOR UPDATE)
    UPDATE webhook_endpoints e SET
      consecutive_failures = e.consecutive_failures + 1,
      status = CASE WHEN ${pauses} THEN 'paused' ELSE e.status END,
      paused_reason = CASE WHEN ${pauses} THEN 'consecutive_failures' ELSE e.paused_reason END,
      paused_at = CASE WHEN ${pauses} THEN ${opts.now} ELSE e.paused_at END,
      updated_at = CASE WHEN ${pauses} THEN ${opts.now} ELSE e.updated_at END
    FROM old WHERE e.id = old.id
    RETURNING old.status AS old_status, e.status, e.consecutive_failures`.execute(tx);
  return res.rows[0];
}

/** An event written straight to the outbox as dispatched: its one delivery is created beside it. */
export async function insertDirectEvent(
  tx: Tx,
  e: { id: string; organizationId: string; type: string; data: Record<string, unknown>; now: Date },
) {
  await tx
    .insertInto('outbox_events')
    .values({
      id: e.id,
      organization_id: e.organizationId,
      type: e.type,
      data: JSON.stringify(e.data),
      created_at: e.now,
      dispatched_at: e.now,
    })
    .execute();
}

/** A replay: a new event (new id, new time) with the original's type and data, naming the first original. */
export async function insertReplayEvent(tx: Tx, e: { id: string; originalId: string; now: Date }) {
  await sql`
    INSERT INTO outbox_events (id, organization_id, type, data, created_at, dispatched_at, replay_of)
    SELECT ${e.id}, organization_id, type, data, ${e.now}, ${e.now}, COALESCE(replay_of, id)
    FROM outbox_events WHERE id = ${e.originalId}`.execute(tx);
}

export async function insertDelivery(tx: Tx, d: { id: string; endpointId: string; eventId: string; now: Date }) {
  await tx
    .insertInto('webhook_deliveries')
    .values({
      id: d.id,
      endpoint_id: d.endpointId,
      event_id: d.eventId,
      status: 'pending',
      next_attempt_at: d.now,
      created_at: d.now,
      updated_at: d.now,
    })
    .execute();
}

/** A deleted endpoint's pending deliveries end: nothing will ever send them. */
export async function abandonPendingDeliveries(tx: Tx, endpointId: string, now: Date) {
  await tx
    .updateTable('webhook_deliveries')
    .set({ status: 'abandoned', next_attempt_at: null, last_error: 'endpoint deleted', updated_at: now })
    .where('endpoint_id', '=', endpointId)
    .where('status', '=', 'pending')
    .execute();
}

function deliveryView(db: Queryable) {
  return db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('outbox_events as ev', 'ev.id', 'd.event_id')
    .select([
      'd.id',
      'd.seq',
      'd.endpoint_id',
      'd.event_id',
      'ev.type as event_type',
      'ev.replay_of',
      'd.status',
      'd.attempts',
      'd.last_status_code',
      'd.last_error',
      'd.next_attempt_at',
      'd.last_attempt_at',
      'd.delivered_at',
      'd.created_at',
      'd.updated_at',
    ]);
}

export type DeliveryRow = Awaited<ReturnType<typeof findDeliveryById>> & {};

export async function findDeliveryById(db: Queryable, id: string) {
  return deliveryView(db).where('d.id', '=', id).executeTakeFirstOrThrow();
}

/** One endpoint's deliveries, newest first, keyset-paginated on seq. */
export async function listDeliveryRows(
  db: Queryable,
  f: { endpointId: string; status?: WebhookDeliveryStatus; beforeSeq?: number; limit: number },
) {
  let q = deliveryView(db).where('d.endpoint_id', '=', f.endpointId).orderBy('d.seq', 'desc').limit(f.limit);
  if (f.status !== undefined) q = q.where('d.status', '=', f.status);
  if (f.beforeSeq !== undefined) q = q.where('d.seq', '<', f.beforeSeq);
  return q.execute();
}

/** A delivery of a live endpoint of this organization, with what a replay needs. */
export async function findDeliveryForOrganization(db: Queryable, organizationId: string, id: string) {
  return db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .select(['d.id', 'd.event_id', 'd.endpoint_id', 'e.status as endpoint_status'])
    .where('d.id', '=', id)
    .where('e.organization_id', '=', organizationId)
    .where('e.deleted_at', 'is', null)
    .executeTakeFirst();
}
