import { z } from 'zod';

// The payload schemas of the event catalogue (./catalogue.ts): the zod primitives its files share,
// then the `data` of each webhook type (the envelope partners receive). ./catalogue.ts names them in
// WEBHOOK_EVENTS; ./audit-catalogue.ts builds the audit payloads from the same primitives.

export const timestamp = z
  .string()
  .meta({ description: 'RFC 3339 UTC timestamp, whole seconds, e.g. 2026-04-18T19:15:02Z' });
const platform = z.enum(['tiktok', 'instagram']);
export const id = (prefix: string, what: string) => z.string().meta({ description: `${what}, \`${prefix}_<uuid>\`.` });
export const socialAccountId = id('sa', 'The social account');
const projectId = id('prj', 'The project');
export const postId = id('sp', 'The scheduled post');
export const lastError = z.object({ code: z.string(), message: z.string() });
export const reconcileCause = z.enum(['no_answer', 'server_error', 'worker_stopped']);

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

export const socialAccountConnected = z.object({
  socialAccountId,
  projectId,
  platform,
  handle: z.string(),
  reconnected: z.boolean().meta({ description: 'A reconnect of an account that already existed (same id).' }),
});

export const socialAccountNeedsReauth = z.object({
  socialAccountId,
  projectId: projectId.nullable(),
  platform,
  handle: z.string(),
  status: z.literal('reauth_required'),
  reason: z.enum(['refresh_rejected', 'publish_rejected']),
});

export const socialAccountRevoked = z.object({
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

export const postScheduled = z.object({
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
export const postFinished = z.object({
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

export const cancelReason = z.enum([
  'revoked_by_partner',
  'released_by_partner',
  'project_archived',
  'canceled_by_partner',
  'organization_archived',
]);

export const postCanceled = z.object({
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

export const postRescheduled = z.object({
  id: postId,
  projectId,
  status: z.literal('queued'),
  socialAccountId,
  scheduledFor: timestamp,
  previousScheduledFor: timestamp,
});

export const leaseRequestAssigned = z.object({
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

export const contentApproved = z.object({
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

export const contentRejected = z.object({
  containerId,
  projectId,
  approvalStatus: z.literal('rejected'),
  reason: z.string(),
  decidedAt: timestamp,
  droppedScheduleIntents: z.number().int().meta({ description: 'Stashed schedule requests dropped with it.' }),
});

export const testPing = z.object({ webhookEndpointId: id('whe', 'The endpoint tested'), message: z.string() });
