import type { z } from 'zod';
import { toWire } from '../clock.js';
import type { AUDIT_EVENTS } from './audit-catalogue.js';
import {
  contentApproved,
  contentRejected,
  leaseRequestAssigned,
  postCanceled,
  postFinished,
  postRescheduled,
  postScheduled,
  socialAccountConnected,
  socialAccountNeedsReauth,
  socialAccountRevoked,
  testPing,
} from './webhook-payloads.js';

// The event catalogue: every event type the server writes, with the payload it carries. Webhook
// types go to the outbox and are delivered to partners (docs/webhooks.md, the OpenAPI document's
// `webhooks`); audit types are rows of the audit log (`GET /v1/audit-log`). A few changes are
// recorded on both under one name, with a payload of their own on each (`social_account.*`).
// `emit` (./emit.ts) writes them; its `type` and `payload` are checked against this file. The
// schemas live in siblings, re-exported here where importers use them: ./webhook-payloads.ts (the
// shared primitives and the webhook payloads), ./audit-catalogue.ts (AUDIT_EVENTS) and
// ./operator-catalogue.ts (the operator's trail).

type WebhookEntry = { payload: z.ZodObject; summary: string; subscribable: boolean };
const webhook = <S extends z.ZodObject>(payload: S, summary: string, subscribable = true) => ({
  payload,
  summary,
  subscribable,
});

/** Webhook event types (spec §4 "Webhooks"), in the spec's order; each has its section in docs/webhooks.md. */
export const WEBHOOK_EVENTS = {
  'social_account.connected': webhook(socialAccountConnected, 'An account finished OAuth (new or reconnected).'),
  'social_account.needs_reauth': webhook(socialAccountNeedsReauth, 'The platform refused the grant: reconnect it.'),
  'social_account.revoked': webhook(socialAccountRevoked, 'An account was revoked (and, later, revoked upstream).'),
  'post.scheduled': webhook(postScheduled, 'A post was queued: one event per target.'),
  'post.published': webhook(postFinished, 'The publisher published a post (or saved a draft).'),
  'post.failed': webhook(postFinished, 'The publisher gave up on a post.'),
  'post.canceled': webhook(postCanceled, 'A queued post was canceled: one event per post.'),
  // emitted by reschedule (docs/content-and-publishing.md); not in the spec's list yet
  'post.rescheduled': webhook(postRescheduled, 'A queued post was moved to another time.'),
  // approval before publishing (docs/content-and-publishing.md, "Approval"); not in the spec's list yet
  'content.approved': webhook(contentApproved, 'Content waiting for approval was approved; stashed schedules queued.'),
  'content.rejected': webhook(contentRejected, 'Content waiting for approval was rejected; stashed schedules dropped.'),
  'lease_request.assigned': webhook(leaseRequestAssigned, 'Leased accounts were assigned to a request.'),
  'test.ping': webhook(testPing, 'Sent only by `POST /v1/webhook-endpoints/:id/test`, to that endpoint.', false),
} satisfies Record<string, WebhookEntry>;

export type WebhookEventType = keyof typeof WEBHOOK_EVENTS;
export type AuditEventType = keyof typeof AUDIT_EVENTS;
/** Recorded in the audit log only, never sent to partners. */
export type AuditOnlyEventType = Exclude<AuditEventType, WebhookEventType>;
export type WebhookPayload<T extends WebhookEventType> = z.infer<(typeof WEBHOOK_EVENTS)[T]['payload']>;
export type AuditPayload<T extends AuditEventType> = z.infer<(typeof AUDIT_EVENTS)[T]>;

/** One audit row, its `data` checked against its type. */
export type AuditEntry = {
  [A in AuditEventType]: { type: A; projectId: string | null; data: AuditPayload<A> };
}[AuditEventType];

/** The webhook types in catalogue order (test.ping included). */
export const ALL_WEBHOOK_TYPES = Object.keys(WEBHOOK_EVENTS) as WebhookEventType[];

/** What an endpoint may subscribe to: every webhook type but test.ping. */
export const WEBHOOK_EVENT_TYPES = ALL_WEBHOOK_TYPES.filter((t) => WEBHOOK_EVENTS[t].subscribable) as [
  Exclude<WebhookEventType, 'test.ping'>,
  ...Exclude<WebhookEventType, 'test.ping'>[],
];

/** Sent only by `POST /v1/webhook-endpoints/:id/test`, to that endpoint; never subscribable. */
export const TEST_EVENT_TYPE = 'test.ping' satisfies WebhookEventType;

/** Subscribes to every type in the catalog, including types added later. */
export const ALL_EVENT_TYPES = '*';

export function isWebhookEventType(type: string): type is WebhookEventType {
  return Object.hasOwn(WEBHOOK_EVENTS, type);
}

// ---- Builders from domain rows

export type CancelReason = WebhookPayload<'post.canceled'>['cancelReason'];

type NeedsReauth = WebhookPayload<'social_account.needs_reauth'>;

/** `social_account.needs_reauth` for an account whose grant the platform refused (publish or refresh). */
export function needsReauthPayload(
  account: { id: string; project_id: string | null; platform: NeedsReauth['platform']; handle: string },
  reason: NeedsReauth['reason'],
): NeedsReauth {
  return {
    socialAccountId: account.id,
    projectId: account.project_id,
    platform: account.platform,
    handle: account.handle,
    status: 'reauth_required',
    reason,
  };
}

/**
 * `post.canceled` for each canceled post row, and its audit row: the one definition for every
 * cancel path (a partner's cancel of one post, a revoke's, release's or archive's of many).
 */
export function postCanceledEvents(
  posts: { id: string; project_id: string; social_account_id: string }[],
  reason: CancelReason,
  canceledAt: Date,
  note: string | null = null,
) {
  const at = toWire(canceledAt);
  const payloads: WebhookPayload<'post.canceled'>[] = [];
  const audits: AuditEntry[] = [];
  for (const p of posts) {
    payloads.push({
      id: p.id,
      projectId: p.project_id,
      socialAccountId: p.social_account_id,
      status: 'canceled',
      cancelReason: reason,
      canceledAt: at,
      note,
    });
    audits.push({
      type: 'scheduled_post.canceled',
      projectId: p.project_id,
      data: { scheduledPostId: p.id, socialAccountId: p.social_account_id, reason, note },
    });
  }
  return { payloads, audits };
}

export { AUDIT_EVENTS } from './audit-catalogue.js';
export { OPERATOR_EVENTS, type OperatorActor, type OperatorEventType } from './operator-catalogue.js';
export { postReconciliation } from './webhook-payloads.js';
