import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../context.js';
import { ctxOf } from '../http/request-context.js';
import { errorResponses, GUARD_ERRORS, Timestamp } from '../http/schemas.js';
import { idParam } from '../ids.js';
import { killApiKey, whoami } from '../services/api-keys.js';

const Whoami = z
  .object({
    organizationId: z.string(),
    organizationName: z.string(),
    apiKeyId: z.string(),
    scopes: z.array(z.string()),
    rateLimitTier: z.enum(['standard', 'pilot', 'partner']),
    env: z.enum(['live', 'test']),
  })
  .meta({ id: 'Whoami' });

const KilledKey = z
  .object({ apiKeyId: z.string(), killSwitch: z.literal(true), killedAt: Timestamp })
  .meta({ id: 'KilledApiKey' });

/** Identity and key kill: any valid key, no scope needed (spec §3). */
export const apiKeyRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
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
          params: z.object({ keyId: idParam('key') }),
          response: { 200: KilledKey, ...errorResponses(...GUARD_ERRORS, 404, 409) },
        },
      },
      async (request) => killApiKey(ctxOf(request, deps), request.params),
    );
  };
