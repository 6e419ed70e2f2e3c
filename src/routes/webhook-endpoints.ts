import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../context.js';
import { ctxOf } from '../http/request-context.js';
import { errorResponses, GUARD_ERRORS } from '../http/schemas.js';
import { sealedReplyField } from '../http/sealed-reply.js';
import { listWebhookDeliveries, replayWebhookDelivery, testWebhookEndpoint } from '../services/webhook-deliveries.js';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookEndpoints,
  rotateWebhookSecret,
  updateWebhookEndpoint,
} from '../services/webhook-endpoints.js';
import { urlRulesOf } from '../webhooks/url-safety.js';
import {
  CreateBody,
  DeletedEndpoint,
  Delivery,
  DeliveryPage,
  DeliveryParams,
  DeliveryStatus,
  Endpoint,
  EndpointPage,
  EndpointParams,
  EndpointWithSecret,
  Page,
  UpdateBody,
} from './webhook-endpoint-schemas.js';

const READ = 'webhooks:read';
const WRITE = 'webhooks:write';
const tags = ['Webhooks'];

export const webhookEndpointRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    // The signing secret is shown once; the stored idempotent response holds it sealed (src/http/sealed-reply.ts).
    const secret = sealedReplyField(deps.tokenCrypto, {
      field: 'secret',
      idField: 'id',
      context: (id) => `webhook-reply:${id}`,
    });
    app.addHook('preSerialization', secret.open);

    app.post(
      '/webhook-endpoints',
      {
        config: { scope: WRITE },
        schema: {
          operationId: 'createWebhookEndpoint',
          summary: 'Create a webhook endpoint',
          tags,
          body: CreateBody,
          response: { 201: EndpointWithSecret, ...errorResponses(...GUARD_ERRORS, 409, 422) },
        },
      },
      async (request, reply) => {
        const created = await createWebhookEndpoint(ctxOf(request, deps), request.body, urlRulesOf(deps));
        reply.code(201);
        return secret.seal(created);
      },
    );

    app.get(
      '/webhook-endpoints',
      {
        config: { scope: READ },
        schema: {
          operationId: 'listWebhookEndpoints',
          summary: 'List webhook endpoints, newest first',
          tags,
          querystring: z.object(Page).strict(),
          response: { 200: EndpointPage, ...errorResponses(...GUARD_ERRORS, 422) },
        },
      },
      async (request) => listWebhookEndpoints(ctxOf(request, deps), request.query),
    );

    app.get(
      '/webhook-endpoints/:webhookEndpointId',
      {
        config: { scope: READ },
        schema: {
          operationId: 'getWebhookEndpoint',
          summary: 'Get a webhook endpoint',
          tags,
          params: EndpointParams,
          response: { 200: Endpoint, ...errorResponses(...GUARD_ERRORS, 404) },
        },
      },
      async (request) => getWebhookEndpoint(ctxOf(request, deps), { id: request.params.webhookEndpointId }),
    );

    app.patch(
      '/webhook-endpoints/:webhookEndpointId',
      {
        config: { scope: WRITE },
        schema: {
          operationId: 'updateWebhookEndpoint',
          summary: 'Update a webhook endpoint',
          description:
            'Setting `status: "active"` on a paused endpoint resumes deliveries and resets `consecutiveFailures`.',
          tags,
          params: EndpointParams,
          body: UpdateBody,
          response: { 200: Endpoint, ...errorResponses(...GUARD_ERRORS, 404, 422) },
        },
      },
      async (request) =>
        updateWebhookEndpoint(
          ctxOf(request, deps),
          { id: request.params.webhookEndpointId, ...request.body },
          urlRulesOf(deps),
        ),
    );

    app.delete(
      '/webhook-endpoints/:webhookEndpointId',
      {
        config: { scope: WRITE },
        schema: {
          operationId: 'deleteWebhookEndpoint',
          summary: 'Delete a webhook endpoint',
          tags,
          params: EndpointParams,
          response: { 200: DeletedEndpoint, ...errorResponses(...GUARD_ERRORS, 404) },
        },
      },
      async (request) => deleteWebhookEndpoint(ctxOf(request, deps), { id: request.params.webhookEndpointId }),
    );

    app.post(
      '/webhook-endpoints/:webhookEndpointId/rotate-secret',
      {
        config: { scope: WRITE },
        schema: {
          operationId: 'rotateWebhookSecret',
          summary: 'Rotate the signing secret',
          description: 'Returns the new secret once. The previous secret keeps signing (a second `v1=`) for 24 hours.',
          tags,
          params: EndpointParams,
          response: { 200: EndpointWithSecret, ...errorResponses(...GUARD_ERRORS, 404) },
        },
      },
      async (request) =>
        secret.seal(await rotateWebhookSecret(ctxOf(request, deps), { id: request.params.webhookEndpointId })),
    );

    app.post(
      '/webhook-endpoints/:webhookEndpointId/test',
      {
        config: { scope: WRITE },
        schema: {
          operationId: 'testWebhookEndpoint',
          summary: 'Send a test.ping event to this endpoint',
          tags,
          params: EndpointParams,
          response: { 202: Delivery, ...errorResponses(...GUARD_ERRORS, 404, 409) },
        },
      },
      async (request, reply) => {
        reply.code(202);
        return testWebhookEndpoint(ctxOf(request, deps), { id: request.params.webhookEndpointId });
      },
    );

    app.get(
      '/webhook-endpoints/:webhookEndpointId/deliveries',
      {
        config: { scope: READ },
        schema: {
          operationId: 'listWebhookDeliveries',
          summary: 'List an endpoint’s deliveries, newest first',
          tags,
          params: EndpointParams,
          querystring: z.object({ status: DeliveryStatus.optional(), ...Page }).strict(),
          response: { 200: DeliveryPage, ...errorResponses(...GUARD_ERRORS, 404, 422) },
        },
      },
      async (request) =>
        listWebhookDeliveries(ctxOf(request, deps), { id: request.params.webhookEndpointId, ...request.query }),
    );

    app.post(
      '/webhook-deliveries/:webhookDeliveryId/replay',
      {
        config: { scope: WRITE },
        schema: {
          operationId: 'replayWebhookDelivery',
          summary: 'Send a delivery’s event again, as a new event',
          description:
            'The replay is a new event (new `id`, `replayOf` naming the original) with the same type and ' +
            'data, to the same endpoint.',
          tags,
          params: DeliveryParams,
          response: { 202: Delivery, ...errorResponses(...GUARD_ERRORS, 404, 409) },
        },
      },
      async (request, reply) => {
        reply.code(202);
        return replayWebhookDelivery(ctxOf(request, deps), { id: request.params.webhookDeliveryId });
      },
    );
  };
