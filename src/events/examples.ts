import type { z } from 'zod';
import { EXAMPLE_IDS as I } from '../http/openapi-examples.js';
import type { WEBHOOK_EVENTS, WebhookEventType } from './catalogue.js';

// One realistic `data` per webhook type, for the OpenAPI document's `webhooks` section; typed by
// the catalogue's payload schemas, so a payload change that breaks an example fails `tsc`.

type Payloads = { [T in WebhookEventType]: z.input<(typeof WEBHOOK_EVENTS)[T]['payload']> };

const AT = '2026-04-18T19:15:02Z';
const LATER = '2026-04-20T16:00:00Z';
const POST = {
  id: I.scheduledPost,
  containerId: I.content,
  socialAccountId: I.socialAccount,
  platform: 'tiktok',
  mode: 'publish',
  scheduledFor: LATER,
  canceledAt: null,
  createdAt: AT,
} as const;

export const WEBHOOK_EXAMPLES: Payloads = {
  'social_account.connected': {
    socialAccountId: I.socialAccount,
    projectId: I.project,
    platform: 'tiktok',
    handle: 'brightsidecoffee',
    reconnected: false,
  },
  'social_account.needs_reauth': {
    socialAccountId: I.socialAccount,
    projectId: I.project,
    platform: 'tiktok',
    handle: 'brightsidecoffee',
    status: 'reauth_required',
    reason: 'refresh_rejected',
  },
  'social_account.revoked': {
    socialAccountId: I.socialAccount,
    status: 'disconnected',
    disconnectedReason: 'revoked_by_partner',
    canceledScheduledPosts: 4,
    disconnectedAt: AT,
    projectId: I.project,
    platform: 'tiktok',
    leased: false,
  },
  'post.scheduled': {
    id: I.scheduledPost,
    socialAccountId: I.socialAccount,
    status: 'queued',
    scheduledFor: LATER,
    projectId: I.project,
    containerId: I.content,
    platform: 'tiktok',
    mode: 'publish',
  },
  'post.published': {
    ...POST,
    status: 'published',
    externalId: '7359201846152738053',
    externalUrl: 'https://www.tiktok.com/@brightsidecoffee/video/7359201846152738053',
    attemptedAt: LATER,
    publishedAt: LATER,
    lastError: null,
    // The publish call's answer was lost; the platform said it had the post, so it was not sent again.
    reconciliation: { cause: 'no_answer', result: 'found', decidedBy: 'platform_lookup', lookups: 1, checkedAt: LATER },
    updatedAt: LATER,
  },
  'post.failed': {
    ...POST,
    status: 'failed',
    externalId: null,
    externalUrl: null,
    attemptedAt: LATER,
    publishedAt: null,
    lastError: { code: 'media_rejected', message: 'The platform rejected the video: duration over 10 minutes.' },
    reconciliation: null,
    updatedAt: LATER,
  },
  'post.canceled': {
    id: I.scheduledPost,
    projectId: I.project,
    socialAccountId: I.socialAccount,
    status: 'canceled',
    cancelReason: 'canceled_by_partner',
    canceledAt: AT,
    note: 'Client pulled the campaign',
  },
  'post.rescheduled': {
    id: I.scheduledPost,
    projectId: I.project,
    status: 'queued',
    socialAccountId: I.socialAccount,
    scheduledFor: '2026-04-21T16:00:00Z',
    previousScheduledFor: LATER,
  },
  'content.approved': {
    containerId: I.content,
    projectId: I.project,
    approvalStatus: 'approved',
    note: 'Approved by the client on the call.',
    decidedAt: AT,
    promotedScheduledPosts: 2,
    failedTargets: 0,
  },
  'content.rejected': {
    containerId: I.content,
    projectId: I.project,
    approvalStatus: 'rejected',
    reason: 'Wrong product in the first frame.',
    decidedAt: AT,
    droppedScheduleIntents: 1,
  },
  'lease_request.assigned': {
    requestId: I.leaseRequest,
    projectId: I.project,
    status: 'assigned',
    count: 1,
    niche: { vertical: 'food & drink', language: 'en', geo: 'US' },
    note: null,
    assignedSocialAccountIds: [I.leasedAccount],
    rejectedReason: null,
    createdAt: AT,
    updatedAt: LATER,
    newlyAssignedSocialAccountIds: [I.leasedAccount],
  },
  'test.ping': {
    webhookEndpointId: I.webhookEndpoint,
    message: 'A test event from Layers: your endpoint is reachable and verifies signatures.',
  },
};

/** The envelope a receiver gets (src/webhooks/signature.ts `envelopeJson`), with the example data. */
export function webhookEnvelopeExample(type: WebhookEventType) {
  return { id: I.event, type, createdAt: LATER, data: WEBHOOK_EXAMPLES[type] };
}
