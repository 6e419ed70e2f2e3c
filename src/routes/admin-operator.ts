import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParam } from '../ids.js';
import type { AdminCtx } from '../services/admin-context.js';
import { getLeaseRequestForOperator } from '../services/lease-operator.js';
import { operatorReplayDelivery, operatorRevokeSocialAccount } from '../services/operator-actions.js';
import {
  failingWebhookEndpoints,
  findOrganizations,
  findSocialAccounts,
  operatorOverview,
  organizationDetail,
  socialAccountDetail,
} from '../services/operator-views.js';

const hide = true;
const AccountParams = z.object({ socialAccountId: idParam('sa') });

/**
 * The operator's cross-organization reads and the two actions it takes inside an organization
 * through the partner services (revoke, replay): the same functions the console's pages call.
 */
export const adminOperatorRoutes =
  (base: AdminCtx): FastifyPluginAsyncZod =>
  async (app) => {
    const acting = (requestId: string): AdminCtx => ({ ...base, actor: { via: 'api', sessionId: null, requestId } });

    app.get('/overview', { schema: { hide } }, async () => operatorOverview(base));
    app.get(
      '/organizations',
      { schema: { hide, querystring: z.object({ q: z.string().max(200).optional() }).strict() } },
      async (req) => findOrganizations(base, req.query.q),
    );
    app.get('/organizations/:orgId', { schema: { hide, params: z.object({ orgId: idParam('org') }) } }, async (req) =>
      organizationDetail(base, req.params.orgId),
    );
    app.get(
      '/social-accounts',
      { schema: { hide, querystring: z.object({ q: z.string().min(1).max(200) }).strict() } },
      async (req) => findSocialAccounts(base, req.query.q),
    );
    app.get('/social-accounts/:socialAccountId', { schema: { hide, params: AccountParams } }, async (req) =>
      socialAccountDetail(base, req.params.socialAccountId),
    );
    app.post('/social-accounts/:socialAccountId/revoke', { schema: { hide, params: AccountParams } }, async (req) =>
      operatorRevokeSocialAccount(acting(req.id), req.params.socialAccountId),
    );
    app.get(
      '/lease-requests/:requestId',
      { schema: { hide, params: z.object({ requestId: idParam('lreq') }) } },
      async (req) => getLeaseRequestForOperator(base, req.params.requestId),
    );
    app.get('/webhook-endpoints/failing', { schema: { hide } }, async () => failingWebhookEndpoints(base));
    app.post(
      '/webhook-deliveries/:deliveryId/replay',
      { schema: { hide, params: z.object({ deliveryId: idParam('dlv') }) } },
      async (req) => operatorReplayDelivery(acting(req.id), req.params.deliveryId),
    );
  };
