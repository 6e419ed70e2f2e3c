import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../context.js';
import { ctxOf } from '../http/request-context.js';
import { errorResponses, GUARD_ERRORS, Timestamp, timestampInput } from '../http/schemas.js';
import { text } from '../http/strings.js';
import { idParam } from '../ids.js';
import { MEDIA_PROBE_TIMEOUT_MS, type MediaProbe, probeAll } from '../platforms/media-probe.js';
import { getContent, listContent, uploadContent } from '../services/content.js';
import { validateContent } from '../services/content-validation.js';
import { DEFAULT_LIMIT } from '../services/pagination.js';
import { scheduleContent } from '../services/scheduled-posts.js';
import { urlRulesOf } from '../webhooks/url-safety.js';
import { ContentValidation, DryRunResult, dryRunField, MediaDetail, MediaItem } from './platform-rules-schemas.js';

const CAPTION_MAX = 2200; // Instagram's caption limit, the stricter of the two platforms
const MAX_TARGETS = 50;

const ProjectParams = z.object({ projectId: idParam('prj').meta({ description: 'Project id, `prj_<uuid>`.' }) });
const ContainerParams = z.object({ containerId: idParam('cnt').meta({ description: 'Content id, `cnt_<uuid>`.' }) });

const UploadRequest = z
  .object({
    media: z
      .array(MediaItem)
      .min(1)
      .max(10)
      .meta({ description: 'Finished media, 1–10 public https URLs (or URLs with metadata), in order.' }),
    caption: text(CAPTION_MAX).optional(),
  })
  .strict()
  .meta({ id: 'UploadContentRequest' });

export const Container = z
  .object({
    id: z.string(),
    projectId: z.string(),
    status: z.enum(['processing', 'completed', 'failed']),
    creativeType: z.literal('uploaded'),
    media: z.array(z.string()),
    mediaDetails: z.array(MediaDetail).meta({ description: 'Per item of `media`, what is known of it.' }),
    caption: z.string().nullable(),
    approvalStatus: z.enum(['not_required', 'pending', 'approved', 'rejected']).meta({
      description:
        'Fixed at upload by the project’s approval policy: `pending` content is only scheduled (202, queued on ' +
        'approval), never published now; `rejected` is final.',
    }),
    approvalDecidedAt: Timestamp.nullable(),
    approvalNote: z.string().nullable().meta({ description: 'The approval’s `note`.' }),
    rejectionReason: z.string().nullable().meta({ description: 'The rejection’s `reason`.' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'ContentContainer' });

const ContainerPage = z
  .object({ items: z.array(Container), nextCursor: z.string().nullable() })
  .meta({ id: 'ContentContainerPage' });

const ListQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(DEFAULT_LIMIT),
    cursor: z.string().min(1).max(500).optional(),
  })
  .strict();

const Target = z
  .object({
    socialAccountId: idParam('sa'),
    mode: z
      .enum(['publish', 'draft'])
      .meta({ description: '`draft` sends the post to the platform’s drafts/inbox instead of publishing it.' }),
    captionOverride: text(CAPTION_MAX).optional(),
  })
  .strict()
  .meta({ id: 'ScheduleTarget' });

/** One post per account: a repeated socialAccountId is reported at its second occurrence. */
const Targets = z
  .array(Target)
  .min(1)
  .max(MAX_TARGETS)
  .superRefine((targets, ctx) => {
    const first = new Map<string, number>();
    targets.forEach((t, i) => {
      const seen = first.get(t.socialAccountId);
      if (seen === undefined) first.set(t.socialAccountId, i);
      else
        ctx.addIssue({
          code: 'custom',
          path: [i, 'socialAccountId'],
          message: `duplicates targets.${seen}.socialAccountId`,
        });
    });
  });

const ScheduleRequest = z
  .object({
    scheduledFor: timestampInput(
      'When to publish; must be in the future (30 s skew allowed). Stored in whole seconds.',
    ),
    targets: Targets,
    dryRun: dryRunField,
  })
  .strict()
  .meta({ id: 'ScheduleContentRequest' });

const PublishRequest = z
  .object({ targets: Targets, dryRun: dryRunField })
  .strict()
  .meta({ id: 'PublishContentRequest' });

const ValidateRequest = z.object({ targets: Targets }).strict().meta({ id: 'ValidateContentRequest' });

const Scheduled = z
  .object({
    scheduledPosts: z.array(
      z.object({ id: z.string(), socialAccountId: z.string(), status: z.literal('queued'), scheduledFor: Timestamp }),
    ),
  })
  .meta({ id: 'ScheduledPostsCreated' });

const BlockedOnApproval = z
  .object({
    gateStatus: z.literal('blocked_on_approval'),
    scheduleIntentId: z.string().meta({ description: 'The stored schedule request, `sint_<uuid>`.' }),
    containerId: z.string(),
    approvalStatus: z.literal('pending'),
    scheduledFor: Timestamp,
    targets: z.array(z.object({ socialAccountId: z.string(), mode: z.enum(['publish', 'draft']) })),
  })
  .meta({
    id: 'ScheduleBlockedOnApproval',
    description:
      'The content waits for approval: nothing is queued yet. Approving it queues these targets (those still ' +
      'connected) in the same transaction; rejecting it drops them.',
  });

export const contentRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    // Each URL's HEAD/range read runs before the handler, so never inside its transaction (an
    // Idempotency-Key opens one around the handler): docs/platform-rules.md.
    const probes = new WeakMap<object, MediaProbe[]>();
    const probeOptions = () => ({
      rules: urlRulesOf({ ...deps, webhookDnsLookup: deps.mediaDnsLookup ?? deps.webhookDnsLookup }),
      timeoutMs: MEDIA_PROBE_TIMEOUT_MS,
      ca: deps.mediaProbeCa,
    });

    app.post(
      '/projects/:projectId/content/upload',
      {
        config: { scope: 'content:write' },
        preHandler: async (request) => {
          const urls = (request.body as z.infer<typeof UploadRequest>).media.map((m) =>
            typeof m === 'string' ? m : m.url,
          );
          probes.set(request, await probeAll(urls, probeOptions()));
        },
        schema: {
          operationId: 'uploadContent',
          summary: 'Upload finished content by URL',
          tags: ['Content'],
          params: ProjectParams,
          body: UploadRequest,
          response: { 201: Container, ...errorResponses(...GUARD_ERRORS, 404, 409, 422) },
        },
      },
      async (request, reply) => {
        const input = { ...request.params, ...request.body };
        const container = await uploadContent(ctxOf(request, deps), input, probes.get(request) ?? []);
        reply.code(201); // returned, not sent: the idempotency layer stores what the handler returns
        return container;
      },
    );

    app.get(
      '/content/:containerId',
      {
        config: { scope: 'content:read' },
        schema: {
          operationId: 'getContent',
          summary: 'Get a content container',
          tags: ['Content'],
          params: ContainerParams,
          response: { 200: Container, ...errorResponses(...GUARD_ERRORS, 404) },
        },
      },
      async (request) => getContent(ctxOf(request, deps), request.params),
    );

    app.get(
      '/projects/:projectId/content',
      {
        config: { scope: 'content:read' },
        schema: {
          operationId: 'listContent',
          summary: 'List a project’s content, newest first',
          tags: ['Content'],
          params: ProjectParams,
          querystring: ListQuery,
          response: { 200: ContainerPage, ...errorResponses(...GUARD_ERRORS, 404, 422) },
        },
      },
      async (request) => listContent(ctxOf(request, deps), { ...request.params, ...request.query }),
    );

    app.post(
      '/content/:containerId/schedule',
      {
        config: { scope: 'publish:write', rateClass: 'long-running' },
        schema: {
          operationId: 'scheduleContent',
          summary: 'Schedule content to 1–50 accounts, all or nothing',
          description:
            'Content waiting for approval answers **202** `blocked_on_approval`: the request is stored and queued ' +
            'when the content is approved (targets still connected), dropped if it is rejected. Rejected content: ' +
            '409 `CONTENT_REJECTED`. A target whose platform rules the content breaks: 422 ' +
            '`PLATFORM_RULE_VIOLATION`, nothing written. `dryRun: true`: 200 with what would happen, nothing written.',
          tags: ['Publishing'],
          params: ContainerParams,
          body: ScheduleRequest,
          response: {
            200: DryRunResult,
            201: Scheduled,
            202: BlockedOnApproval,
            ...errorResponses(...GUARD_ERRORS, 404, 409, 422),
          },
        },
      },
      async (request, reply) => {
        const { scheduledFor, targets, dryRun } = request.body;
        const result = await scheduleContent(ctxOf(request, deps), {
          ...request.params,
          scheduledFor: new Date(scheduledFor),
          targets,
          dryRun,
        });
        reply.code(result.status);
        return result.body;
      },
    );

    app.post(
      '/content/:containerId/publish',
      {
        config: { scope: 'publish:write', rateClass: 'long-running' },
        schema: {
          operationId: 'publishContent',
          summary: 'Publish content to 1–50 accounts now, all or nothing',
          description:
            'Content waiting for approval: 403 `APPROVAL_REQUIRED` (approve it, or schedule it to have it queued on ' +
            'approval). Rejected content: 409 `CONTENT_REJECTED`. Platform rules and `dryRun` as for a schedule.',
          tags: ['Publishing'],
          params: ContainerParams,
          body: PublishRequest,
          response: { 200: DryRunResult, 201: Scheduled, ...errorResponses(...GUARD_ERRORS, 404, 409, 422) },
        },
      },
      async (request, reply) => {
        const result = await scheduleContent(ctxOf(request, deps), { ...request.params, ...request.body });
        // A publish-now never stashes: pending content answers 403 APPROVAL_REQUIRED.
        if (result.status === 202) throw new Error('publish-now of gated content was not refused');
        reply.code(result.status);
        return result.body;
      },
    );

    app.post(
      '/content/:containerId/validate',
      {
        // Reads only: no rate budget of a write, and an Idempotency-Key stores nothing.
        config: { scope: 'publish:write', rateClass: 'read-light', idempotent: false },
        schema: {
          operationId: 'validateContent',
          summary: 'Check content against each target platform’s rules, writing nothing',
          description:
            'Per target: its platform’s rule pack (`rulesVersion`) against the content’s caption (or ' +
            '`captionOverride`) and media metadata — `issues` break a rule, `warnings` name checks that could not ' +
            'be made. The accounts must exist in the content’s project; their state and the content’s approval ' +
            'are checked by a schedule or publish (use `dryRun` for those). docs/platform-rules.md.',
          tags: ['Publishing'],
          params: ContainerParams,
          body: ValidateRequest,
          response: { 200: ContentValidation, ...errorResponses(...GUARD_ERRORS, 404, 422) },
        },
      },
      async (request) => validateContent(ctxOf(request, deps), { ...request.params, ...request.body }),
    );
  };
