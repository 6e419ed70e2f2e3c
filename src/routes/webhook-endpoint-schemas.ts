import { z } from 'zod';
import { ALL_EVENT_TYPES, WEBHOOK_EVENT_TYPES } from '../events/catalogue.js';
import { Timestamp } from '../http/schemas.js';
import { idParam } from '../ids.js';
import { DEFAULT_LIMIT } from '../services/pagination.js';

// Wire schemas of the webhook endpoint and delivery routes (./webhook-endpoints.ts).

export const EndpointParams = z.object({
  webhookEndpointId: idParam('whe').meta({ description: 'Endpoint id, `whe_<uuid>`.' }),
});
export const DeliveryParams = z.object({
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

export const CreateBody = z
  .object({ url: Url, description: Description.optional(), events: Events, scope: Scope.optional() })
  .strict()
  .meta({ id: 'CreateWebhookEndpointRequest' });
export const UpdateBody = z
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

export const Page = {
  limit: z.coerce.number().int().min(1).max(200).default(DEFAULT_LIMIT),
  cursor: z.string().min(1).max(500).optional(),
};
export const DeliveryStatus = z.enum(['pending', 'succeeded', 'failed', 'abandoned']);

export const Endpoint = z
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
export const EndpointWithSecret = Endpoint.extend({
  secret: z.string().meta({ description: 'The signing secret, `whsec_…`. Shown only in this response: store it now.' }),
}).meta({ id: 'WebhookEndpointWithSecret' });
export const EndpointPage = z
  .object({ items: z.array(Endpoint), nextCursor: z.string().nullable() })
  .meta({ id: 'WebhookEndpointPage' });
export const DeletedEndpoint = z
  .object({ id: z.string(), deleted: z.literal(true), deletedAt: Timestamp })
  .meta({ id: 'DeletedWebhookEndpoint' });

export const Delivery = z
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
export const DeliveryPage = z
  .object({ items: z.array(Delivery), nextCursor: z.string().nullable() })
  .meta({ id: 'WebhookDeliveryPage' });
