import type { ActingCtx } from '../context.js';
import type { Tx } from '../db/client.js';
import { insertAuditRows, insertOutboxEvents } from '../db/queries/events.js';
import { insertOperatorAuditRow } from '../db/queries/operator.js';
import { newId } from '../ids.js';
import {
  type AuditEntry,
  type AuditOnlyEventType,
  type AuditPayload,
  type CancelReason,
  isWebhookEventType,
  postCanceledEvents,
  type WebhookEventType,
  type WebhookPayload,
} from './catalogue.js';
import type { OperatorActor, OperatorEventType, OperatorPayload } from './operator-catalogue.js';

// The one writer of outbox events and audit rows, in the transaction of the change they
// describe — except a bulk cancel's per-post records, which the worker writes after the cancel
// commits (emitPostsCanceled). Services and the worker both call it, so it imports no service code.

/** Who acted and when: the base of every row written for one change. */
export type EventCtx = { organizationId: string; apiKeyId: string | null; requestId: string | null; now: Date };

/** A request's events: its organization, API key and request id. */
export function requestEvents(ctx: Pick<ActingCtx, 'principal' | 'requestId'>, now: Date): EventCtx {
  return {
    organizationId: ctx.principal.organizationId,
    apiKeyId: ctx.principal.apiKeyId,
    requestId: ctx.requestId,
    now,
  };
}

/** The worker's, the operator's or a callback's events: no request of the organization's own. */
export function systemEvents(organizationId: string, now: Date, apiKeyId: string | null = null): EventCtx {
  return { organizationId, apiKeyId, requestId: null, now };
}

type EmittableType = WebhookEventType | AuditOnlyEventType;
type PayloadOf<T extends EmittableType> = T extends WebhookEventType
  ? WebhookPayload<T>
  : T extends AuditOnlyEventType
    ? AuditPayload<T>
    : never;
type OptionsOf<T extends EmittableType> = T extends WebhookEventType
  ? [opts?: { audit?: AuditEntry }]
  : [opts: { projectId: string | null }];

/**
 * A webhook type writes its outbox event (and `audit`, the change's audit row, when given);
 * an audit-only type writes its audit row in `projectId`.
 */
export async function emit<T extends EmittableType>(
  tx: Tx,
  ev: EventCtx,
  type: T,
  payload: PayloadOf<T>,
  ...[opts]: OptionsOf<T>
): Promise<void> {
  if (isWebhookEventType(type)) {
    const audit = (opts as { audit?: AuditEntry } | undefined)?.audit;
    await emitMany(tx, ev, type, [payload as WebhookPayload<typeof type>], { audit: audit ? [audit] : [] });
    return;
  }
  const { projectId } = opts as { projectId: string | null };
  await insertAuditRows(tx, ev, [
    { event_type: type, project_id: projectId, data: payload as Record<string, unknown> },
  ]);
}

/**
 * Set-based: one outbox event per payload, in order, and the audit rows given, in order — one
 * statement per table however many (a 10,000-post revoke binds a handful of parameters).
 */
export async function emitMany<T extends WebhookEventType>(
  tx: Tx,
  ev: EventCtx,
  type: T,
  payloads: WebhookPayload<T>[],
  opts: { audit?: AuditEntry[] } = {},
): Promise<void> {
  const audit = opts.audit ?? [];
  await insertAuditRows(
    tx,
    ev,
    audit.map((a) => ({ event_type: a.type, project_id: a.projectId, data: a.data })),
  );
  await insertOutboxEvents(
    tx,
    ev,
    payloads.map((data) => ({ id: newId('evt'), type, data })),
  );
}

/**
 * The per-post records of a bulk cancel (revoke, release, archive), in the order given: each
 * post's audit row, then each post's `post.canceled` event. The worker writes them after the
 * cancel commits (src/worker/post-cancellations.ts), with the cancel's own `ev` (its key, request
 * and instant); the cancel wrote its own audit row itself.
 */
export async function emitPostsCanceled(
  tx: Tx,
  ev: EventCtx,
  posts: { id: string; project_id: string; social_account_id: string }[],
  reason: CancelReason,
): Promise<void> {
  const { payloads, audits } = postCanceledEvents(posts, reason, ev.now);
  await emitMany(tx, ev, 'post.canceled', payloads, { audit: audits });
}

/**
 * The operator's audit row (operator_audit_log) for a change made through the operator plane, in
 * that change's transaction: the action, who (console session or admin API), and its target.
 */
export async function emitOperator<T extends OperatorEventType>(
  tx: Tx,
  actor: OperatorActor,
  now: Date,
  action: T,
  payload: OperatorPayload<T>,
  on: { organizationId?: string | null; target?: string | null } = {},
): Promise<void> {
  await insertOperatorAuditRow(tx, {
    action,
    via: actor.via,
    session_id: actor.sessionId,
    request_id: actor.requestId,
    organization_id: on.organizationId ?? null,
    target: on.target ?? null,
    data: payload,
    created_at: now,
  });
}
