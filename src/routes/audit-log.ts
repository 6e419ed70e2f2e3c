import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../context.js';
import { ctxOf } from '../http/request-context.js';
import { errorResponses, GUARD_ERRORS, Timestamp, timestampInput } from '../http/schemas.js';
import { idParam } from '../ids.js';
import { listAuditLog } from '../services/audit-log.js';
import { DEFAULT_LIMIT } from '../services/pagination.js';

const Query = z
  .object({
    eventType: z.string().min(1).max(100).optional(),
    projectId: idParam('prj').optional(),
    since: timestampInput('Entries created at or after (inclusive).').optional(),
    until: timestampInput('Entries created before (exclusive).').optional(),
    limit: z.coerce.number().int().min(1).max(200).default(DEFAULT_LIMIT),
    cursor: z.string().min(1).max(500).optional(),
  })
  .strict();

const AuditEntry = z
  .object({
    id: z.string(),
    eventType: z.string(),
    requestId: z.string().nullable(),
    apiKeyId: z.string().nullable(),
    organizationId: z.string(),
    projectId: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
    createdAt: Timestamp,
  })
  .meta({ id: 'AuditLogEntry' });

const AuditPage = z
  .object({ items: z.array(AuditEntry), nextCursor: z.string().nullable() })
  .meta({ id: 'AuditLogPage' });

export const auditLogRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/audit-log',
      {
        schema: {
          operationId: 'listAuditLog',
          summary: 'List audit log entries, newest first',
          tags: ['Audit log'],
          querystring: Query,
          response: { 200: AuditPage, ...errorResponses(...GUARD_ERRORS, 422) },
        },
      },
      async (request) => {
        const q = request.query;
        return listAuditLog(ctxOf(request, deps), {
          ...q,
          since: q.since ? new Date(q.since) : undefined,
          until: q.until ? new Date(q.until) : undefined,
        });
      },
    );
  };
