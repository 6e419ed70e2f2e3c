import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../context.js';
import { ALL_EVENT_TYPES, WEBHOOK_EVENT_TYPES } from '../events/catalogue.js';
import { ctxOf } from '../http/request-context.js';
import { errorResponses, GUARD_ERRORS, Timestamp } from '../http/schemas.js';
import { sealedReplyField } from '../http/sealed-reply.js';
import { idParam } from '../ids.js';
import { DEFAULT_LIMIT } from '../services/pagination.js';
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

const READ = 'webhooks:read';
const WRITE = 'webhooks:write';
const tags = ['Webhooks'];

const EndpointParams = z.object({
  webhookEndpointId: idParam('whe').meta({ description: 'Endpoint id, `whe_<uuid>`.' }),
});
const DeliveryParams = z.object({
  webhookDeliveryId: idParam('dlv').meta({ description: 'Delivery id, `dlv_<uuid>`.' }),
});

const Url = z
  .string()
  .min(1)
  .max(2048)
  .meta({
    description:
      'Where events are POSTed. https only; the host must be public: private, loopback, link-local and ' +
      'metadata addresses are refused.',
  });
const Description = z.string().max(500).nullable();
const Events = z
  .array(z.enum([ALL_EVENT_TYPES, ...WEBHOOK_EVENT_TYPES]))
  .min(1)
  .max(50)
  .refine(
    (types) => !types.includes(ALL_EVENT_TYPES) || types.every((t) => t === ALL_EVENT_TYPES),
    '"*" already means every event type; send it alone',
  )
  .meta({
    description:
      'Event types to receive; `["*"]` for every type, including types added later. `test.ping` is sent ' +
      'only by the test route.',
  });

const Scope = z.enum(['organization', 'all_children']).meta({
  description:
    "`organization` (the default): this organization's events. `all_children`: those and the events of " +
    'every direct child organization, each with `data.organizationId` naming the child. `all_children` ' +
    'takes the `org:admin` scope (else 403 FORBIDDEN_SCOPE); a child organization cannot set it (422).',
});

const CreateBody = z
  .object({ url: Url, description: Description.optional(), events: Events, scope: Scope.optional() })
  .strict()
  .meta({ id: 'CreateWebhookEndpointRequest' });
const UpdateBody = z
  .object({
    url: Url.optional(),
    description: Description.optional(),
    events: Events.optional(),
    status: z.enum(['active', 'paused']).optional(),
    scope: Scope.optional(),
  })
  .strict()
  .refine(
    (b) => Object.values(b).some((v) => v !== undefined),
    'set at least one of url, description, events, status, scope',
  )
  .meta({ id: 'UpdateWebhookEndpointRequest' });

const Page = {
  limit: z.coerce.number().int().min(1).max(200).default(DEFAULT_LIMIT),
  cursor: z.string().min(1).max(500).optional(),
};
const DeliveryStatus = z.enum(['pending', 'succeeded', 'failed', 'abandoned']);

const Endpoint = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string().nullable(),
    events: z.array(z.string()).meta({ description: 'The event types this endpoint receives (`["*"]`: every type).' }),
    status: z.enum(['active', 'paused']),
    scope: Scope,
    pausedReason: z.enum(['manual', 'consecutive_failures']).nullable(),
    pausedAt: Timestamp.nullable(),
    consecutiveFailures: z.number().int().min(0),
    previousSecretExpiresAt: Timestamp.nullable().meta({
      description: 'Until then, deliveries are signed with the previous secret too.',
    }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'WebhookEndpoint' });
const EndpointWithSecret = Endpoint.extend({
  secret: z.string().meta({ description: 'The signing secret, `whsec_…`. Shown only in this response: store it now.' }),
}).meta({ id: 'WebhookEndpointWithSecret' });
const EndpointPage = z
  .object({ items: z.array(Endpoint), nextCursor: z.string().nullable() })
  .meta({ id: 'WebhookEndpointPage' });
const DeletedEndpoint = z
  .object({ id: z.string(), deleted: z.literal(true), deletedAt: Timestamp })
  .meta({ id: 'DeletedWebhookEndpoint' });

const Delivery = z
  .object({
    id: z.string(),
    webhookEndpointId: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    replayOf: z.string().nullable().meta({ description: 'For a replay: the id of the event first delivered.' }),
    status: DeliveryStatus,
    attempts: z.number().int().min(0),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: Timestamp.nullable(),
    lastAttemptAt: Timestamp.nullable(),
    deliveredAt: Timestamp.nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'WebhookDelivery' });
const DeliveryPage = z
  .object({ items: z.array(Delivery), nextCursor: z.string().nullable() })
  .meta({ id: 'WebhookDeliveryPage' });

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
