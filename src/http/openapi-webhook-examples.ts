import { DELIVERY, ENDPOINT, endpointPaused, I, LATER, page, SECRET, UPDATED } from './openapi-example-values.js';

// The OpenAPI examples of the webhook endpoint and delivery operations (src/routes/webhook-endpoints.ts),
// spread into OPERATION_EXAMPLES (src/http/openapi-examples.ts).

export const WEBHOOK_EXAMPLES = {
  listWebhookEndpoints: { response: page([ENDPOINT]) },
  createWebhookEndpoint: {
    request: { url: ENDPOINT.url, description: ENDPOINT.description, events: ENDPOINT.events },
    response: { ...ENDPOINT, secret: SECRET },
    conflict: {
      message: 'An organization can have at most 20 webhook endpoints; delete one first.',
      details: { reason: 'endpoint_limit', limit: 20 },
    },
  },
  getWebhookEndpoint: { response: ENDPOINT },
  updateWebhookEndpoint: {
    request: { status: 'paused' },
    response: { ...ENDPOINT, status: 'paused', pausedReason: 'manual', pausedAt: UPDATED, updatedAt: UPDATED },
  },
  deleteWebhookEndpoint: { response: { id: I.webhookEndpoint, deleted: true, deletedAt: UPDATED } },
  rotateWebhookSecret: {
    response: {
      ...ENDPOINT,
      previousSecretExpiresAt: '2026-04-19T19:20:47Z',
      updatedAt: UPDATED,
      secret: 'whsec_R8wT1yU4iO7pA2sD5fG9hJ3kL6zX0cVb',
    },
  },
  testWebhookEndpoint: { response: DELIVERY, conflict: endpointPaused() },
  listWebhookDeliveries: {
    response: page([
      {
        ...DELIVERY,
        eventType: 'post.published',
        status: 'succeeded',
        attempts: 1,
        lastStatusCode: 200,
        nextAttemptAt: null,
        lastAttemptAt: LATER,
        deliveredAt: LATER,
        createdAt: LATER,
        updatedAt: LATER,
      },
    ]),
  },
  replayWebhookDelivery: {
    response: {
      ...DELIVERY,
      eventType: 'post.published',
      eventId: 'evt_7a1c5e9b-3d6f-4b2a-8c4e-9f1b3d5a7c0e',
      replayOf: I.event,
    },
    conflict: endpointPaused(),
  },
};
