import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../context.js';
import { ctxOf } from '../http/request-context.js';
import { errorResponses, GUARD_ERRORS, Timestamp } from '../http/schemas.js';
import { idParam } from '../ids.js';
import {
  getLeaseRequest,
  listLeasedAccounts,
  releaseLeasedAccount,
  requestLeasedAccounts,
} from '../services/leases.js';
import { DEFAULT_LIMIT } from '../services/pagination.js';

const Niche = z
  .object({
    vertical: z.string().trim().min(1).max(100),
    audience: z.string().max(200).optional(),
    language: z.string().max(35).optional(),
    geo: z.string().max(100).optional(),
  })
  .strict();

const LeaseRequest = z
  .object({
    requestId: z.string(),
    projectId: z.string(),
    status: z.enum(['requested', 'assigned', 'partial', 'rejected']),
    count: z.number().int(),
    niche: z.record(z.string(), z.string()),
    note: z.string().nullable(),
    assignedSocialAccountIds: z.array(z.string()),
    rejectedReason: z.string().nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'LeaseRequest' });

const LeasedAccount = z
  .object({
    socialAccountId: z.string(),
    projectId: z.string(),
    handle: z.string(),
    platform: z.enum(['tiktok', 'instagram']),
    followers: z.number().int(),
    status: z
      .enum(['assigned', 'disconnected'])
      .meta({ description: 'assigned: billed monthly; disconnected: released, no longer billed.' }),
    assignedAt: Timestamp,
    nextRenewalAt: Timestamp.nullable(),
    releasedAt: Timestamp.nullable(),
    monthlyPriceCents: z.number().int().meta({ description: '15000 = $150/month' }),
  })
  .meta({ id: 'LeasedAccount' });

const Released = z
  .object({
    socialAccountId: z.string(),
    status: z.literal('disconnected'),
    disconnectedReason: z.literal('released_by_partner'),
    disconnectedAt: Timestamp,
    canceledScheduledPosts: z.number().int().min(0),
  })
  .meta({ id: 'ReleaseLeasedAccountResponse' });

const ProjectParams = z.object({ projectId: idParam('prj') });
const tags = ['Leased accounts'];
const config = { scope: 'leased:write' } as const;

export const leasedAccountRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/projects/:projectId/leased-accounts/request',
      {
        config,
        schema: {
          operationId: 'requestLeasedAccounts',
          summary: 'Request warmed accounts for a project',
          tags,
          params: ProjectParams,
          body: z
            .object({ count: z.number().int().min(1).max(50), niche: Niche, note: z.string().max(2000).optional() })
            .strict(),
          response: { 201: LeaseRequest, ...errorResponses(...GUARD_ERRORS, 404, 409, 422) },
        },
      },
      async (request, reply) => {
        reply.code(201);
        return requestLeasedAccounts(ctxOf(request, deps), { ...request.params, ...request.body });
      },
    );

    app.get(
      '/projects/:projectId/leased-accounts/requests/:requestId',
      {
        config,
        schema: {
          operationId: 'getLeaseRequest',
          summary: 'Get a lease request',
          tags,
          params: ProjectParams.extend({ requestId: idParam('lreq') }),
          response: { 200: LeaseRequest, ...errorResponses(...GUARD_ERRORS, 404) },
        },
      },
      async (request) => getLeaseRequest(ctxOf(request, deps), request.params),
    );

    app.get(
      '/projects/:projectId/leased-accounts',
      {
        config,
        schema: {
          operationId: 'listLeasedAccounts',
          summary: 'The billing view of a project’s leased accounts',
          tags,
          params: ProjectParams,
          querystring: z
            .object({
              status: z.enum(['assigned', 'disconnected']).optional(),
              limit: z.coerce.number().int().min(1).max(200).default(DEFAULT_LIMIT),
              cursor: z.string().min(1).max(500).optional(),
            })
            .strict(),
          response: {
            200: z
              .object({ items: z.array(LeasedAccount), nextCursor: z.string().nullable() })
              .meta({ id: 'LeasedAccountPage' }),
            ...errorResponses(...GUARD_ERRORS, 404, 422),
          },
        },
      },
      async (request) => listLeasedAccounts(ctxOf(request, deps), { ...request.params, ...request.query }),
    );

    app.delete(
      '/leased-accounts/:socialAccountId',
      {
        config,
        schema: {
          operationId: 'releaseLeasedAccount',
          summary: 'Release a leased account: disconnect it, cancel its queued posts, stop its billing',
          tags,
          params: z.object({ socialAccountId: idParam('sa') }),
          body: z
            .object({ reason: z.string().max(500).optional() })
            .strict()
            .nullish(),
          response: { 200: Released, ...errorResponses(...GUARD_ERRORS, 404, 422) },
        },
      },
      async (request) =>
        releaseLeasedAccount(ctxOf(request, deps), { ...request.params, reason: request.body?.reason }),
    );
  };
