import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../context.js';
import { keyRingStatus, rotateKeyRing } from '../crypto/key-ring-rotation.js';
import { ApiError } from '../http/errors.js';
import { operatorTokenCheck } from '../http/operator-token.js';
import { timestampInput } from '../http/schemas.js';
import { SCOPES } from '../http/scopes.js';
import { idParam } from '../ids.js';
import * as admin from '../services/admin.js';
import { listApiKeys, revokeApiKey, rotateApiKey } from '../services/admin-api-keys.js';
import type { AdminCtx } from '../services/admin-context.js';
import { DEFAULT_GRACE_SECONDS, MAX_GRACE_SECONDS } from '../services/api-key-lifecycle.js';
import { listChildrenForOperator } from '../services/child-organizations.js';
import { DEFAULT_LIMIT } from '../services/pagination.js';
import { adminLeaseRoutes } from './admin-leases.js';
import { adminOperatorRoutes } from './admin-operator.js';

/** The operator plane, behind LAYERS_ADMIN_TOKEN. Hidden from the partner OpenAPI document. */
export const adminRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const isOperator = operatorTokenCheck(deps.adminToken);
    app.addHook('onRequest', async (request) => {
      const header = request.headers.authorization ?? '';
      const token = header.startsWith('Bearer ') ? header.slice(7) : '';
      if (!isOperator(token)) throw new ApiError('UNAUTHENTICATED', 'Missing or invalid operator token.');
    });
    const ctx: AdminCtx = {
      db: deps.db,
      clock: deps.clock,
      tokenCrypto: deps.tokenCrypto,
      issueFixtureToken: deps.issueFixtureToken,
    };
    const hide = true;
    await app.register(adminLeaseRoutes(ctx));
    await app.register(adminOperatorRoutes(ctx));

    app.post(
      '/organizations',
      { schema: { hide, body: z.object({ name: z.string().min(1).max(200) }).strict() } },
      async (req, reply) => reply.code(201).send(await admin.createOrganization(ctx, req.body)),
    );

    app.post(
      '/api-keys',
      {
        schema: {
          hide,
          body: z
            .object({
              organizationId: idParam('org'),
              scopes: z.array(z.enum(SCOPES)).min(1),
              tier: z.enum(['standard', 'pilot', 'partner']).default('standard'),
              env: z.enum(['live', 'test']).default('test'),
              returnUrls: z.array(z.string().min(1)).default([]),
              name: z.string().max(200).optional(),
            })
            .strict(),
        },
      },
      async (req, reply) => reply.code(201).send(await admin.createApiKey(ctx, req.body)),
    );

    app.get(
      '/organizations/:orgId/api-keys',
      {
        schema: {
          hide,
          params: z.object({ orgId: idParam('org') }),
          querystring: z
            .object({
              limit: z.coerce.number().int().min(1).max(200).default(DEFAULT_LIMIT),
              cursor: z.string().min(1).max(500).optional(),
            })
            .strict(),
        },
      },
      async (req) => listApiKeys(ctx, { organizationId: req.params.orgId, ...req.query }),
    );

    app.post(
      '/api-keys/:keyId/revoke',
      { schema: { hide, params: z.object({ keyId: idParam('key') }) } },
      async (req) => revokeApiKey(ctx, req.params.keyId),
    );

    app.post(
      '/api-keys/:keyId/rotate',
      {
        schema: {
          hide,
          params: z.object({ keyId: idParam('key') }),
          body: z.preprocess(
            (v) => v ?? {},
            z
              .object({ graceSeconds: z.number().int().min(0).max(MAX_GRACE_SECONDS).default(DEFAULT_GRACE_SECONDS) })
              .strict(),
          ),
        },
      },
      async (req) => rotateApiKey(ctx, { keyId: req.params.keyId, ...req.body }),
    );

    app.post(
      '/projects',
      {
        schema: {
          hide,
          body: z
            .object({
              organizationId: idParam('org'),
              name: z.string().min(1).max(200),
              timezone: z.string().min(1).default('UTC'),
            })
            .strict(),
        },
      },
      async (req, reply) => reply.code(201).send(await admin.createProject(ctx, req.body)),
    );

    app.post(
      '/social-accounts',
      {
        schema: {
          hide,
          body: z
            .object({
              projectId: idParam('prj'),
              platform: z.enum(['tiktok', 'instagram']),
              handle: z.string().min(1).max(100),
              leased: z.boolean().default(false),
              // The environment whose keys see the account (test: the sandbox platform).
              env: z.enum(['live', 'test']).default('test'),
            })
            .strict(),
        },
      },
      async (req, reply) => reply.code(201).send(await admin.createSocialAccount(ctx, req.body)),
    );

    app.post(
      '/fixtures/queued-posts',
      {
        schema: {
          hide,
          body: z
            .object({
              socialAccountId: idParam('sa'),
              count: z.number().int().min(1).max(10_000),
              firstDueAt: timestampInput('When the first fixture post is due.').optional(),
            })
            .strict(),
        },
      },
      async (req, reply) =>
        reply.code(201).send(
          await admin.createQueuedPosts(ctx, {
            ...req.body,
            firstDueAt: req.body.firstDueAt ? new Date(req.body.firstDueAt) : undefined,
          }),
        ),
    );

    app.put(
      '/kill-switches',
      {
        schema: {
          hide,
          body: z
            .object({
              scope: z.enum(['global', 'organization', 'key']),
              target: z.string().min(1).optional(),
              on: z.boolean(),
            })
            .strict(),
        },
      },
      async (req) => admin.setKillSwitch(ctx, req.body),
    );

    // A partner's child organizations (docs/organizations.md), newest first.
    app.get(
      '/organizations/:orgId/children',
      {
        schema: {
          hide,
          params: z.object({ orgId: idParam('org') }),
          querystring: z
            .object({
              status: z.enum(['active', 'suspended', 'archived']).optional(),
              limit: z.coerce.number().int().min(1).max(200).default(DEFAULT_LIMIT),
              cursor: z.string().min(1).max(500).optional(),
            })
            .strict(),
        },
      },
      async (req) => listChildrenForOperator(ctx, { organizationId: req.params.orgId, ...req.query }),
    );

    // The key ring (docs/key-ring.md): its epochs, and a rotation now (the worker also rotates on a schedule).
    app.get('/key-ring', { schema: { hide } }, async () => keyRingStatus(deps));
    app.post('/key-ring/rotate', { schema: { hide } }, async () => rotateKeyRing(deps));
  };
