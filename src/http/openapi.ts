import { STATUS_CODES } from 'node:http';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { webhooksSection } from '../events/openapi.js';
import { ERRORS, type ErrorCode } from './errors.js';
import { endpointClassOf } from './guards/rate-limit.js';
import { errorExample } from './openapi-error-examples.js';
import { OPERATION_EXAMPLES } from './openapi-examples.js';
import { pruneSchemas } from './openapi-prune.js';
import { GUARD_ERRORS } from './schemas.js';

// The OpenAPI document's cross-cutting parts, added here once from each route's config rather
// than written beside every route: scope, rate class, idempotency, guard headers, error responses.

// biome-ignore lint/suspicious/noExplicitAny: a JSON Schema document walked generically.
type Json = Record<string, any>;
type TransformInput = Parameters<typeof jsonSchemaTransform>[0] & {
  route?: { method: string | string[]; config?: Json };
};
type TransformObjectInput = Parameters<typeof jsonSchemaTransformObject>[0];

const WRITE_METHODS = new Set(['post', 'patch', 'delete']);
const METHOD_ORDER = ['get', 'put', 'post', 'patch', 'delete'];
const TAG_ORDER = [
  'Identity',
  'API keys',
  'Organizations',
  'Projects',
  'Social accounts',
  'Leased accounts',
  'Content',
  'Publishing',
  'Webhooks',
  'Audit log',
];
const ENVELOPE_REF = '#/components/schemas/ErrorEnvelope';

/** Fixed, so the committed document does not depend on the environment that generated it. */
const SERVERS = [
  { url: 'https://api.layers.com', description: 'Production' },
  { url: 'http://127.0.0.1:8080', description: 'A local `layers serve` (`npm start`; PORT defaults to 8080)' },
];
const INFO_EXTRA = {
  contact: { name: 'Layers partner support', url: 'https://layers.com/partners', email: 'partners@layers.com' },
  license: { name: 'Proprietary: Layers partner terms', url: 'https://layers.com/legal/partner-terms' },
};
const GUIDES =
  '\n\nGuides (in the server repository): docs/guards.md (guards, error codes, retries, idempotency), ' +
  'docs/webhooks.md (events, signatures, retries), docs/content-and-publishing.md (scheduling and publishing), ' +
  'docs/environments.md (test and live keys). Try it locally: `npm start` seeds a demo key into `.layers/demo.json`.';
const TAG_DESCRIPTIONS: Record<string, string> = {
  Identity: 'Who the calling key is, the audit of its organization, and the leak response (kill a key).',
  'API keys':
    'Your organization’s keys (`org:admin`): create one (shown once), list them masked, revoke, and rotate ' +
    'with a grace period.',
  Organizations:
    'Child organizations (`org:admin`), one per end-customer and one level deep: create, suspend, resume, ' +
    'archive (docs/organizations.md).',
  Projects: 'One project per end-customer; archiving one cancels its queued posts.',
  'Social accounts':
    'TikTok and Instagram accounts connected by OAuth; revoke disconnects one, drops its token and cancels ' +
    'its queued posts in one transaction.',
  'Leased accounts': 'Accounts Layers lends to a project for a monthly price: request, list, release.',
  Content: 'Finished media and caption, uploaded once and published to many accounts (docs/content-and-publishing.md).',
  Publishing: 'Posts scheduled from content: queued until due, then published by the worker.',
  Webhooks: 'Endpoints that receive signed events, their deliveries and replays (docs/webhooks.md).',
  'Audit log': 'What changed in the organization, by which key and request.',
};

/** What each code means, for the error responses' descriptions (typed: a new code must be described). */
const MEANING: Record<ErrorCode, string> = {
  VALIDATION:
    'malformed path parameter, header or JSON (400), or a body/query that breaks the schema (422, `details.issues[]`)',
  UNAUTHENTICATED: 'missing, malformed, unknown or revoked API key',
  FORBIDDEN_SCOPE: 'the key lacks the route’s scope (`details.requiredScope`)',
  RETURN_URL_NOT_ALLOWED: '`returnUrl` is not on the key’s allowlist',
  APPROVAL_REQUIRED: 'publish-now of content that waits for approval (`details.containerId`)',
  TEST_MODE_ONLY: 'a test-mode feature (rehearsed faults) called with a live key',
  NOT_FOUND: 'absent, or in another organization',
  CONFLICT: 'the resource’s state forbids this (`details.reason`)',
  IDEMPOTENCY_CONFLICT:
    '`Idempotency-Key` reused with a different request (`details.reason` `different_request`), or its ' +
    'first use is still running (`in_progress`, with `Retry-After`)',
  CONTENT_REJECTED: 'scheduling or publishing content that was rejected (`details.containerId`)',
  PLATFORM_RULE_VIOLATION:
    'schedule or publish to a target whose platform rules the content breaks (`details.targets[].issues`, ' +
    'docs/platform-rules.md); nothing was written',
  PLATFORM_QUOTA_EXCEEDED:
    'the post would exceed the account’s platform publishing budget in a moving window (`details.socialAccountId`, ' +
    '`windowStart`, `windowEnd`, `limit`, `used`, `earliestFreeSlot`)',
  PAYLOAD_TOO_LARGE: 'request body over 1 MiB',
  RATE_LIMITED:
    'the key’s budget for this endpoint class is spent, or this client address has sent too many ' +
    'requests that failed authentication (`details.reason` `authentication_failures`); wait ' +
    '`Retry-After` seconds',
  INTERNAL: 'server fault; nothing changed, safe to retry with the same `Idempotency-Key`',
  KILL_SWITCH: 'the key, its organization or the whole API is switched off (`details.scope`)',
  NOT_READY: 'this instance cannot serve yet (`GET /readyz` only; a load balancer sends elsewhere)',
};

/** The wire codes a /v1 route can answer with this status (NOT_READY is /readyz's alone). */
function codesFor(status: number): ErrorCode[] {
  const codes = Object.values(ERRORS).filter((e) => e.status === status && e.code !== 'NOT_READY');
  return [...new Set(codes.map((e) => e.code))];
}

const HEADERS: Json = {
  'X-Request-Id': {
    description: 'This request’s id (`req_` + ULID); quote it to support. On every response.',
    schema: { type: 'string' },
  },
  'X-RateLimit-Endpoint-Class': {
    description: 'The rate-limit class this request counted against.',
    schema: { type: 'string', enum: ['read-light', 'write-light', 'long-running'] },
  },
  'RateLimit-Limit': {
    description: 'The budget of the current window (or the daily write cap, when that ran out).',
    schema: { type: 'integer' },
  },
  'RateLimit-Remaining': { description: 'Requests left in the current window.', schema: { type: 'integer' } },
  'RateLimit-Reset': {
    description: 'Whole seconds until the window resets (rounded up).',
    schema: { type: 'integer' },
  },
  'Retry-After': {
    description: 'Whole seconds to wait before retrying; waiting this long is always enough.',
    schema: { type: 'integer' },
  },
  'Idempotent-Replayed': {
    description: '`true` when this is the stored response of an earlier request with the same `Idempotency-Key`.',
    schema: { type: 'string', enum: ['true'] },
  },
};
const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` });

const IDEMPOTENCY_KEY = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  schema: { type: 'string', minLength: 1, maxLength: 255 },
  description:
    'Makes the write safe to retry: the same key with the same request within 24 h replays the first ' +
    'response (`Idempotent-Replayed: true`); with a different request → 409 `IDEMPOTENCY_CONFLICT`.',
};

/** Per route: the JSON schemas, plus the route's config as `x-` fields and the scope in the description. */
export function openapiTransform(input: TransformInput) {
  const out = jsonSchemaTransform(input) as { schema: Json; url: string };
  const { route, url } = input;
  if (!out.schema || out.schema.hide || !url.startsWith('/v1/') || !route) return out;
  const method = (Array.isArray(route.method) ? route.method[0]! : route.method).toUpperCase();
  const scope: string | undefined = route.config?.scope;
  out.schema['x-required-scope'] = scope ?? null;
  out.schema['x-endpoint-class'] = endpointClassOf(method, route.config?.rateClass);
  out.schema['x-idempotent'] = WRITE_METHODS.has(method.toLowerCase()) && route.config?.idempotent !== false;
  const scopeLine = scope ? `**Required scope:** \`${scope}\`.` : '**Required scope:** none — any valid API key.';
  out.schema.description = [input.schema?.description, scopeLine].filter(Boolean).join('\n\n');
  const body = input.schema?.body as { safeParse?: (v: unknown) => { success: boolean } } | undefined;
  if (body?.safeParse?.(undefined).success) out.schema['x-body-optional'] = true;
  return out;
}

/** The whole document: guard headers, error envelopes, Idempotency-Key; unused schemas pruned; stable order. */
export function openapiTransformObject(input: TransformObjectInput) {
  const doc = jsonSchemaTransformObject(input) as Json;
  for (const ops of Object.values<Json>(doc.paths ?? {})) {
    for (const [method, op] of Object.entries<Json>(ops)) decorateOperation(method, op);
  }
  const schemas = pruneSchemas(doc);
  const webhooks = webhooksSection(); // generated from the event catalogue (src/events)
  return {
    openapi: doc.openapi,
    info: { ...doc.info, description: `${doc.info?.description ?? ''}${GUIDES}`, ...INFO_EXTRA },
    servers: SERVERS,
    security: doc.security,
    tags: orderedTags(doc.paths ?? {}),
    paths: sortKeys(doc.paths ?? {}, (ops: Json) => sortKeys(ops, undefined, METHOD_ORDER)),
    webhooks: webhooks.webhooks,
    components: {
      securitySchemes: doc.components?.securitySchemes,
      parameters: { IdempotencyKey: IDEMPOTENCY_KEY },
      headers: Object.fromEntries(Object.entries(HEADERS).map(([k, v]) => [k.replace(/-/g, ''), v])),
      schemas: sortKeys({ ...schemas, ...webhooks.schemas }),
    },
  };
}

function decorateOperation(method: string, op: Json) {
  if (!('x-required-scope' in op)) return; // not a /v1 route
  const idempotent = op['x-idempotent'] === true;
  if (idempotent) op.parameters = [...(op.parameters ?? []), { $ref: '#/components/parameters/IdempotencyKey' }];
  if (op['x-body-optional'] && op.requestBody) op.requestBody.required = false;
  delete op['x-body-optional'];
  const examples = OPERATION_EXAMPLES[op.operationId];
  const requestMedia = op.requestBody?.content?.['application/json'];
  if (requestMedia && examples?.request !== undefined) requestMedia.example = examples.request;
  const exampleOf = {
    operationId: op.operationId as string,
    scope: op['x-required-scope'] as string | null,
    pathParams: (op.parameters ?? []).filter((p: Json) => p.in === 'path').map((p: Json) => p.name as string),
  };
  const responses: Json = op.responses ?? {};
  const statuses = new Set([
    ...Object.keys(responses).map(Number),
    ...GUARD_ERRORS,
    ...(WRITE_METHODS.has(method) ? [413] : []),
  ]);
  op.responses = {};
  for (const status of [...statuses].sort((a, b) => a - b)) {
    const response: Json = responses[status] ?? {};
    const headers: Json = { 'X-Request-Id': headerRef('XRequestId') };
    if (status !== 401 && status !== 503) {
      for (const h of ['X-RateLimit-Endpoint-Class', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'])
        headers[h] = headerRef(h.replace(/-/g, ''));
    }
    if (status === 429 || status === 409) headers['Retry-After'] = headerRef('RetryAfter');
    if (status < 300 && idempotent) headers['Idempotent-Replayed'] = headerRef('IdempotentReplayed');
    if (status >= 400) {
      const codes = codesFor(status).map((c) => `\`${c}\`: ${MEANING[c]}.`);
      op.responses[status] = {
        description: codes.join(' ') || STATUS_CODES[status],
        headers,
        content: { 'application/json': { schema: { $ref: ENVELOPE_REF }, example: errorExample(status, exampleOf) } },
      };
    } else {
      const description =
        response.description && response.description !== 'Default Response'
          ? response.description
          : STATUS_CODES[status];
      const media = response.content?.['application/json'];
      if (media && examples)
        media.example =
          status === 202 && examples.accepted
            ? examples.accepted
            : status === 200 && examples.dryRun
              ? examples.dryRun
              : examples.response;
      op.responses[status] = { ...response, description, headers: { ...response.headers, ...headers } };
    }
  }
}

function orderedTags(paths: Json) {
  const used = new Set<string>();
  for (const ops of Object.values<Json>(paths))
    for (const op of Object.values<Json>(ops)) for (const t of op.tags ?? []) used.add(t);
  const rank = (t: string) => (TAG_ORDER.includes(t) ? TAG_ORDER.indexOf(t) : TAG_ORDER.length);
  return [...used]
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .map((name) => ({ name, description: TAG_DESCRIPTIONS[name] }));
}

// biome-ignore lint/suspicious/noExplicitAny: maps arbitrary JSON values.
function sortKeys(obj: Json, mapValue?: (v: any) => any, order?: string[]): Json {
  const rank = (k: string) => (order?.includes(k) ? order.indexOf(k) : Infinity);
  const keys = Object.keys(obj).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map((k) => [k, mapValue ? mapValue(obj[k]) : obj[k]]));
}
