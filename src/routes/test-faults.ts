import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../context.js';
import { ctxOf } from '../http/request-context.js';
import { errorResponses, GUARD_ERRORS, Timestamp } from '../http/schemas.js';
import { idParam } from '../ids.js';
import { REHEARSABLE_FAULTS } from '../platforms/rehearsal.js';
import { clearTestFaults, getTestFaults, setTestFaults } from '../services/test-faults.js';

// Rehearsed faults on a test account (docs/platform-rules.md "Rehearsing faults").
export const MAX_TEST_FAULTS = 10;
export const MAX_TEST_FAULT_COUNT = 20;
export const MAX_RETRY_AFTER_SECONDS = 3600;
// Within the publisher's retry horizon: a slower moderation would fail the post (documented).
export const MAX_DELAY_SECONDS = 900;

const Params = z.object({ socialAccountId: idParam('sa').meta({ description: 'Account id, `sa_<uuid>`.' }) });

const FaultName = z.enum(REHEARSABLE_FAULTS).meta({
  description:
    'token_expired / token_invalid: the platform refuses the token; rate_limited: 429 with Retry-After; ' +
    'server_error: 5xx; slow_moderation (Instagram): the container stays IN_PROGRESS; ' +
    'timeout_after_accept: the platform creates the post and the answer never comes.',
});

const TestFaultInput = z
  .object({
    fault: FaultName,
    count: z
      .number()
      .int()
      .min(1)
      .max(MAX_TEST_FAULT_COUNT)
      .default(1)
      .meta({ description: 'Publish attempts this fault answers (default 1).' }),
    retryAfterSeconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_RETRY_AFTER_SECONDS)
      .optional()
      .meta({ description: 'rate_limited only: the Retry-After the platform sends (default 60).' }),
    delaySeconds: z
      .number()
      .int()
      .min(1)
      .max(MAX_DELAY_SECONDS)
      .optional()
      .meta({ description: 'slow_moderation only: how long the container stays IN_PROGRESS (default 60).' }),
  })
  .strict();

const TestFaults = z
  .object({
    socialAccountId: z.string(),
    platform: z.enum(['tiktok', 'instagram']),
    faults: z.array(
      z.object({
        fault: FaultName,
        remaining: z.number().int().min(1).meta({ description: 'Publish attempts it still answers.' }),
        retryAfterSeconds: z.number().int().optional(),
        delaySeconds: z.number().int().optional(),
      }),
    ),
    updatedAt: Timestamp.nullable(),
  })
  .meta({ id: 'TestFaults' });

export const testFaultRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const path = '/social-accounts/:socialAccountId/test-faults';
    const tags = ['Social accounts'];

    app.get(
      path,
      {
        config: { scope: 'social:read' },
        schema: {
          operationId: 'getTestFaults',
          summary: 'Get a test account’s rehearsed faults',
          tags,
          params: Params,
          response: { 200: TestFaults, ...errorResponses(...GUARD_ERRORS, 404) },
        },
      },
      async (request) => getTestFaults(ctxOf(request, deps), request.params),
    );

    app.put(
      path,
      {
        config: { scope: 'social:write' },
        schema: {
          operationId: 'setTestFaults',
          summary: 'Rehearse platform faults on a test account',
          description:
            'Test mode only (`lp_test_` keys; a live key gets 403 TEST_MODE_ONLY). Replaces the list: the ' +
            'account’s next publish attempts meet these faults in order, each `count` times.',
          tags,
          params: Params,
          body: z.object({ faults: z.array(TestFaultInput).max(MAX_TEST_FAULTS) }).strict(),
          response: { 200: TestFaults, ...errorResponses(...GUARD_ERRORS, 404, 422) },
        },
      },
      async (request) => setTestFaults(ctxOf(request, deps), { ...request.params, faults: request.body.faults }),
    );

    app.delete(
      path,
      {
        config: { scope: 'social:write' },
        schema: {
          operationId: 'clearTestFaults',
          summary: 'Clear a test account’s rehearsed faults',
          tags,
          params: Params,
          response: { 200: TestFaults, ...errorResponses(...GUARD_ERRORS, 404) },
        },
      },
      async (request) => clearTestFaults(ctxOf(request, deps), request.params),
    );
  };
