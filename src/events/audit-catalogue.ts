import { z } from 'zod';
import {
  cancelReason,
  contentApproved,
  contentRejected,
  id,
  lastError,
  postId,
  reconcileCause,
  socialAccountConnected,
  socialAccountId,
  socialAccountNeedsReauth,
  timestamp,
} from './webhook-payloads.js';

// The audit half of the event catalogue: every audit event type the server writes, rows of the
// audit log (`GET /v1/audit-log`), with its row's `data`. The primitives, and the payloads an audit
// type shares with its webhook namesake, come from ./webhook-payloads.ts. Re-exported by
// ./catalogue.ts, which derives the types; written only by emit (./emit.ts).

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
