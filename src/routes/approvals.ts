import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../context.js';
import { ctxOf } from '../http/request-context.js';
import { errorResponses, GUARD_ERRORS, Timestamp } from '../http/schemas.js';
import { text } from '../http/strings.js';
import { idParam } from '../ids.js';
import { approveContent, getApprovalPolicy, patchApprovalPolicy, rejectContent } from '../services/approvals.js';
import { Container } from './content.js';

// Approval before publishing (docs/content-and-publishing.md, "Approval").

const FIRST_N_MAX = 50;
const ProjectParams = z.object({ projectId: idParam('prj').meta({ description: 'Project id, `prj_<uuid>`.' }) });
const ContainerParams = z.object({ containerId: idParam('cnt').meta({ description: 'Content id, `cnt_<uuid>`.' }) });

const Policy = z
  .object({
    projectId: z.string(),
    requiresApproval: z.boolean().meta({ description: 'Every new content of the project starts `pending`.' }),
    firstNPostsBlocked: z
      .number()
      .int()
      .meta({
        description:
          'New content starts `pending` while the project has fewer than this many approved contents (in the ' +
          'key’s environment), even when `requiresApproval` is false. 0: off.',
      }),
    updatedAt: Timestamp.nullable().meta({ description: 'null: never set (the defaults, false and 0).' }),
  })
  .meta({ id: 'ApprovalPolicy' });

const PolicyPatch = z
  .object({
    requiresApproval: z.boolean().optional(),
    firstNPostsBlocked: z.number().int().min(0).max(FIRST_N_MAX).optional(),
  })
  .strict()
  .refine((b) => b.requiresApproval !== undefined || b.firstNPostsBlocked !== undefined, {
    message: 'give requiresApproval, firstNPostsBlocked or both',
  })
  .meta({ id: 'UpdateApprovalPolicyRequest' });

const ApproveRequest = z
  .object({ note: text(500).optional().meta({ description: 'Free text for your records (audit log, webhook).' }) })
  .strict()
  .meta({ id: 'ApproveContentRequest' });
// The body is optional: fastify hands a bodiless POST to the validator as null.
const OptionalApproveRequest = z.preprocess((v) => v ?? undefined, ApproveRequest.optional());

const RejectRequest = z
  .object({ reason: text(500).min(1).meta({ description: 'Why, for your records (audit log, webhook).' }) })
  .strict()
  .meta({ id: 'RejectContentRequest' });

const Promotion = z
  .object({
    scheduleIntents: z.number().int().meta({ description: 'Stashed schedule requests promoted.' }),
    scheduledPosts: z.array(
      z.object({
        id: z.string(),
        socialAccountId: z.string(),
        status: z.literal('queued'),
        scheduledFor: Timestamp,
        scheduleIntentId: z.string(),
      }),
    ),
    failedTargets: z.array(
      z.object({
        scheduleIntentId: z.string(),
        socialAccountId: z.string(),
        reason: z.enum([
          'account_not_connected',
          'account_not_found',
          'account_in_other_project',
          'scheduled_time_passed',
          'platform_quota_exceeded',
        ]),
        accountStatus: z.string().optional().meta({ description: 'With `account_not_connected`.' }),
        earliestFreeSlot: Timestamp.nullable()
          .optional()
          .meta({
            description:
              'With `platform_quota_exceeded`: the earliest time a post fits ' +
              'the account’s budget (null: none within reach).',
          }),
      }),
    ),
  })
  .meta({ id: 'PendingSchedulePromotion' });

const Approved = Container.extend({ pendingSchedulePromotion: Promotion }).meta({ id: 'ApprovedContent' });
const Rejected = Container.extend({
  droppedScheduleIntents: z.number().int().meta({ description: 'Stashed schedule requests dropped.' }),
}).meta({ id: 'RejectedContent' });

export const approvalRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/projects/:projectId/approval-policy',
      {
        config: { scope: 'content:read' },
        schema: {
          operationId: 'getApprovalPolicy',
          summary: 'Get a project’s approval policy',
          tags: ['Content'],
          params: ProjectParams,
          response: { 200: Policy, ...errorResponses(...GUARD_ERRORS, 404) },
        },
      },
      async (request) => getApprovalPolicy(ctxOf(request, deps), request.params),
    );

    app.patch(
      '/projects/:projectId/approval-policy',
      {
        config: { scope: 'content:approve' },
        schema: {
          operationId: 'updateApprovalPolicy',
          summary: 'Change a project’s approval policy (content uploaded from now on)',
          tags: ['Content'],
          params: ProjectParams,
          body: PolicyPatch,
          response: { 200: Policy, ...errorResponses(...GUARD_ERRORS, 404, 409, 422) },
        },
      },
      async (request) => patchApprovalPolicy(ctxOf(request, deps), { ...request.params, ...request.body }),
    );

    app.post(
      '/content/:containerId/approve',
      {
        config: { scope: 'content:approve' },
        schema: {
          operationId: 'approveContent',
          summary: 'Approve pending content; queues its stashed schedules',
          tags: ['Content'],
          params: ContainerParams,
          body: OptionalApproveRequest,
          response: { 200: Approved, ...errorResponses(...GUARD_ERRORS, 404, 409, 422) },
        },
      },
      async (request) => approveContent(ctxOf(request, deps), { ...request.params, note: request.body?.note }),
    );

    app.post(
      '/content/:containerId/reject',
      {
        config: { scope: 'content:approve' },
        schema: {
          operationId: 'rejectContent',
          summary: 'Reject pending content; drops its stashed schedules',
          tags: ['Content'],
          params: ContainerParams,
          body: RejectRequest,
          response: { 200: Rejected, ...errorResponses(...GUARD_ERRORS, 404, 409, 422) },
        },
      },
      async (request) => rejectContent(ctxOf(request, deps), { ...request.params, ...request.body }),
    );
  };
