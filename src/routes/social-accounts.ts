import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../context.js';
import { ctxOf } from '../http/request-context.js';
import { errorResponses, GUARD_ERRORS, Timestamp } from '../http/schemas.js';
import { idParam } from '../ids.js';
import { DEFAULT_LIMIT } from '../services/pagination.js';
import { getSocialAccountQuota } from '../services/publish-quotas.js';
import { getSocialAccount, listProjectSocialAccounts, revokeSocialAccount } from '../services/social-accounts.js';

const Params = z.object({ socialAccountId: idParam('sa').meta({ description: 'Account id, `sa_<uuid>`.' }) });

const RevokeResult = z
  .object({
    socialAccountId: z.string(),
    status: z.literal('disconnected'),
    disconnectedReason: z.literal('revoked_by_partner'),
    canceledScheduledPosts: z.number().int().min(0),
    disconnectedAt: Timestamp,
  })
  .meta({ id: 'RevokeSocialAccountResponse' });

const AccountFields = {
  socialAccountId: z.string(),
  projectId: z.string(),
  platform: z.enum(['tiktok', 'instagram']),
  handle: z.string(),
  avatarUrl: z.string().nullable(),
  status: z.enum(['connected', 'reauth_required', 'disconnected']),
  leased: z.boolean(),
  connectedAt: Timestamp.nullable(),
  tokenExpiresAt: Timestamp.nullable(),
  disconnectedAt: Timestamp.nullable(),
  disconnectedReason: z.string().nullable(),
};

const SocialAccountSummary = z.object(AccountFields).meta({ id: 'SocialAccountSummary' });

const ListQuery = z
  .object({
    platform: z.enum(['tiktok', 'instagram']).optional(),
    status: z.enum(['connected', 'reauth_required', 'disconnected']).optional(),
    leased: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
    limit: z.coerce.number().int().min(1).max(200).default(DEFAULT_LIMIT),
    cursor: z.string().min(1).max(500).optional(),
  })
  .strict();

const SocialAccount = z
  .object({
    ...AccountFields,
    queuedScheduledPosts: z
      .number()
      .int()
      .min(0)
      .meta({ description: 'How many queued posts a revoke would cancel right now.' }),
    upstreamRevocation: z
      .object({
        status: z.enum(['pending', 'revoked', 'unconfirmed', 'unsupported']),
        attemptedAt: Timestamp.nullable(),
        lastError: z.string().nullable(),
      })
      .nullable(),
  })
  .meta({ id: 'SocialAccount' });

const QuotaWindow = z
  .object({
    windowStart: Timestamp,
    windowEnd: Timestamp,
    scheduled: z
      .number()
      .int()
      .min(0)
      .meta({ description: 'Posts that spend the budget in [windowStart, windowEnd).' }),
    nextFreeSlot: Timestamp.nullable().meta({
      description: 'The earliest instant in this window where one more post fits every moving window; null: none.',
    }),
  })
  .meta({ id: 'PublishingQuotaWindow' });

const Quota = z
  .object({
    socialAccountId: z.string(),
    platform: z.enum(['tiktok', 'instagram']),
    limit: z.number().int().min(0).meta({ description: 'Posts allowed in any moving window of `windowSeconds`.' }),
    windowSeconds: z.number().int().min(1),
    source: z
      .enum(['platform', 'default'])
      .meta({ description: '`platform`: read from the platform at `checkedAt`; `default`: the documented default.' }),
    checkedAt: Timestamp.nullable(),
    current: z
      .object({
        windowStart: Timestamp,
        windowEnd: Timestamp,
        used: z.number().int().min(0),
        remaining: z.number().int().min(0),
        usedOutsideApi: z
          .number()
          .int()
          .min(0)
          .meta({ description: 'Of `used`: posts the platform reported beyond ours (made outside this API).' }),
      })
      .meta({ description: 'The window ending now: what the platform would accept at this instant.' }),
    nextFreeSlot: Timestamp.nullable().meta({ description: 'The earliest instant from now where one more post fits.' }),
    upcoming: z.array(QuotaWindow),
  })
  .meta({ id: 'PublishingQuota' });

export const socialAccountRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.delete(
      '/social-accounts/:socialAccountId',
      {
        config: { scope: 'social:write' },
        schema: {
          operationId: 'revokeSocialAccount',
          summary: 'Revoke a social account',
          tags: ['Social accounts'],
          params: Params,
          response: { 200: RevokeResult, ...errorResponses(...GUARD_ERRORS, 404, 409) },
        },
      },
      async (request) => revokeSocialAccount(ctxOf(request, deps), request.params),
    );

    app.get(
      '/social-accounts/:socialAccountId',
      {
        config: { scope: 'social:read' },
        schema: {
          operationId: 'getSocialAccount',
          summary: 'Get a social account',
          tags: ['Social accounts'],
          params: Params,
          response: { 200: SocialAccount, ...errorResponses(...GUARD_ERRORS, 404) },
        },
      },
      async (request) => getSocialAccount(ctxOf(request, deps), request.params),
    );

    app.get(
      '/social-accounts/:socialAccountId/quota',
      {
        config: { scope: 'social:read' },
        schema: {
          operationId: 'getSocialAccountQuota',
          summary: 'Get a social account’s platform publishing budget and its windows',
          description:
            'The account’s publishing budget on its platform (read from the platform where it says, else the ' +
            'documented default), the moving window ending now, and the next week’s windows with their next free ' +
            'slot. Schedules that would exceed it answer 409 `PLATFORM_QUOTA_EXCEEDED` (docs/platform-rules.md).',
          tags: ['Social accounts'],
          params: Params,
          response: { 200: Quota, ...errorResponses(...GUARD_ERRORS, 404) },
        },
      },
      async (request) => getSocialAccountQuota(ctxOf(request, deps), request.params),
    );

    app.get(
      '/projects/:projectId/social-accounts',
      {
        config: { scope: 'social:read' },
        schema: {
          operationId: 'listSocialAccounts',
          summary: 'List a project’s social accounts, connected and leased',
          tags: ['Social accounts'],
          params: z.object({ projectId: idParam('prj') }),
          querystring: ListQuery,
          response: {
            200: z
              .object({ items: z.array(SocialAccountSummary), nextCursor: z.string().nullable() })
              .meta({ id: 'SocialAccountPage' }),
            ...errorResponses(...GUARD_ERRORS, 404, 422),
          },
        },
      },
      async (request) => listProjectSocialAccounts(ctxOf(request, deps), { ...request.params, ...request.query }),
    );
  };
