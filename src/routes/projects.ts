import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../context.js';
import { ctxOf } from '../http/request-context.js';
import { errorResponses, GUARD_ERRORS, Timestamp } from '../http/schemas.js';
import { idParam } from '../ids.js';
import { DEFAULT_LIMIT } from '../services/pagination.js';
import { archiveProject, createProject, getProject, listProjectsPage, patchProject } from '../services/projects.js';

const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

const Name = z.string().trim().min(1).max(200);
const TimeZone = z.string().refine(isTimeZone, 'must be an IANA time zone, e.g. Europe/Paris');
const Metadata = z
  .record(z.string().min(1).max(40), z.string().max(500))
  .refine((m) => Object.keys(m).length <= 50, 'at most 50 keys')
  .meta({ description: 'Your own key/value strings (≤ 50 keys, values ≤ 500 chars).' });
const Fields = {
  customerExternalId: z.string().min(1).max(200).nullable().optional(),
  ownerEmail: z.email().max(320).nullable().optional(),
  metadata: Metadata.optional(),
};

const Project = z
  .object({
    id: z.string(),
    name: z.string(),
    timezone: z.string(),
    customerExternalId: z.string().nullable(),
    ownerEmail: z.string().nullable(),
    metadata: z.record(z.string(), z.string()),
    status: z.enum(['active', 'archived']),
    archivedAt: Timestamp.nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Project' });

const ArchivedProject = z
  .object({
    id: z.string(),
    status: z.literal('archived'),
    archivedAt: Timestamp,
    canceledScheduledPosts: z.number().int().min(0),
  })
  .meta({ id: 'ArchivedProject' });

const Params = z.object({ projectId: idParam('prj') });
const tags = ['Projects'];

export const projectRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/projects',
      {
        config: { scope: 'projects:write' },
        schema: {
          operationId: 'createProject',
          summary: 'Create a project (one per end-customer)',
          tags,
          body: z.object({ name: Name, timezone: TimeZone, ...Fields }).strict(),
          response: { 201: Project, ...errorResponses(...GUARD_ERRORS, 409, 422) },
        },
      },
      async (request, reply) => {
        reply.code(201);
        return createProject(ctxOf(request, deps), request.body);
      },
    );

    app.get(
      '/projects',
      {
        config: { scope: 'projects:read' },
        schema: {
          operationId: 'listProjects',
          summary: 'List projects, newest first',
          tags,
          querystring: z
            .object({
              status: z.enum(['active', 'archived']).optional(),
              customerExternalId: z.string().min(1).max(200).optional(),
              limit: z.coerce.number().int().min(1).max(200).default(DEFAULT_LIMIT),
              cursor: z.string().min(1).max(500).optional(),
            })
            .strict(),
          response: {
            200: z.object({ items: z.array(Project), nextCursor: z.string().nullable() }).meta({ id: 'ProjectPage' }),
            ...errorResponses(...GUARD_ERRORS, 422),
          },
        },
      },
      async (request) => listProjectsPage(ctxOf(request, deps), request.query),
    );

    app.get(
      '/projects/:projectId',
      {
        config: { scope: 'projects:read' },
        schema: {
          operationId: 'getProject',
          summary: 'Get a project',
          tags,
          params: Params,
          response: { 200: Project, ...errorResponses(...GUARD_ERRORS, 404) },
        },
      },
      async (request) => getProject(ctxOf(request, deps), request.params),
    );

    app.patch(
      '/projects/:projectId',
      {
        config: { scope: 'projects:write' },
        schema: {
          operationId: 'updateProject',
          summary: 'Update a project; `status: "active"` un-archives it',
          tags,
          params: Params,
          body: z
            .object({
              name: Name.optional(),
              timezone: TimeZone.optional(),
              ...Fields,
              status: z.literal('active').optional(),
            })
            .strict(),
          response: { 200: Project, ...errorResponses(...GUARD_ERRORS, 404, 409, 422) },
        },
      },
      async (request) =>
        patchProject(ctxOf(request, deps), { projectId: request.params.projectId, changes: request.body }),
    );

    app.delete(
      '/projects/:projectId',
      {
        config: { scope: 'projects:write' },
        schema: {
          operationId: 'archiveProject',
          summary: 'Archive a project and cancel its queued posts',
          tags,
          params: Params,
          response: { 200: ArchivedProject, ...errorResponses(...GUARD_ERRORS, 404, 409) },
        },
      },
      async (request) => archiveProject(ctxOf(request, deps), request.params),
    );
  };
