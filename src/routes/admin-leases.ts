import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParam } from '../ids.js';
import type { AdminCtx } from '../services/admin-context.js';
import {
  addPoolAccount,
  fulfilLeaseRequest,
  listPool,
  listRequestsForOperator,
  rejectLeaseRequest,
} from '../services/lease-operator.js';

const hide = true;
const RequestParams = z.object({ requestId: idParam('lreq') });

/** Operator side of leasing: the pool, and fulfilling or rejecting partners' requests. */
export const adminLeaseRoutes =
  (ctx: AdminCtx): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/lease-pool',
      {
        schema: {
          hide,
          body: z
            .object({
              platform: z.enum(['tiktok', 'instagram']),
              handle: z.string().min(1).max(100),
              followers: z.number().int().min(0).optional(),
              niche: z.record(z.string(), z.string()).optional(),
              monthlyPriceCents: z.number().int().min(0).optional(),
            })
            .strict(),
        },
      },
      async (req, reply) => reply.code(201).send(await addPoolAccount(ctx, req.body)),
    );

    app.get(
      '/lease-pool',
      {
        schema: {
          hide,
          querystring: z.object({ status: z.enum(['available', 'assigned', 'retired']).optional() }).strict(),
        },
      },
      async (req) => listPool(ctx, req.query.status),
    );

    app.get(
      '/lease-requests',
      {
        schema: {
          hide,
          querystring: z
            .object({ status: z.enum(['requested', 'assigned', 'partial', 'rejected']).optional() })
            .strict(),
        },
      },
      async (req) => listRequestsForOperator(ctx, req.query.status),
    );

    app.post(
      '/lease-requests/:requestId/fulfil',
      {
        schema: {
          hide,
          params: RequestParams,
          body: z
            .object({
              poolAccountIds: z.array(z.string().min(1)).min(1).max(50).optional(),
              count: z.number().int().min(1).max(50).optional(),
            })
            .strict(),
        },
      },
      async (req) => fulfilLeaseRequest(ctx, { ...req.params, ...req.body }),
    );

    app.post(
      '/lease-requests/:requestId/reject',
      {
        schema: { hide, params: RequestParams, body: z.object({ reason: z.string().max(500).optional() }).strict() },
      },
      async (req) => rejectLeaseRequest(ctx, { ...req.params, ...req.body }),
    );
  };
