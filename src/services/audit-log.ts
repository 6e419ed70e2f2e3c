import { z } from 'zod';
import { toWire } from '../clock.js';
import type { Ctx } from '../context.js';
import { listAuditRows } from '../db/queries/audit-log.js';
import { listCursor, page } from './pagination.js';

const cursors = listCursor('audit-log', { id: z.number().int().positive() });

export async function listAuditLog(
  ctx: Ctx,
  input: { eventType?: string; projectId?: string; since?: Date; until?: Date; limit: number; cursor?: string },
) {
  const after = cursors.decode(input);
  const rows = await listAuditRows(ctx.db, {
    organizationId: ctx.principal.organizationId,
    eventType: input.eventType,
    projectId: input.projectId,
    since: input.since,
    until: input.until,
    beforeId: after?.id,
    limit: input.limit + 1,
  });
  const { items, nextCursor } = page(rows, input.limit, (last) => cursors.encode({ id: Number(last.id) }, input));
  return {
    items: items.map((r) => ({
      id: String(r.id),
      eventType: r.event_type,
      requestId: r.request_id,
      apiKeyId: r.api_key_id,
      organizationId: r.organization_id,
      projectId: r.project_id,
      data: r.data as Record<string, unknown>,
      createdAt: toWire(r.created_at),
    })),
    nextCursor,
  };
}
