import type { Selectable } from 'kysely';
import { toWire } from '../clock.js';
import type { Ctx } from '../context.js';
import { withTransaction } from '../db/client.js';
import { findContainer, insertContainer, listContainers } from '../db/queries/content-containers.js';
import type { ContentContainersTable } from '../db/schema.js';
import { emit, requestEvents } from '../events/emit.js';
import { notFound } from '../http/errors.js';
import { newId } from '../ids.js';
import { cursorId, cursorInstant, listCursor, page } from './pagination.js';
import { requireProject } from './projects.js';

export function containerView(c: Selectable<ContentContainersTable>) {
  return {
    id: c.id,
    projectId: c.project_id,
    status: c.status,
    creativeType: c.creative_type,
    media: c.media as string[],
    caption: c.caption,
    createdAt: toWire(c.created_at),
    updatedAt: toWire(c.updated_at),
  };
}

/** Finished media by URL: the container is `completed` at once (nothing to render). */
export async function uploadContent(ctx: Ctx, input: { projectId: string; media: string[]; caption?: string }) {
  return withTransaction(ctx.db, async (tx) => {
    const { organizationId } = ctx.principal;
    await requireProject({ ...ctx, db: tx }, input.projectId, { lock: 'share', active: true });
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
    };
    await insertContainer(tx, { ...row, media: JSON.stringify(input.media) });
    await emit(
      tx,
      requestEvents(ctx, now),
      'content_container.created',
      { containerId: row.id, creativeType: row.creative_type, mediaCount: input.media.length },
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
