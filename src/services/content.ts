import type { Ctx } from '../context.js';
import { withTransaction } from '../db/client.js';
import { findContainer, insertContainer, listContainers } from '../db/queries/content-containers.js';
import { emit, requestEvents } from '../events/emit.js';
import { notFound } from '../http/errors.js';
import { newId } from '../ids.js';
import type { MediaProbe } from '../platforms/media-probe.js';
import { containerView, type MediaDetail } from '../views/content-container.js';
import { initialApprovalStatus } from './approvals.js';
import { cursorId, cursorInstant, listCursor, page } from './pagination.js';
import { requireProject } from './projects.js';

/** A media item as uploaded: a URL, or a URL with what the partner knows of it. */
export type MediaItem =
  | string
  | { url: string; contentType?: string; sizeBytes?: number; durationMs?: number; width?: number; height?: number };

/** The declared metadata beside what the probe of the same URL saw (probes in `media`'s order). */
export function mediaDetails(media: MediaItem[], probes: MediaProbe[]): MediaDetail[] {
  return media.map((item, i) => {
    const m = typeof item === 'string' ? { url: item } : item;
    const p = probes[i] ?? { probed: false, contentType: null, sizeBytes: null, note: 'not probed' };
    return {
      url: m.url,
      contentType: m.contentType ?? null,
      sizeBytes: m.sizeBytes ?? null,
      durationMs: m.durationMs ?? null,
      width: m.width ?? null,
      height: m.height ?? null,
      probe: { probed: p.probed, contentType: p.contentType, sizeBytes: p.sizeBytes, note: p.note },
    };
  });
}

/**
 * Finished media by URL: the container is `completed` at once (nothing to render). `probes`: what
 * a HEAD/range read of each URL saw, made by the caller before this transaction opens.
 */
export async function uploadContent(
  ctx: Ctx,
  input: { projectId: string; media: MediaItem[]; caption?: string },
  probes: MediaProbe[],
) {
  const details = mediaDetails(input.media, probes);
  const media = details.map((d) => d.url);
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
      media,
      media_details: details,
      caption: input.caption ?? null,
      created_at: now,
      updated_at: now,
      approval_status: approvalStatus,
      approval_decided_at: null,
      approval_decided_by: null,
      approval_note: null,
      rejection_reason: null,
    };
    await insertContainer(tx, { ...row, media: JSON.stringify(media), media_details: JSON.stringify(details) });
    await emit(
      tx,
      requestEvents(ctx, now),
      'content_container.created',
      { containerId: row.id, creativeType: row.creative_type, mediaCount: media.length, approvalStatus },
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
