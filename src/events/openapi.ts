import { z } from 'zod';
import { ALL_WEBHOOK_TYPES, WEBHOOK_EVENTS, type WebhookEventType } from './catalogue.js';
import { webhookEnvelopeExample } from './examples.js';

// The OpenAPI 3.1 `webhooks` section, generated from the catalogue: one entry per webhook type,
// its request body the envelope a receiver gets (src/webhooks/signature.ts `envelopeJson`), its
// `data` a named component — so the SDK types gain one type per event.

// biome-ignore lint/suspicious/noExplicitAny: JSON Schema values.
type Json = Record<string, any>;

const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** `post.canceled` → `PostCanceledWebhook`. */
export function webhookSchemaName(type: WebhookEventType): string {
  const pascal = type
    .split(/[._]/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
  return `${pascal}Webhook`;
}

const header = (name: string, description: string) => ({
  name,
  in: 'header',
  required: true,
  description,
  schema: { type: 'string' },
});

const HEADERS = [
  header('X-Layers-Event-Id', 'The event id (`evt_<uuid>`), the same on every attempt: dedupe on it.'),
  header('X-Layers-Event-Type', 'The event type, as in the body.'),
  header('X-Layers-Delivery-Id', 'This delivery (`dlv_<uuid>`): one per event and endpoint.'),
  header(
    'X-Layers-Signature',
    '`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>`; one more `v1=` during a secret rotation.',
  ),
];

function jsonSchema(schema: z.ZodType): Json {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'output',
    unrepresentable: 'any',
  }) as Json;
  return rest;
}

function envelope(type: WebhookEventType): Json {
  return {
    type: 'object',
    description: WEBHOOK_EVENTS[type].summary,
    properties: {
      id: { type: 'string', description: 'The event id, `evt_<uuid>`: the same on every attempt.' },
      type: { type: 'string', const: type },
      createdAt: { type: 'string', description: 'When the change happened: RFC 3339 UTC, whole seconds.' },
      replayOf: {
        type: 'string',
        description: 'Only on a replayed event: the id of the event it re-sends (the first original).',
      },
      data: schemaRef(`${webhookSchemaName(type)}Data`),
    },
    required: ['id', 'type', 'createdAt', 'data'],
    additionalProperties: false,
  };
}

/** The `webhooks` object and the component schemas it refers to. */
export function webhooksSection(): { webhooks: Json; schemas: Json } {
  const webhooks: Json = {};
  const schemas: Json = {};
  for (const type of ALL_WEBHOOK_TYPES) {
    const name = webhookSchemaName(type);
    schemas[name] = envelope(type);
    schemas[`${name}Data`] = jsonSchema(WEBHOOK_EVENTS[type].payload);
    webhooks[type] = {
      post: {
        operationId: `on${name.replace(/Webhook$/, '')}`,
        summary: WEBHOOK_EVENTS[type].summary,
        description:
          `The \`${type}\` event, POSTed to every active endpoint subscribed to it, signed (docs/webhooks.md). ` +
          'Answer any 2xx within 10 s; anything else is retried.',
        tags: ['Webhooks'],
        parameters: HEADERS,
        requestBody: {
          required: true,
          content: { 'application/json': { schema: schemaRef(name), example: webhookEnvelopeExample(type) } },
        },
        responses: { '2XX': { description: 'Received. The body is ignored.' } },
      },
    };
  }
  schemas.WebhookEvent = {
    description: 'Any event a webhook endpoint receives, by `type`.',
    oneOf: ALL_WEBHOOK_TYPES.map((t) => schemaRef(webhookSchemaName(t))),
    discriminator: {
      propertyName: 'type',
      mapping: Object.fromEntries(ALL_WEBHOOK_TYPES.map((t) => [t, `#/components/schemas/${webhookSchemaName(t)}`])),
    },
  };
  return { webhooks, schemas };
}
