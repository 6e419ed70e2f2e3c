import {
  accountNotConnected,
  alreadyDecided,
  CONTENT,
  I,
  LATER,
  page,
  projectArchived,
  UPDATED,
} from './openapi-example-values.js';
import { DRY_RUN_EXAMPLE, REEL_MEDIA_ITEM, VALIDATE_EXAMPLE } from './openapi-rules-examples.js';

// The OpenAPI examples of the content and approval operations (src/routes/content.ts,
// src/routes/approvals.ts), spread into OPERATION_EXAMPLES (src/http/openapi-examples.ts).

export const CONTENT_EXAMPLES = {
  uploadContent: {
    request: { media: [REEL_MEDIA_ITEM], caption: CONTENT.caption },
    response: CONTENT,
    conflict: projectArchived(),
  },
  getContent: { response: CONTENT },
  listContent: { response: page([CONTENT]) },
  validateContent: VALIDATE_EXAMPLE,
  scheduleContent: {
    request: { scheduledFor: LATER, targets: [{ socialAccountId: I.socialAccount, mode: 'publish' }] },
    dryRun: DRY_RUN_EXAMPLE,
    response: {
      scheduledPosts: [
        { id: I.scheduledPost, socialAccountId: I.socialAccount, status: 'queued', scheduledFor: LATER },
      ],
    },
    accepted: {
      gateStatus: 'blocked_on_approval',
      scheduleIntentId: I.scheduleIntent,
      containerId: I.content,
      approvalStatus: 'pending',
      scheduledFor: LATER,
      targets: [{ socialAccountId: I.socialAccount, mode: 'publish' }],
    },
    conflict: accountNotConnected(),
  },
  publishContent: {
    dryRun: { ...DRY_RUN_EXAMPLE, scheduledFor: UPDATED },
    request: { targets: [{ socialAccountId: I.socialAccount, mode: 'draft', captionOverride: 'Now brewing ☕' }] },
    response: {
      scheduledPosts: [
        { id: I.scheduledPost2, socialAccountId: I.socialAccount, status: 'queued', scheduledFor: UPDATED },
      ],
    },
    conflict: accountNotConnected(),
  },
  getApprovalPolicy: {
    response: { projectId: I.project, requiresApproval: true, firstNPostsBlocked: 0, updatedAt: UPDATED },
  },
  updateApprovalPolicy: {
    request: { requiresApproval: false, firstNPostsBlocked: 5 },
    response: { projectId: I.project, requiresApproval: false, firstNPostsBlocked: 5, updatedAt: UPDATED },
    conflict: projectArchived(),
  },
  approveContent: {
    request: { note: 'Approved by the client on the call.' },
    response: {
      ...CONTENT,
      approvalStatus: 'approved',
      approvalDecidedAt: UPDATED,
      approvalNote: 'Approved by the client on the call.',
      updatedAt: UPDATED,
      pendingSchedulePromotion: {
        scheduleIntents: 1,
        scheduledPosts: [
          {
            id: I.scheduledPost,
            socialAccountId: I.socialAccount,
            status: 'queued',
            scheduledFor: LATER,
            scheduleIntentId: I.scheduleIntent,
          },
        ],
        failedTargets: [
          {
            scheduleIntentId: I.scheduleIntent,
            socialAccountId: I.leasedAccount,
            reason: 'account_not_connected',
            accountStatus: 'disconnected',
          },
        ],
      },
    },
    conflict: alreadyDecided(),
  },
  rejectContent: {
    request: { reason: 'Wrong product in the first frame.' },
    response: {
      ...CONTENT,
      approvalStatus: 'rejected',
      approvalDecidedAt: UPDATED,
      rejectionReason: 'Wrong product in the first frame.',
      updatedAt: UPDATED,
      droppedScheduleIntents: 1,
    },
    conflict: alreadyDecided(),
  },
};
