import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../context.js';
import { ctxOf } from '../http/request-context.js';
import { errorResponses, GUARD_ERRORS, Timestamp } from '../http/schemas.js';
import { idParam } from '../ids.js';
import { PLATFORM_SCOPES, unknownScopes } from '../platforms/scopes.js';
import type { Platform } from '../platforms/types.js';
import { createOAuthUrl, createReauthUrl, getOAuthStatus } from '../services/oauth.js';
import { completeOAuthCallback } from '../services/oauth-callback.js';

const PlatformName = z.enum(['tiktok', 'instagram']);
const ReturnUrl = z.url({ protocol: /^https?$/ }).max(2000);
const ProjectParams = z.object({ projectId: idParam('prj') });
const tags = ['Social accounts'];
// OAuth URLs are cheap, short-lived and single-use: a retry should get a fresh state, not a replay.
const config = { scope: 'social:write', idempotent: false } as const;

const scopeList = (p: Platform) => PLATFORM_SCOPES[p].join(', ');
const Scopes = z
  .array(z.string().min(1).max(100))
  .min(1)
  .max(20)
  .meta({
    description:
      `Platform scopes to ask the user for; default: the profile and publishing. TikTok: ` +
      `${scopeList('tiktok')}. Instagram: ${scopeList('instagram')}.`,
  });

// A scope the platform does not define would fail on the user's consent screen: refused here, at `scopes`.
const OAuthUrlRequest = z
  .object({ platform: PlatformName, returnUrl: ReturnUrl, scopes: Scopes.optional() })
  .strict()
  .superRefine((b, ctx) => {
    // The shape's own issues are reported already.
    if (!Array.isArray(b.scopes) || !Object.hasOwn(PLATFORM_SCOPES, b.platform)) return;
    const unknown = unknownScopes(b.platform, b.scopes);
    if (unknown.length === 0) return;
    ctx.addIssue({
      code: 'custom',
      path: ['scopes'],
      message:
        `${unknown.length > 1 ? 'are not' : 'is not a'} ${b.platform} ` +
        `scope${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (known: ` +
        `${scopeList(b.platform)})`,
    });
  });

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
    app.post(
      '/projects/:projectId/social/oauth-url',
      {
        config,
        schema: {
          operationId: 'createOAuthUrl',
          summary: 'Start connecting a TikTok or Instagram account',
          tags,
          params: ProjectParams,
          body: OAuthUrlRequest,
          response: { 200: Authorization, ...errorResponses(...GUARD_ERRORS, 404, 409, 422) },
        },
      },
      async (request) => createOAuthUrl(ctxOf(request, deps), deps, { ...request.params, ...request.body }),
    );

    app.post(
      '/projects/:projectId/social/reauth-url',
      {
        config,
        schema: {
          operationId: 'createReauthUrl',
          summary: 'Reconnect a reauth_required account under the same id',
          tags,
          params: ProjectParams,
          body: z.object({ socialAccountId: idParam('sa'), returnUrl: ReturnUrl }).strict(),
          response: { 200: Authorization, ...errorResponses(...GUARD_ERRORS, 404, 409, 422) },
        },
      },
      async (request) => createReauthUrl(ctxOf(request, deps), deps, { ...request.params, ...request.body }),
    );

    app.get(
      '/social/oauth-status/:state',
      {
        config: { scope: 'social:read' },
        schema: {
          operationId: 'getOAuthStatus',
          summary: 'Poll a connection started with oauth-url or reauth-url',
          tags,
          params: z.object({ state: idParam('st') }),
          response: { 200: Status, ...errorResponses(...GUARD_ERRORS, 404) },
        },
      },
      async (request) => getOAuthStatus(ctxOf(request, deps), request.params),
    );
  };

/** Where the platform sends the user's browser back; no API key, the state is the credential. */
export const oauthCallbackRoute =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/oauth/callback/:platform',
      {
        schema: {
          hide: true,
          params: z.object({ platform: PlatformName }),
          querystring: z.object({
            state: z.string().max(200).optional(),
            code: z.string().max(2000).optional(),
            error: z.string().max(200).optional(),
          }),
        },
      },
      async (request, reply) => {
        const location = await completeOAuthCallback(
          { ...deps, log: request.log },
          { platform: request.params.platform, ...request.query },
        );
        return reply.redirect(location, 302);
      },
    );
  };
