import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../context.js';
import { errorResponses, GUARD_ERRORS, Timestamp } from '../http/schemas.js';
import { ctxOf } from '../http/request-context.js';
import { idParam } from '../ids.js';
import { completeOAuthCallback } from '../services/oauth-callback.js';
import { createOAuthUrl, createReauthUrl, getOAuthStatus } from '../services/oauth.js';

const Platform = z.enum(['tiktok', 'instagram']);
const ReturnUrl = z.url({ protocol: /^https?$/ }).max(2000);
const ProjectParams = z.object({ projectId: idParam('prj') });
const tags = ['Social accounts'];
// OAuth URLs are cheap, short-lived and single-use: a retry should get a fresh state, not a replay.
const config = { scope: 'social:write', idempotent: false };

const Authorization = z
  .object({ authorizeUrl: z.string(), state: z.string(), expiresAt: Timestamp })
  .meta({ id: 'OAuthAuthorization' });

const Status = z
  .object({
    state: z.string(),
    status: z.enum(['pending', 'completed', 'failed', 'expired']),
    socialAccountId: z.string().nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: 'OAuthStatus' });

/** The partner side of connecting an account: start, reconnect, poll. */
export const oauthRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.post('/projects/:projectId/social/oauth-url', {
      config,
      schema: {
        operationId: 'createOAuthUrl', summary: 'Start connecting a TikTok or Instagram account', tags, params: ProjectParams,
        body: z.object({ platform: Platform, returnUrl: ReturnUrl, scopes: z.array(z.string().min(1).max(100)).min(1).max(20).optional() }).strict(),
        response: { 200: Authorization, ...errorResponses(...GUARD_ERRORS, 404, 409, 422) },
      },
    }, async (request) => createOAuthUrl(ctxOf(request, deps), deps, { ...request.params, ...request.body }));

    app.post('/projects/:projectId/social/reauth-url', {
      config,
      schema: {
        operationId: 'createReauthUrl', summary: 'Reconnect a reauth_required account under the same id', tags, params: ProjectParams,
        body: z.object({ socialAccountId: idParam('sa'), returnUrl: ReturnUrl }).strict(),
        response: { 200: Authorization, ...errorResponses(...GUARD_ERRORS, 404, 409, 422) },
      },
    }, async (request) => createReauthUrl(ctxOf(request, deps), deps, { ...request.params, ...request.body }));

    app.get('/social/oauth-status/:state', {
      config: { scope: 'social:read' },
      schema: {
        operationId: 'getOAuthStatus', summary: 'Poll a connection started with oauth-url or reauth-url', tags,
        params: z.object({ state: idParam('st') }),
        response: { 200: Status, ...errorResponses(...GUARD_ERRORS, 404) },
      },
    }, async (request) => getOAuthStatus(ctxOf(request, deps), request.params));
  };

/** Where the platform sends the user's browser back; no API key, the state is the credential. */
export const oauthCallbackRoute =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get('/oauth/callback/:platform', {
      schema: {
        hide: true,
        params: z.object({ platform: Platform }),
        querystring: z.object({ state: z.string().max(200).optional(), code: z.string().max(2000).optional(), error: z.string().max(200).optional() }),
      },
    }, async (request, reply) => {
      const location = await completeOAuthCallback({ ...deps, log: request.log }, { platform: request.params.platform, ...request.query });
      return reply.redirect(location, 302);
    });
  };
