import type { Selectable } from 'kysely';
import { toWire } from '../clock.js';
import type { Ctx } from '../context.js';
import { type Queryable, withTransaction } from '../db/client.js';
import { findContainer, insertContainer, listContainers } from '../db/queries/content-containers.js';
import { findProject, findProjectForShare } from '../db/queries/projects.js';
import type { ContentContainersTable } from '../db/schema.js';
import { emit, requestEvents } from '../events/emit.js';
import { ApiError } from '../http/errors.js';
import { newId } from '../ids.js';
import { cursorId, cursorInstant, listCursor, page } from './pagination.js';

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

const projectNotFound = (id: string) => new ApiError('NOT_FOUND', `No project ${id} in this organization.`);

/**
 * For writes inside a project: it must be the caller's (else 404) and active (else 409). The
 * share lock holds off a concurrent archive until this transaction commits.
 */
export async function requireActiveProjectForWrite(ctx: Ctx, db: Queryable, projectId: string) {
  const project = await findProjectForShare(db, ctx.principal.organizationId, projectId);
  if (!project) throw projectNotFound(projectId);
  if (project.status !== 'active') {
    throw new ApiError('CONFLICT', `Project ${projectId} is archived; un-archive it (PATCH status "active") first.`, {
      reason: 'project_archived',
      projectId,
    });
  }
}

/** Finished media by URL: the container is `completed` at once (nothing to render). */
export async function uploadContent(ctx: Ctx, input: { projectId: string; media: string[]; caption?: string }) {
  return withTransaction(ctx.db, async (tx) => {
    const { organizationId } = ctx.principal;
    await requireActiveProjectForWrite(ctx, tx, input.projectId);
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
  if (!c) throw new ApiError('NOT_FOUND', `No content ${input.containerId} in this organization.`);
  return containerView(c);
}

const cursors = listCursor('content', { createdAt: cursorInstant, id: cursorId });

/** Newest first; an archived project's content stays readable. */
export async function listContent(ctx: Ctx, input: { projectId: string; limit: number; cursor?: string }) {
  const after = cursors.decode(input);
  const { organizationId } = ctx.principal;
  if (!(await findProject(ctx.db, organizationId, input.projectId))) throw projectNotFound(input.projectId);
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
