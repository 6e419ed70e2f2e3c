import { z } from 'zod';
import { toWire } from '../clock.js';

// The event catalogue: every event type the server writes, with the payload it carries. Webhook
// types go to the outbox and are delivered to partners (docs/webhooks.md, the OpenAPI document's
// `webhooks`); audit types are rows of the audit log (`GET /v1/audit-log`). A few changes are
// recorded on both under one name, with a payload of their own on each (`social_account.*`).
// `emit` (./emit.ts) writes them; its `type` and `payload` are checked against this file.

const timestamp = z.string().meta({ description: 'RFC 3339 UTC timestamp, whole seconds, e.g. 2026-04-18T19:15:02Z' });
const platform = z.enum(['tiktok', 'instagram']);
const id = (prefix: string, what: string) => z.string().meta({ description: `${what}, \`${prefix}_<uuid>\`.` });
const socialAccountId = id('sa', 'The social account');
const projectId = id('prj', 'The project');
const postId = id('sp', 'The scheduled post');
const lastError = z.object({ code: z.string(), message: z.string() });
const reconcileCause = z.enum(['no_answer', 'server_error', 'worker_stopped']);

/** How a publish whose outcome was unknown was settled (docs/platform-rules.md "Exactly once"). */
export const postReconciliation = z.object({
  cause: reconcileCause.meta({
    description:
      '`no_answer`: the publish call got no answer; `server_error`: it was answered 5xx, which does not prove ' +
      'the platform did not act; `worker_stopped`: the worker stopped during it.',
  }),
  result: z.enum(['pending', 'found', 'not_found', 'undecided']).meta({
    description:
      '`pending`: a lookup is due (status `publishing`); `found`: the platform had the post, recorded without ' +
      'sending it again; `not_found`: it did not, so it was sent again; `undecided`: the platform offers no ' +
      'lookup, or none answered (the post failed `PUBLISH_OUTCOME_UNKNOWN`).',
  }),
  decidedBy: z
    .enum(['platform_lookup'])
    .nullable()
    .meta({ description: '`platform_lookup` for `found` / `not_found`; null otherwise.' }),
  lookups: z.number().int().meta({ description: 'Lookups made with the platform (answered or not).' }),
  checkedAt: timestamp.nullable().meta({ description: 'When the platform was last asked; null if never.' }),
});

// ---- Webhook payloads (`data` of the envelope partners receive)

const socialAccountConnected = z.object({
  socialAccountId,
  projectId,
  platform,
  handle: z.string(),
  reconnected: z.boolean().meta({ description: 'A reconnect of an account that already existed (same id).' }),
});

const socialAccountNeedsReauth = z.object({
  socialAccountId,
  projectId: projectId.nullable(),
  platform,
  handle: z.string(),
  status: z.literal('reauth_required'),
  reason: z.enum(['refresh_rejected', 'publish_rejected']),
});

const socialAccountRevoked = z.object({
  socialAccountId,
  status: z.literal('disconnected'),
  disconnectedReason: z.string().meta({ description: '`revoked_by_partner` for a revoke.' }),
  canceledScheduledPosts: z
    .number()
    .int()
    .optional()
    .meta({ description: 'Posts the revoke canceled; absent from the follow-up carrying `upstreamRevocation`.' }),
  disconnectedAt: timestamp,
  projectId: projectId.nullable(),
  platform,
  leased: z.boolean(),
  upstreamRevocation: z
    .object({
      status: z.enum(['revoked', 'unconfirmed', 'unsupported']),
      attemptedAt: timestamp.nullable(),
      lastError: z.string().nullable(),
    })
    .optional()
    .meta({ description: 'Only in the follow-up event sent once the platform revocation is settled.' }),
});

const postScheduled = z.object({
  id: postId,
  socialAccountId,
  status: z.literal('queued'),
  scheduledFor: timestamp,
  projectId,
  containerId: id('cnt', 'The content'),
  platform,
  mode: z.enum(['publish', 'draft']),
});

/** The post as `GET /v1/scheduled-posts/:id` returns it. */
const postFinished = z.object({
  id: postId,
  containerId: z.string(),
  socialAccountId,
  platform,
  mode: z.enum(['publish', 'draft']),
  status: z.enum(['queued', 'publishing', 'published', 'failed', 'canceled', 'draft']),
  externalId: z.string().nullable(),
  externalUrl: z.string().nullable(),
  scheduledFor: timestamp,
  attemptedAt: timestamp.nullable(),
  publishedAt: timestamp.nullable(),
  canceledAt: timestamp.nullable(),
  lastError: lastError.nullable(),
  reconciliation: postReconciliation.nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
});

const cancelReason = z.enum([
  'revoked_by_partner',
  'released_by_partner',
  'project_archived',
  'canceled_by_partner',
  'organization_archived',
]);

const postCanceled = z.object({
  id: postId,
  projectId,
  socialAccountId,
  status: z.literal('canceled'),
  cancelReason,
  canceledAt: timestamp,
  note: z
    .string()
    .nullable()
    .meta({ description: 'The `reason` given to `DELETE /v1/scheduled-posts/:id`; null for any other cancel.' }),
});

const postRescheduled = z.object({
  id: postId,
  projectId,
  status: z.literal('queued'),
  socialAccountId,
  scheduledFor: timestamp,
  previousScheduledFor: timestamp,
});

const leaseRequestAssigned = z.object({
  requestId: id('lreq', 'The lease request'),
  projectId,
  status: z.enum(['requested', 'partial', 'assigned', 'rejected']),
  count: z.number().int(),
  niche: z.record(z.string(), z.string()),
  note: z.string().nullable(),
  assignedSocialAccountIds: z.array(z.string()),
  rejectedReason: z.string().nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
  newlyAssignedSocialAccountIds: z.array(z.string()).meta({ description: 'The accounts this assignment added.' }),
});

const containerId = id('cnt', 'The content');

const contentApproved = z.object({
  containerId,
  projectId,
  approvalStatus: z.literal('approved'),
  note: z.string().nullable().meta({ description: 'The `note` given to the approval, if any.' }),
  decidedAt: timestamp,
  promotedScheduledPosts: z.number().int().meta({
    description:
      'Posts queued from schedule requests stashed while the content waited (each also sends `post.scheduled`).',
  }),
  failedTargets: z
    .number()
    .int()
    .meta({ description: 'Stashed targets not queued (account no longer connected, time passed).' }),
});

const contentRejected = z.object({
  containerId,
  projectId,
  approvalStatus: z.literal('rejected'),
  reason: z.string(),
  decidedAt: timestamp,
  droppedScheduleIntents: z.number().int().meta({ description: 'Stashed schedule requests dropped with it.' }),
});

const testPing = z.object({ webhookEndpointId: id('whe', 'The endpoint tested'), message: z.string() });

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

// ---- Audit payloads (`data` of an audit row)

const webhookEndpointId = id('whe', 'The webhook endpoint');
const scheduledPostId = postId;
const canceledScheduledPosts = z.number().int();
const organizationId = id('org', 'The child organization');
const actor = z
  .string()
  .meta({ description: 'Who acted: `operator`, or the API key (`key_<uuid>`) that made the request.' });

/** Every audit event type the server writes, with its row's `data`. */
export const AUDIT_EVENTS = {
  'api_key.created': z.object({
    apiKeyId: z.string(),
    name: z.string().nullable(),
    scopes: z.array(z.string()),
    env: z.enum(['live', 'test']),
    rateLimitTier: z.enum(['standard', 'pilot', 'partner']),
    createdBy: actor,
  }),
  'api_key.killed': z.object({ apiKeyId: z.string(), killedBy: z.string() }),
  'api_key.revoked': z.object({ apiKeyId: z.string(), revokedBy: actor }),
  'api_key.rotated': z.object({
    apiKeyId: z.string().meta({ description: 'The rotated (now superseded) key.' }),
    newApiKeyId: z.string(),
    graceSeconds: z.number().int(),
    previousKeyExpiresAt: timestamp,
    rotatedBy: actor,
  }),
  'content.approved': contentApproved,
  'content.rejected': contentRejected,
  'content_container.created': z.object({
    containerId: z.string(),
    creativeType: z.string(),
    mediaCount: z.number().int(),
    approvalStatus: z.enum(['not_required', 'pending']).optional(),
  }),
  'lease_request.created': z.object({
    leaseRequestId: z.string(),
    count: z.number().int(),
    niche: z.record(z.string(), z.string()),
  }),
  'lease_request.rejected': z.object({ leaseRequestId: z.string(), reason: z.string().nullable() }),
  'leased_account.assigned': z.object({
    socialAccountId,
    leaseRequestId: z.string().nullable(),
    monthlyPriceCents: z.number().int(),
  }),
  'leased_account.released': z.object({ socialAccountId, reason: z.string().nullable(), canceledScheduledPosts }),
  'organization.created': z.object({ organizationId, name: z.string() }),
  'organization.updated': z.object({ organizationId, fields: z.array(z.string()) }),
  'organization.suspended': z.object({ organizationId }),
  'organization.resumed': z.object({ organizationId }),
  'organization.archived': z.object({ organizationId, revokedApiKeys: z.number().int(), canceledScheduledPosts }),
  'project.created': z.object({ name: z.string() }),
  'project.updated': z.object({ fields: z.array(z.string()) }),
  'project.unarchived': z.object({ fields: z.array(z.string()) }),
  'project.archived': z.object({ canceledScheduledPosts }),
  'project.approval_policy_updated': z.object({
    requiresApproval: z.boolean(),
    firstNPostsBlocked: z.number().int(),
    previous: z.object({ requiresApproval: z.boolean(), firstNPostsBlocked: z.number().int() }),
  }),
  'schedule_intent.created': z.object({
    scheduleIntentId: z.string(),
    containerId: z.string(),
    scheduledFor: timestamp,
    socialAccountIds: z.array(z.string()),
  }),
  'scheduled_post.created': z.object({
    scheduledPostId,
    containerId: z.string(),
    socialAccountId,
    mode: z.enum(['publish', 'draft']),
    scheduledFor: timestamp,
  }),
  'scheduled_post.rescheduled': z.object({
    scheduledPostId,
    socialAccountId,
    scheduledFor: timestamp,
    previousScheduledFor: timestamp,
  }),
  'scheduled_post.canceled': z.object({
    scheduledPostId,
    socialAccountId,
    reason: cancelReason,
    note: z.string().nullable(),
  }),
  'scheduled_post.published': z.object({ scheduledPostId, socialAccountId, externalId: z.string(), mode: z.string() }),
  'scheduled_post.failed': z.object({ scheduledPostId, socialAccountId, lastError }),
  'scheduled_post.reconciled': z.object({
    scheduledPostId,
    socialAccountId,
    cause: reconcileCause,
    result: z.enum(['found', 'not_found', 'undecided']),
    decidedBy: z.enum(['platform_lookup']).nullable(),
    lookups: z.number().int(),
    externalId: z.string().nullable(),
    reason: z.string().meta({ description: 'In words: what was asked and what it led to.' }),
  }),
  'social_account.connected': socialAccountConnected,
  'social_account.needs_reauth': socialAccountNeedsReauth.extend({
    error: z.string(),
    scheduledPostId: scheduledPostId.optional(),
  }),
  'social_account.revoked': z.object({ socialAccountId, leased: z.boolean(), canceledScheduledPosts }),
  'social_account.test_faults_set': z.object({
    socialAccountId,
    faults: z.array(z.object({ fault: z.string(), count: z.number().int() }).passthrough()),
  }),
  'social_account.test_faults_cleared': z.object({ socialAccountId, cleared: z.boolean() }),
  'webhook_delivery.replayed': z.object({
    webhookDeliveryId: z.string(),
    replayDeliveryId: z.string(),
    eventId: z.string(),
    replayOf: z.string().nullable(),
  }),
  'webhook_endpoint.created': z.object({ webhookEndpointId, url: z.string(), events: z.array(z.string()) }),
  'webhook_endpoint.updated': z.object({ webhookEndpointId, changes: z.record(z.string(), z.unknown()) }),
  'webhook_endpoint.deleted': z.object({ webhookEndpointId, url: z.string() }),
  'webhook_endpoint.secret_rotated': z.object({ webhookEndpointId, previousSecretExpiresAt: timestamp.nullable() }),
  'webhook_endpoint.tested': z.object({ webhookEndpointId, webhookDeliveryId: z.string(), eventId: z.string() }),
  'webhook_endpoint.paused': z.object({
    webhookEndpointId,
    reason: z.literal('consecutive_failures'),
    consecutiveFailures: z.number().int(),
  }),
} satisfies Record<string, z.ZodObject>;

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

export { OPERATOR_EVENTS, type OperatorActor, type OperatorEventType } from './operator-catalogue.js';
