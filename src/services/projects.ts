import type { Selectable } from 'kysely';
import { toWire } from '../clock.js';
import type { Ctx } from '../context.js';
import { withTransaction } from '../db/client.js';
import { dropProjectScheduleIntents } from '../db/queries/approvals.js';
import {
  findProject,
  findProjectForShare,
  findProjectForUpdate,
  insertProject,
  listProjects,
  updateProject,
} from '../db/queries/projects.js';
import { cancelQueuedPosts } from '../db/queries/scheduled-posts.js';
import { lockProjectAccounts } from '../db/queries/social-accounts.js';
import type { ProjectsTable } from '../db/schema.js';
import { emit, requestEvents } from '../events/emit.js';
import { ApiError, notFound } from '../http/errors.js';
import { newId } from '../ids.js';
import { cursorId, cursorInstant, listCursor, page } from './pagination.js';

export type ProjectInput = {
  name: string;
  timezone: string;
  customerExternalId?: string | null;
  ownerEmail?: string | null;
  metadata?: Record<string, string>;
};

export function projectView(p: Selectable<ProjectsTable>) {
  return {
    id: p.id,
    name: p.name,
    timezone: p.timezone,
    customerExternalId: p.customer_external_id,
    ownerEmail: p.owner_email,
    metadata: p.metadata as Record<string, string>,
    status: p.status,
    archivedAt: toWire(p.archived_at),
    createdAt: toWire(p.created_at),
    updatedAt: toWire(p.updated_at),
  };
}

/** 409 for a write inside an archived project. */
export function projectArchived(projectId: string) {
  return new ApiError('CONFLICT', `Project ${projectId} is archived; un-archive it (PATCH status "active") first.`, {
    reason: 'project_archived',
    projectId,
  });
}

const FIND = { none: findProject, share: findProjectForShare, update: findProjectForUpdate };

/**
 * A project of the caller's organization, or 404 (never 403: other organizations don't exist);
 * with `active`, 409 unless it is active. `share`: writers inside a project (upload, schedule)
 * hold the row until commit, so an archive (`update`) sees their rows or makes them answer 409.
 */
export async function requireProject(
  ctx: Ctx,
  projectId: string,
  opts: { lock?: keyof typeof FIND; active?: boolean } = {},
) {
  const p = await FIND[opts.lock ?? 'none'](ctx.db, ctx.principal.organizationId, projectId);
  if (!p) throw notFound('project', projectId);
  if (opts.active && p.status !== 'active') throw projectArchived(projectId);
  return p;
}

export async function createProject(ctx: Ctx, input: ProjectInput) {
  return withTransaction(ctx.db, async (tx) => {
    const now = ctx.clock.now();
    const { organizationId } = ctx.principal;
    const p = await insertProject(tx, {
      id: newId('prj'),
      organization_id: organizationId,
      name: input.name,
      timezone: input.timezone,
      customer_external_id: input.customerExternalId ?? null,
      owner_email: input.ownerEmail ?? null,
      metadata: JSON.stringify(input.metadata ?? {}),
      archived_at: null,
      created_at: now,
      updated_at: now,
    });
    await emit(tx, requestEvents(ctx, now), 'project.created', { name: p.name }, { projectId: p.id });
    return projectView(p);
  });
}

export async function getProject(ctx: Ctx, input: { projectId: string }) {
  return projectView(await requireProject(ctx, input.projectId));
}

const cursors = listCursor('projects', { createdAt: cursorInstant, id: cursorId });

export async function listProjectsPage(
  ctx: Ctx,
  input: { status?: 'active' | 'archived'; customerExternalId?: string; limit: number; cursor?: string },
) {
  const after = cursors.decode(input);
  const rows = await listProjects(ctx.db, {
    organizationId: ctx.principal.organizationId,
    status: input.status,
    customerExternalId: input.customerExternalId,
    after: after && { createdAt: new Date(after.createdAt), id: after.id },
    limit: input.limit + 1,
  });
  const { items, nextCursor } = page(rows, input.limit, (last) =>
    cursors.encode({ createdAt: last.created_at.toISOString(), id: last.id }, input),
  );
  return { items: items.map(projectView), nextCursor };
}

/** PATCH: the given fields only; `status: "active"` un-archives (posts canceled by the archive stay canceled). */
export async function patchProject(
  ctx: Ctx,
  input: { projectId: string; changes: Partial<ProjectInput> & { status?: 'active' } },
) {
  return withTransaction(ctx.db, async (tx) => {
    const current = await requireProject({ ...ctx, db: tx }, input.projectId, { lock: 'update' });
    const c = input.changes;
    const now = ctx.clock.now();
    const updated = await updateProject(tx, current.id, {
      ...(c.name !== undefined && { name: c.name }),
      ...(c.timezone !== undefined && { timezone: c.timezone }),
      ...(c.customerExternalId !== undefined && { customer_external_id: c.customerExternalId }),
      ...(c.ownerEmail !== undefined && { owner_email: c.ownerEmail }),
      ...(c.metadata !== undefined && { metadata: JSON.stringify(c.metadata) }),
      ...(c.status === 'active' && { status: 'active' as const, archived_at: null }),
      updated_at: now,
    });
    await emit(
      tx,
      requestEvents(ctx, now),
      c.status === 'active' && current.status === 'archived' ? 'project.unarchived' : 'project.updated',
      { fields: Object.keys(c).sort() },
      { projectId: current.id },
    );
    return projectView(updated);
  });
}

/**
 * DELETE archives: in one transaction the project is archived and its queued posts canceled.
 * Account rows are locked first (the lock order everywhere: accounts before their posts).
 * Archiving an archived project answers 200 again with the original archivedAt and 0.
 */
export async function archiveProject(ctx: Ctx, input: { projectId: string }) {
  return withTransaction(ctx.db, async (tx) => {
    const project = await requireProject({ ...ctx, db: tx }, input.projectId, { lock: 'update' });
    if (project.status === 'archived') {
      return {
        id: project.id,
        status: 'archived' as const,
        archivedAt: toWire(project.archived_at!),
        canceledScheduledPosts: 0,
      };
    }
    const now = ctx.clock.now();
    await lockProjectAccounts(tx, project.id);
    await updateProject(tx, project.id, { status: 'archived', archived_at: now, updated_at: now });
    // Projects are shared by both environments; the posts canceled are the caller's environment's only.
    const ev = requestEvents(ctx, now);
    const canceled = await cancelQueuedPosts(
      tx,
      { projectId: project.id, env: ctx.principal.env },
      'project_archived',
      ev,
    );
    // Schedules stashed for content awaiting approval go with the posts (docs/content-and-publishing.md).
    await dropProjectScheduleIntents(tx, project.id, ctx.principal.env, now);
    await emit(tx, ev, 'project.archived', { canceledScheduledPosts: canceled }, { projectId: project.id });
    return { id: project.id, status: 'archived' as const, archivedAt: toWire(now), canceledScheduledPosts: canceled };
  });
}
