import type { Selectable, Updateable } from 'kysely';
import { toWire } from '../clock.js';
import type { Ctx } from '../context.js';
import { withTransaction } from '../db/client.js';
import { abandonPendingDeliveries } from '../db/queries/webhook-deliveries.js';
import {
  countLiveWebhookEndpoints,
  findWebhookEndpoint,
  findWebhookEndpointForUpdate,
  insertWebhookEndpoint,
  listWebhookEndpointRows,
  lockOrganizationForEndpoints,
  updateWebhookEndpointRow,
} from '../db/queries/webhook-endpoints.js';
import type { WebhookEndpointScope, WebhookEndpointsTable } from '../db/schema.js';
import { emit, requestEvents } from '../events/emit.js';
import { ApiError, notFound } from '../http/errors.js';
import { forbiddenScope, holdsScope } from '../http/guards/scope.js';
import { newId } from '../ids.js';
import { newWebhookSecret, secretContext } from '../webhooks/signature.js';
import { assertSafeWebhookUrl, type UrlRules } from '../webhooks/url-safety.js';
import { cursorId, cursorInstant, listCursor, page } from './pagination.js';

export const MAX_ENDPOINTS_PER_ORGANIZATION = 20; // bounds one event's fan-out: 20 endpoints, 20 more of a parent
export const PREVIOUS_SECRET_TTL_MS = 24 * 3600 * 1000; // spec: after a rotation the old secret signs 24 h more

type EndpointRow = Selectable<WebhookEndpointsTable>;

export function endpointView(row: EndpointRow, now: Date) {
  const previousLive =
    row.previous_secret !== null && row.previous_secret_expires_at !== null && row.previous_secret_expires_at > now;
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.event_types,
    scope: row.scope,
    status: row.status as 'active' | 'paused', // 0001's CHECK also allows 'disabled'; nothing writes it
    pausedReason: row.paused_reason,
    pausedAt: toWire(row.paused_at),
    consecutiveFailures: row.consecutive_failures,
    previousSecretExpiresAt: previousLive ? toWire(row.previous_secret_expires_at) : null,
    createdAt: toWire(row.created_at),
    updatedAt: toWire(row.updated_at),
  };
}

export function endpointNotFound(id: string) {
  return notFound('webhook endpoint', id);
}

/**
 * `all_children` takes `org:admin` (403 FORBIDDEN_SCOPE) and an organization that can have
 * children: a child organization's key is refused with 422 (children are one level deep).
 */
function assertScopeAllowed(ctx: Ctx, scope: WebhookEndpointScope | undefined) {
  if (scope !== 'all_children') return;
  if (!holdsScope(ctx.principal.scopes, 'org:admin')) throw forbiddenScope('org:admin');
  if (ctx.principal.parentOrganizationId !== null)
    throw new ApiError('UNPROCESSABLE', 'A child organization has no children to receive events from.', {
      issues: [{ path: 'scope', message: 'the calling organization is itself a child organization' }],
    });
}

/** Creates an endpoint and returns its signing secret: the only time the secret is shown. */
export async function createWebhookEndpoint(
  ctx: Ctx,
  input: { url: string; description?: string | null; events: string[]; scope?: WebhookEndpointScope },
  rules: UrlRules,
) {
  assertScopeAllowed(ctx, input.scope);
  await assertSafeWebhookUrl(input.url, rules);
  return withTransaction(ctx.db, async (tx) => {
    const { organizationId } = ctx.principal;
    await lockOrganizationForEndpoints(tx, organizationId);
    if ((await countLiveWebhookEndpoints(tx, organizationId)) >= MAX_ENDPOINTS_PER_ORGANIZATION) {
      throw new ApiError(
        'CONFLICT',
        `An organization can have at most ${MAX_ENDPOINTS_PER_ORGANIZATION} webhook endpoints; delete one first.`,
        {
          reason: 'endpoint_limit',
          limit: MAX_ENDPOINTS_PER_ORGANIZATION,
        },
      );
    }
    const id = newId('whe');
    const secret = newWebhookSecret();
    const now = ctx.clock.now();
    const row = await insertWebhookEndpoint(tx, {
      id,
      organization_id: organizationId,
      url: input.url,
      description: input.description ?? null,
      event_types: [...new Set(input.events)],
      status: 'active',
      secret: ctx.tokenCrypto.sealSecret(secretContext(id), secret),
      previous_secret: null,
      previous_secret_expires_at: null,
      paused_reason: null,
      paused_at: null,
      created_at: now,
      updated_at: now,
      deleted_at: null,
      scope: input.scope ?? 'organization',
    });
    await emit(
      tx,
      requestEvents(ctx, now),
      'webhook_endpoint.created',
      { webhookEndpointId: id, url: row.url, events: row.event_types },
      { projectId: null },
    );
    return { ...endpointView(row, now), secret };
  });
}

const cursors = listCursor('webhook-endpoints', { createdAt: cursorInstant, id: cursorId });

export async function listWebhookEndpoints(ctx: Ctx, input: { limit: number; cursor?: string }) {
  const after = cursors.decode(input);
  const rows = await listWebhookEndpointRows(ctx.db, {
    organizationId: ctx.principal.organizationId,
    after: after && { createdAt: new Date(after.createdAt), id: after.id },
    limit: input.limit + 1,
  });
  const now = ctx.clock.now();
  const { items, nextCursor } = page(rows, input.limit, (last) =>
    cursors.encode({ createdAt: last.created_at.toISOString(), id: last.id }, input),
  );
  return { items: items.map((r) => endpointView(r, now)), nextCursor };
}

export async function getWebhookEndpoint(ctx: Ctx, input: { id: string }) {
  const row = await findWebhookEndpoint(ctx.db, ctx.principal.organizationId, input.id);
  if (!row) throw endpointNotFound(input.id);
  return endpointView(row, ctx.clock.now());
}

export type EndpointChanges = {
  url?: string;
  description?: string | null;
  events?: string[];
  status?: 'active' | 'paused';
  scope?: WebhookEndpointScope;
};

/** PATCH: any of url, description, events, status, scope. Re-activating a paused endpoint resets its failure count. */
export async function updateWebhookEndpoint(ctx: Ctx, input: { id: string } & EndpointChanges, rules: UrlRules) {
  assertScopeAllowed(ctx, input.scope);
  if (input.url !== undefined) await assertSafeWebhookUrl(input.url, rules);
  return withTransaction(ctx.db, async (tx) => {
    const row = await findWebhookEndpointForUpdate(tx, ctx.principal.organizationId, input.id);
    if (!row) throw endpointNotFound(input.id);
    const now = ctx.clock.now();
    const changes: Updateable<WebhookEndpointsTable> = { ...statusChange(row, input.status, now), updated_at: now };
    if (input.url !== undefined) changes.url = input.url;
    if (input.description !== undefined) changes.description = input.description;
    if (input.events !== undefined) changes.event_types = [...new Set(input.events)];
    if (input.scope !== undefined) changes.scope = input.scope;
    const updated = await updateWebhookEndpointRow(tx, row.id, changes);
    const { id: _id, ...changed } = input;
    await emit(
      tx,
      requestEvents(ctx, now),
      'webhook_endpoint.updated',
      { webhookEndpointId: row.id, changes: changed },
      { projectId: null },
    );
    return endpointView(updated, now);
  });
}

function statusChange(
  row: EndpointRow,
  status: 'active' | 'paused' | undefined,
  now: Date,
): Updateable<WebhookEndpointsTable> {
  if (status === undefined || status === row.status) return {};
  if (status === 'active') return { status, consecutive_failures: 0, paused_reason: null, paused_at: null };
  return { status, paused_reason: 'manual', paused_at: now };
}

/** Soft delete: the endpoint disappears from the API and its pending deliveries are abandoned. */
export async function deleteWebhookEndpoint(ctx: Ctx, input: { id: string }) {
  return withTransaction(ctx.db, async (tx) => {
    const row = await findWebhookEndpointForUpdate(tx, ctx.principal.organizationId, input.id);
    if (!row) throw endpointNotFound(input.id);
    const now = ctx.clock.now();
    await updateWebhookEndpointRow(tx, row.id, { deleted_at: now, updated_at: now });
    await abandonPendingDeliveries(tx, row.id, now);
    await emit(
      tx,
      requestEvents(ctx, now),
      'webhook_endpoint.deleted',
      { webhookEndpointId: row.id, url: row.url },
      { projectId: null },
    );
    return { id: row.id, deleted: true as const, deletedAt: toWire(now) };
  });
}

/**
 * A new secret, shown once. The current one becomes the previous one and keeps signing for 24 h
 * (both v1= values are sent); rotating again within those 24 h retires the older one at once.
 */
export async function rotateWebhookSecret(ctx: Ctx, input: { id: string }) {
  return withTransaction(ctx.db, async (tx) => {
    const row = await findWebhookEndpointForUpdate(tx, ctx.principal.organizationId, input.id);
    if (!row) throw endpointNotFound(input.id);
    const now = ctx.clock.now();
    const secret = newWebhookSecret();
    const updated = await updateWebhookEndpointRow(tx, row.id, {
      secret: ctx.tokenCrypto.sealSecret(secretContext(row.id), secret),
      previous_secret: row.secret,
      previous_secret_expires_at: new Date(now.getTime() + PREVIOUS_SECRET_TTL_MS),
      updated_at: now,
    });
    const view = endpointView(updated, now);
    await emit(
      tx,
      requestEvents(ctx, now),
      'webhook_endpoint.secret_rotated',
      { webhookEndpointId: row.id, previousSecretExpiresAt: view.previousSecretExpiresAt },
      { projectId: null },
    );
    return { ...view, secret };
  });
}
