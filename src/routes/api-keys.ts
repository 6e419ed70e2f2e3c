import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../context.js';
import { ctxOf } from '../http/request-context.js';
import { errorResponses, GUARD_ERRORS, Timestamp } from '../http/schemas.js';
import { SCOPES } from '../http/scopes.js';
import { sealedReplyField } from '../http/sealed-reply.js';
import { idParam } from '../ids.js';
import { DEFAULT_GRACE_SECONDS, MAX_GRACE_SECONDS } from '../services/api-key-lifecycle.js';
import { createApiKey, killApiKey, listApiKeys, revokeApiKey, rotateApiKey, whoami } from '../services/api-keys.js';
import { DEFAULT_LIMIT } from '../services/pagination.js';

const Whoami = z
  .object({
    organizationId: z.string(),
    organizationName: z.string(),
    parentOrganizationId: z
      .string()
      .nullable()
      .meta({ description: 'The organization that created this one; null for a top-level organization.' }),
    apiKeyId: z.string(),
    scopes: z.array(z.string()),
    rateLimitTier: z.enum(['standard', 'pilot', 'partner']),
    env: z.enum(['live', 'test']),
  })
  .meta({ id: 'Whoami' });

const KilledKey = z
  .object({ apiKeyId: z.string(), killSwitch: z.literal(true), killedAt: Timestamp })
  .meta({ id: 'KilledApiKey' });

const Tier = z.enum(['standard', 'pilot', 'partner']);
const ApiKey = z
  .object({
    apiKeyId: z.string(),
    organizationId: z.string(),
    name: z.string().nullable(),
    prefix: z.string().meta({ description: '`lp_<env>_<keyId>_`: the key up to its secret.' }),
    last4: z
      .string()
      .nullable()
      .meta({ description: 'The key’s last 4 characters (null for the oldest keys, made before they were kept).' }),
    masked: z.string().meta({ description: 'prefix, an ellipsis and last4: how to show the key to a person.' }),
    scopes: z.array(z.string()),
    rateLimitTier: Tier,
    env: z.enum(['live', 'test']),
    status: z.enum(['active', 'killed', 'superseded', 'expired', 'revoked']).meta({
      description: '`superseded`: rotated, still authenticating until `expiresAt`; `expired`: that time passed.',
    }),
    killSwitch: z.boolean(),
    createdAt: Timestamp,
    revokedAt: Timestamp.nullable(),
    supersededBy: z.string().nullable().meta({ description: 'The key a rotation replaced this one with.' }),
    expiresAt: Timestamp.nullable().meta({ description: 'When a rotated key stops authenticating (401).' }),
  })
  .meta({ id: 'ApiKey' });
const Secret = z.string().meta({
  description: 'The whole key, `lp_<env>_<keyId>_<secret>`. Shown only in this response: store it now.',
});
const ApiKeyWithSecret = ApiKey.extend({ key: Secret }).meta({ id: 'ApiKeyWithSecret' });
const RotatedApiKey = ApiKeyWithSecret.extend({
  previousApiKeyId: z.string(),
  previousKeyExpiresAt: Timestamp.meta({ description: 'Until then the previous key keeps working; then 401.' }),
}).meta({ id: 'RotatedApiKey' });
const ApiKeyPage = z.object({ items: z.array(ApiKey), nextCursor: z.string().nullable() }).meta({ id: 'ApiKeyPage' });

const OrgParams = z.object({
  orgId: idParam('org').meta({
    description: 'Your organization, or a direct child of it (`org_<uuid>`).',
  }),
});
const KeyParams = z.object({ keyId: idParam('key') });
const CreateBody = z
  .object({
    name: z.string().min(1).max(200),
    scopes: z
      .array(z.enum(SCOPES))
      .min(1)
      .max(SCOPES.length)
      .meta({ description: 'Each must be a scope the calling key holds (else 403 FORBIDDEN_SCOPE).' }),
    env: z.enum(['live', 'test']).meta({ description: 'A test key can create test keys only.' }),
    tier: Tier.optional().meta({ description: 'At most the calling key’s tier, which is the default.' }),
  })
  .strict()
  .meta({ id: 'CreateApiKeyRequest' });
const RotateBody = z
  .object({
    graceSeconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_GRACE_SECONDS)
      .default(DEFAULT_GRACE_SECONDS)
      .meta({ description: 'How long the old key keeps working: 0 (revoked at once) to 7 days; default 24 h.' }),
  })
  .strict()
  .meta({ id: 'RotateApiKeyRequest' });
// The body is optional: fastify hands a bodiless POST to the validator as null.
const OptionalRotateBody = z.preprocess((v) => v ?? {}, RotateBody);
const ListQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(DEFAULT_LIMIT),
    cursor: z.string().min(1).max(500).optional(),
  })
  .strict();

const tags = ['API keys'];

/** Identity and keys. whoami, kill and rotating one's own key need any valid key; the rest `org:admin`. */
export const apiKeyRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    // A new key is shown once; the stored idempotent response holds it sealed (src/http/sealed-reply.ts).
    const secret = sealedReplyField(deps.tokenCrypto, {
      field: 'key',
      idField: 'apiKeyId',
      context: (id) => `api-key-reply:${id}`,
    });
    app.addHook('preSerialization', secret.open);

    app.get(
      '/whoami',
      {
        schema: {
          operationId: 'whoami',
          summary: 'Who is this key',
          tags: ['Identity'],
          response: { 200: Whoami, ...errorResponses(...GUARD_ERRORS) },
        },
      },
      async (request) => whoami(ctxOf(request, deps)),
    );

    app.post(
      '/api-keys/:keyId/kill',
      {
        schema: {
          operationId: 'killApiKey',
          summary: 'Kill an API key of your organization',
          description:
            'Any key may kill any key of the same organization, itself included. Idempotent by state. ' +
            'Un-kill is operator-only.',
          tags: ['Identity'],
          params: KeyParams,
          response: { 200: KilledKey, ...errorResponses(...GUARD_ERRORS, 404, 409) },
        },
      },
      async (request) => killApiKey(ctxOf(request, deps), request.params),
    );

    app.post(
      '/organizations/:orgId/api-keys',
      {
        config: { scope: 'org:admin' },
        schema: {
          operationId: 'createApiKey',
          summary: 'Create an API key',
          description:
            'The key is returned once, in this response. It can hold only scopes the calling key holds, at ' +
            'most its tier, and inherits its return-URL allowlist.',
          tags,
          params: OrgParams,
          body: CreateBody,
          response: { 201: ApiKeyWithSecret, ...errorResponses(...GUARD_ERRORS, 404, 422) },
        },
      },
      async (request, reply) => {
        const created = await createApiKey(ctxOf(request, deps), { ...request.body, orgId: request.params.orgId });
        reply.code(201);
        return secret.seal(created);
      },
    );

    app.get(
      '/organizations/:orgId/api-keys',
      {
        config: { scope: 'org:admin' },
        schema: {
          operationId: 'listApiKeys',
          summary: 'List API keys, newest first (masked)',
          tags,
          params: OrgParams,
          querystring: ListQuery,
          response: { 200: ApiKeyPage, ...errorResponses(...GUARD_ERRORS, 404, 422) },
        },
      },
      async (request) => listApiKeys(ctxOf(request, deps), { ...request.query, orgId: request.params.orgId }),
    );

    app.delete(
      '/organizations/:orgId/api-keys/:keyId',
      {
        config: { scope: 'org:admin' },
        schema: {
          operationId: 'revokeApiKey',
          summary: 'Revoke an API key',
          description: 'Its next request is 401 UNAUTHENTICATED. Idempotent by state.',
          tags,
          params: OrgParams.extend(KeyParams.shape),
          response: { 200: ApiKey, ...errorResponses(...GUARD_ERRORS, 404) },
        },
      },
      async (request) => revokeApiKey(ctxOf(request, deps), request.params),
    );

    app.post(
      '/api-keys/:keyId/rotate',
      {
        schema: {
          operationId: 'rotateApiKey',
          summary: 'Rotate an API key',
          description:
            'A new key replaces this one, which keeps working for `graceSeconds` (default 24 h), then answers ' +
            '401. Any key may rotate itself; rotating another key of the organization needs `org:admin`. A ' +
            'key is rotated once: rotating it again is 409 CONFLICT.',
          tags,
          params: KeyParams,
          body: OptionalRotateBody,
          response: { 200: RotatedApiKey, ...errorResponses(...GUARD_ERRORS, 404, 409, 422) },
        },
      },
      async (request) => secret.seal(await rotateApiKey(ctxOf(request, deps), { ...request.params, ...request.body })),
    );
  };
