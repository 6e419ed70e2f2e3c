import { z } from 'zod';
import { toWire } from '../clock.js';
import type { ActingCtx, Ctx } from '../context.js';
import { type Tx, withTransaction } from '../db/client.js';
import {
  type DeliveryRow,
  findDeliveryById,
  findDeliveryForOrganization,
  insertDelivery,
  insertDirectEvent,
  insertReplayEvent,
  listDeliveryRows,
} from '../db/queries/webhook-deliveries.js';
import { findWebhookEndpoint, findWebhookEndpointForUpdate } from '../db/queries/webhook-endpoints.js';
import type { WebhookDeliveryStatus } from '../db/schema.js';
import { TEST_EVENT_TYPE } from '../events/catalogue.js';
import { emit, requestEvents } from '../events/emit.js';
import { ApiError, notFound } from '../http/errors.js';
import { newId } from '../ids.js';
import { listCursor, page } from './pagination.js';
import { endpointNotFound } from './webhook-endpoints.js';

export function deliveryView(row: DeliveryRow) {
  return {
    id: row.id,
    webhookEndpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type,
    replayOf: row.replay_of,
    status: row.status,
    attempts: row.attempts,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    nextAttemptAt: row.status === 'pending' ? toWire(row.next_attempt_at) : null,
    lastAttemptAt: toWire(row.last_attempt_at),
    deliveredAt: toWire(row.delivered_at),
    createdAt: toWire(row.created_at),
    updatedAt: toWire(row.updated_at),
  };
}

/** The endpoint, locked against a concurrent delete, and able to receive right now. */
async function sendableEndpoint(tx: Tx, ctx: ActingCtx, id: string) {
  const endpoint = await findWebhookEndpointForUpdate(tx, ctx.principal.organizationId, id);
  if (!endpoint) throw endpointNotFound(id);
  if (endpoint.status !== 'active') {
    throw new ApiError('CONFLICT', `Webhook endpoint ${id} is paused; re-activate it (PATCH status "active") first.`, {
      reason: 'endpoint_paused',
    });
  }
  return endpoint;
}

/** Enqueues a `test.ping` event to this endpoint only (subscriptions do not matter). */
export async function testWebhookEndpoint(ctx: Ctx, input: { id: string }) {
  return withTransaction(ctx.db, async (tx) => {
    const endpoint = await sendableEndpoint(tx, ctx, input.id);
    const { organizationId } = ctx.principal;
    const now = ctx.clock.now();
    const eventId = newId('evt');
    const deliveryId = newId('dlv');
    await insertDirectEvent(tx, {
      id: eventId,
      organizationId,
      type: TEST_EVENT_TYPE,
      now,
      data: {
        webhookEndpointId: endpoint.id,
        message: 'A test event from Layers: your endpoint is reachable and verifies signatures.',
      },
    });
    await insertDelivery(tx, { id: deliveryId, endpointId: endpoint.id, eventId, now });
    await emit(
      tx,
      requestEvents(ctx, now),
      'webhook_endpoint.tested',
      { webhookEndpointId: endpoint.id, webhookDeliveryId: deliveryId, eventId },
      { projectId: null },
    );
    return deliveryView(await findDeliveryById(tx, deliveryId));
  });
}

const cursors = listCursor('webhook-deliveries', { seq: z.number().int().positive() });

export async function listWebhookDeliveries(
  ctx: Ctx,
  input: { id: string; status?: WebhookDeliveryStatus; limit: number; cursor?: string },
) {
  const after = cursors.decode(input);
  const endpoint = await findWebhookEndpoint(ctx.db, ctx.principal.organizationId, input.id);
  if (!endpoint) throw endpointNotFound(input.id);
  const rows = await listDeliveryRows(ctx.db, {
    endpointId: endpoint.id,
    status: input.status,
    beforeSeq: after?.seq,
    limit: input.limit + 1,
  });
  const { items, nextCursor } = page(rows, input.limit, (last) => cursors.encode({ seq: Number(last.seq) }, input));
  return { items: items.map(deliveryView), nextCursor };
}

/**
 * Re-sends a delivery's event to the same endpoint as a NEW event (new id, `replayOf` naming the
 * original): a receiver that dedupes by event id processes it again, which is what a replay is for.
 */
export async function replayWebhookDelivery(ctx: ActingCtx, input: { id: string }) {
  return withTransaction(ctx.db, async (tx) => {
    const { organizationId } = ctx.principal;
    const original = await findDeliveryForOrganization(tx, organizationId, input.id);
    if (!original) throw notFound('webhook delivery', input.id);
    const endpoint = await sendableEndpoint(tx, ctx, original.endpoint_id);
    const now = ctx.clock.now();
    const eventId = newId('evt');
    const deliveryId = newId('dlv');
    await insertReplayEvent(tx, { id: eventId, originalId: original.event_id, now });
    await insertDelivery(tx, { id: deliveryId, endpointId: endpoint.id, eventId, now });
    const replay = deliveryView(await findDeliveryById(tx, deliveryId));
    await emit(
      tx,
      requestEvents(ctx, now),
      'webhook_delivery.replayed',
      { webhookDeliveryId: original.id, replayDeliveryId: deliveryId, eventId, replayOf: replay.replayOf },
      { projectId: null },
    );
    return replay;
  });
}
