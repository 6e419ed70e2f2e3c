import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../context.js';
import { postReconciliation } from '../events/catalogue.js';
import { ctxOf } from '../http/request-context.js';
import { errorResponses, GUARD_ERRORS, Timestamp, timestampInput } from '../http/schemas.js';
import { text } from '../http/strings.js';
import { idParam } from '../ids.js';
import { DEFAULT_LIMIT } from '../services/pagination.js';
import {
  cancelScheduledPost,
  getScheduledPost,
  listScheduledPosts,
  rescheduleScheduledPost,
} from '../services/scheduled-posts.js';

const MAX_PAGE = 100; // the spec's limit for this list (posts are heavier than most items)

const Status = z.enum(['queued', 'publishing', 'published', 'failed', 'canceled', 'draft']);
const PostParams = z.object({ id: idParam('sp').meta({ description: 'Scheduled post id, `sp_<uuid>`.' }) });

const ScheduledPost = z
  .object({
    id: z.string(),
    containerId: z.string(),
    socialAccountId: z.string(),
    platform: z.enum(['tiktok', 'instagram']),
    mode: z.enum(['publish', 'draft']),
    status: Status.meta({ description: '`draft`: a mode "draft" post that landed in the platform’s drafts.' }),
    externalId: z.string().nullable(),
    externalUrl: z.string().nullable(),
    scheduledFor: Timestamp,
    attemptedAt: Timestamp.nullable(),
    publishedAt: Timestamp.nullable(),
    canceledAt: Timestamp.nullable(),
    lastError: z.object({ code: z.string(), message: z.string() }).nullable(),
    reconciliation: postReconciliation
      .meta({ id: 'PostReconciliation' })
      .nullable()
      .meta({
        description:
          'Set when a publish call’s outcome was unknown (no answer, or the worker stopped during it): how the ' +
          'platform was asked whether it had the post, before anything was sent again. Null otherwise.',
      }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'ScheduledPost' });

const ScheduledPostPage = z
  .object({ items: z.array(ScheduledPost), nextCursor: z.string().nullable() })
  .meta({ id: 'ScheduledPostPage' });

const ListQuery = z
  .object({
    // Repeatable (?status=queued&status=failed): one value arrives as a string, several as an array.
    status: z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(Status).min(1)).optional(),
    socialAccountId: idParam('sa').optional(),
    since: timestampInput('scheduledFor at or after (inclusive).').optional(),
    until: timestampInput('scheduledFor before (exclusive).').optional(),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(DEFAULT_LIMIT),
    cursor: z.string().min(1).max(500).optional(),
  })
  .strict();

const RescheduleRequest = z
  .object({ scheduledFor: timestampInput('Must be in the future (30 s skew allowed). Stored in whole seconds.') })
  .strict()
  .meta({ id: 'RescheduleScheduledPostRequest' });

const CancelRequest = z
  .object({
    reason: text(500).optional().meta({ description: 'Free text for your records (audit log, webhook event).' }),
  })
  .strict()
  .meta({ id: 'CancelScheduledPostRequest' });
// The body is optional: fastify hands a bodiless DELETE to the validator as null.
const OptionalCancelRequest = z.preprocess((v) => v ?? undefined, CancelRequest.optional());

const Canceled = z
  .object({ id: z.string(), status: z.literal('canceled'), canceledAt: Timestamp })
  .meta({ id: 'CanceledScheduledPost' });

export const scheduledPostRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/scheduled-posts/:id',
      {
        config: { scope: 'publish:read' },
        schema: {
          operationId: 'getScheduledPost',
          summary: 'Get a scheduled post',
          tags: ['Publishing'],
          params: PostParams,
          response: { 200: ScheduledPost, ...errorResponses(...GUARD_ERRORS, 404) },
        },
      },
      async (request) => getScheduledPost(ctxOf(request, deps), request.params),
    );

    app.get(
      '/projects/:projectId/scheduled-posts',
      {
        config: { scope: 'publish:read' },
        schema: {
          operationId: 'listScheduledPosts',
          summary: 'List a project’s scheduled posts, latest scheduledFor first',
          tags: ['Publishing'],
          params: z.object({ projectId: idParam('prj') }),
          querystring: ListQuery,
          response: { 200: ScheduledPostPage, ...errorResponses(...GUARD_ERRORS, 404, 422) },
        },
      },
      async (request) => {
        const { since, until, ...q } = request.query;
        return listScheduledPosts(ctxOf(request, deps), {
          ...request.params,
          ...q,
          since: since ? new Date(since) : undefined,
          until: until ? new Date(until) : undefined,
        });
      },
    );

    app.post(
      '/scheduled-posts/:id/reschedule',
      {
        config: { scope: 'publish:write' },
        schema: {
          operationId: 'rescheduleScheduledPost',
          summary: 'Move a queued post to another time',
          tags: ['Publishing'],
          params: PostParams,
          body: RescheduleRequest,
          response: { 200: ScheduledPost, ...errorResponses(...GUARD_ERRORS, 404, 409, 422) },
        },
      },
      async (request) =>
        rescheduleScheduledPost(ctxOf(request, deps), {
          ...request.params,
          scheduledFor: new Date(request.body.scheduledFor),
        }),
    );

    app.delete(
      '/scheduled-posts/:id',
      {
        config: { scope: 'publish:write' },
        schema: {
          operationId: 'cancelScheduledPost',
          summary: 'Cancel a queued post',
          tags: ['Publishing'],
          params: PostParams,
          body: OptionalCancelRequest,
          response: { 200: Canceled, ...errorResponses(...GUARD_ERRORS, 404, 409, 422) },
        },
      },
      async (request) => cancelScheduledPost(ctxOf(request, deps), { ...request.params, reason: request.body?.reason }),
    );
  };
