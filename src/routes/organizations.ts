import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../context.js';
import { ctxOf } from '../http/request-context.js';
import { errorResponses, GUARD_ERRORS, Timestamp } from '../http/schemas.js';
import { idParam } from '../ids.js';
import {
  archiveChildOrganization,
  createChildOrganization,
  getChildOrganization,
  listChildOrganizationsPage,
  patchChildOrganization,
  setChildSuspended,
} from '../services/child-organizations.js';
import { DEFAULT_LIMIT } from '../services/pagination.js';

const Status = z.enum(['active', 'suspended', 'archived']);
const Name = z.string().trim().min(1).max(128);
const MetadataKey = z.string().min(1).max(40);
const Metadata = z
  .record(MetadataKey, z.string().max(500))
  .refine((m) => Object.keys(m).length <= 50, 'at most 50 keys')
  .meta({ description: 'Your own key/value strings (≤ 50 keys, values ≤ 500 chars).' });
const MetadataPatch = z
  .record(MetadataKey, z.string().max(500).nullable())
  .refine((m) => Object.keys(m).length <= 50, 'at most 50 keys')
  .meta({ description: 'Merged key by key into the stored metadata; a null value removes its key.' });
const BillingEmail = z.email().max(320).nullable().optional();

const Organization = z
  .object({
    id: z.string().meta({ description: '`org_<uuid>`' }),
    parentOrganizationId: z.string().nullable(),
    name: z.string(),
    status: Status.meta({
      description: '`suspended`: its keys answer 503 KILL_SWITCH and its posts and webhooks hold. `archived`: final.',
    }),
    metadata: z.record(z.string(), z.string()),
    billingEmail: z.string().nullable(),
    archivedAt: Timestamp.nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Organization' });

const ArchivedOrganization = z
  .object({
    id: z.string(),
    status: z.literal('archived'),
    archivedAt: Timestamp,
    revokedApiKeys: z.number().int().min(0),
    canceledScheduledPosts: z.number().int().min(0),
  })
  .meta({ id: 'ArchivedOrganization' });

const Params = z.object({ orgId: idParam('org').meta({ description: 'A direct child of your organization.' }) });
const tags = ['Organizations'];
const config = { scope: 'org:admin' as const };

/** Child organizations (docs/organizations.md): all `org:admin`; anything but a direct child is 404. */
export const organizationRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/organizations',
      {
        config,
        schema: {
          operationId: 'createOrganization',
          summary: 'Create a child organization',
          description: 'One level deep: a child organization creating one is 422.',
          tags,
          body: z.object({ name: Name, metadata: Metadata.optional(), billingEmail: BillingEmail }).strict(),
          response: { 201: Organization, ...errorResponses(...GUARD_ERRORS, 422) },
        },
      },
      async (request, reply) => {
        reply.code(201);
        return createChildOrganization(ctxOf(request, deps), request.body);
      },
    );

    app.get(
      '/organizations',
      {
        config,
        schema: {
          operationId: 'listOrganizations',
          summary: 'List your child organizations, newest first',
          tags,
          querystring: z
            .object({
              status: Status.optional(),
              limit: z.coerce.number().int().min(1).max(200).default(DEFAULT_LIMIT),
              cursor: z.string().min(1).max(500).optional(),
            })
            .strict(),
          response: {
            200: z
              .object({ items: z.array(Organization), nextCursor: z.string().nullable() })
              .meta({ id: 'OrganizationPage' }),
            ...errorResponses(...GUARD_ERRORS, 422),
          },
        },
      },
      async (request) => listChildOrganizationsPage(ctxOf(request, deps), request.query),
    );

    app.get(
      '/organizations/:orgId',
      {
        config,
        schema: {
          operationId: 'getOrganization',
          summary: 'Get a child organization',
          tags,
          params: Params,
          response: { 200: Organization, ...errorResponses(...GUARD_ERRORS, 404) },
        },
      },
      async (request) => getChildOrganization(ctxOf(request, deps), request.params),
    );

    app.patch(
      '/organizations/:orgId',
      {
        config,
        schema: {
          operationId: 'updateOrganization',
          summary: 'Update a child organization',
          description: 'Name, billingEmail, and metadata merged per key (null removes a key). Archived: 409.',
          tags,
          params: Params,
          body: z
            .object({ name: Name.optional(), metadata: MetadataPatch.optional(), billingEmail: BillingEmail })
            .strict(),
          response: { 200: Organization, ...errorResponses(...GUARD_ERRORS, 404, 409, 422) },
        },
      },
      async (request) =>
        patchChildOrganization(ctxOf(request, deps), { orgId: request.params.orgId, changes: request.body }),
    );

    for (const [verb, suspended] of [
      ['suspend', true],
      ['resume', false],
    ] as const) {
      app.post(
        `/organizations/:orgId/${verb}`,
        {
          config,
          schema: {
            operationId: `${verb}Organization`,
            summary: suspended ? 'Suspend a child organization' : 'Resume a suspended child organization',
            description: suspended
              ? 'From its next request the child’s keys answer 503 KILL_SWITCH {scope: "organization"}; its ' +
                'queued posts and webhook deliveries hold. Idempotent by state; archived: 409.'
              : 'Its keys work again and its held posts and deliveries go. Idempotent by state; archived: 409.',
            tags,
            params: Params,
            response: { 200: Organization, ...errorResponses(...GUARD_ERRORS, 404, 409) },
          },
        },
        async (request) => setChildSuspended(ctxOf(request, deps), { orgId: request.params.orgId, suspended }),
      );
    }

    app.delete(
      '/organizations/:orgId',
      {
        config,
        schema: {
          operationId: 'archiveOrganization',
          summary: 'Archive a child organization: revoke its keys, cancel its queued posts',
          description:
            'Final. In one transaction every key of the child is revoked (its next request is 401) and its ' +
            'queued posts canceled; its accounts stay connected. Archiving again answers 200 with 0s.',
          tags,
          params: Params,
          response: { 200: ArchivedOrganization, ...errorResponses(...GUARD_ERRORS, 404) },
        },
      },
      async (request) => archiveChildOrganization(ctxOf(request, deps), request.params),
    );
  };
