import type { Ctx } from '../context.js';
import { withTransaction } from '../db/client.js';
import { findContainer, insertContainer, listContainers } from '../db/queries/content-containers.js';
import { emit, requestEvents } from '../events/emit.js';
import { notFound } from '../http/errors.js';
import { newId } from '../ids.js';
import { containerView } from '../views/content-container.js';
import { initialApprovalStatus } from './approvals.js';
import { cursorId, cursorInstant, listCursor, page } from './pagination.js';
import { requireProject } from './projects.js';

/** Finished media by URL: the container is `completed` at once (nothing to render). */
export async function uploadContent(ctx: Ctx, input: { projectId: string; media: string[]; caption?: string }) {
  return withTransaction(ctx.db, async (tx) => {
    const { organizationId } = ctx.principal;
    await requireProject({ ...ctx, db: tx }, input.projectId, { lock: 'share', active: true });
    const approvalStatus = await initialApprovalStatus(tx, input.projectId, ctx.principal.env);
    const now = ctx.clock.now();
    const row = {
      id: newId('cnt'),
      organization_id: organizationId,
      env: ctx.principal.env,
      project_id: input.projectId,
      status: 'completed' as const,
      creative_type: 'uploaded' as const,
      media: input.media,
      caption: input.caption ?? null,
      created_at: now,
      updated_at: now,
      approval_status: approvalStatus,
      approval_decided_at: null,
      approval_decided_by: null,
      approval_note: null,
      rejection_reason: null,
    };
    await insertContainer(tx, { ...row, media: JSON.stringify(input.media) });
    await emit(
      tx,
      requestEvents(ctx, now),
      'content_container.created',
      { containerId: row.id, creativeType: row.creative_type, mediaCount: input.media.length, approvalStatus },
      { projectId: input.projectId },
    );
    return containerView(row);
  });
}

export async function getContent(ctx: Ctx, input: { containerId: string }) {
  const c = await findContainer(ctx.db, ctx.principal, input.containerId);
  if (!c) throw notFound('content', input.containerId);
  return containerView(c);
}

const cursors = listCursor('content', { createdAt: cursorInstant, id: cursorId });

/** Newest first; an archived project's content stays readable. */
export async function listContent(ctx: Ctx, input: { projectId: string; limit: number; cursor?: string }) {
  const after = cursors.decode(input);
  await requireProject(ctx, input.projectId);
  const rows = await listContainers(ctx.db, {
    owner: ctx.principal,
    projectId: input.projectId,
    limit: input.limit + 1,
    before: after && { createdAt: new Date(after.createdAt), id: after.id },
  });
  const { items, nextCursor } = page(rows, input.limit, (last) =>
    cursors.encode({ createdAt: last.created_at.toISOString(), id: last.id }, input),
  );
  return { items: items.map(containerView), nextCursor };
}
