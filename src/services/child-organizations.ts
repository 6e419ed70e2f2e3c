import { toWire } from '../clock.js';
import type { Ctx } from '../context.js';
import { type Queryable, withTransaction } from '../db/client.js';
import {
  findChildOrganization,
  findOrganization,
  insertOrganization,
  listChildOrganizations,
  lockOrganizationAccounts,
  type OrganizationRow,
  revokeOrganizationKeys,
  updateOrganization,
} from '../db/queries/organizations.js';
import { cancelQueuedPosts } from '../db/queries/scheduled-posts.js';
import { emit, requestEvents } from '../events/emit.js';
import { ApiError, notFound } from '../http/errors.js';
import { newId } from '../ids.js';
import type { AdminCtx } from './admin-context.js';
import { cursorId, cursorInstant, listCursor, page } from './pagination.js';

// Child organizations (docs/organizations.md): one level below the caller's organization. Every
// id that is not a direct child of the caller's organization is a 404, exactly like one that
// does not exist. The audit rows of a change go to the parent's log; an archive's also to the child's.

type Status = OrganizationRow['status'];

export function organizationView(o: OrganizationRow) {
  return {
    id: o.id,
    parentOrganizationId: o.parent_organization_id,
    name: o.name,
    status: o.status,
    metadata: o.metadata as Record<string, string>,
    billingEmail: o.billing_email,
    archivedAt: toWire(o.archived_at),
    createdAt: toWire(o.created_at),
    updatedAt: toWire(o.updated_at),
  };
}

async function requireChild(ctx: Ctx, orgId: string, lock = false) {
  const child = await findChildOrganization(ctx.db, ctx.principal.organizationId, orgId, lock);
  if (!child) throw notFound('organization', orgId, '');
  return child;
}

function archived(orgId: string) {
  return new ApiError('CONFLICT', `Organization ${orgId} is archived; an archived organization never changes.`, {
    reason: 'organization_archived',
    organizationId: orgId,
  });
}

export async function createChildOrganization(
  ctx: Ctx,
  input: { name: string; metadata?: Record<string, string>; billingEmail?: string | null },
) {
  const p = ctx.principal;
  return withTransaction(ctx.db, async (tx) => {
    // The parent is read in the transaction: a child organization cannot have children (one level).
    const parent = await findOrganization(tx, p.organizationId);
    if (parent?.parent_organization_id)
      throw new ApiError('UNPROCESSABLE', 'A child organization cannot create organizations (one level deep).', {
        issues: [{ path: '', message: 'the calling organization is itself a child organization' }],
      });
    const now = ctx.clock.now();
    const row = await insertOrganization(tx, {
      id: newId('org'),
      name: input.name,
      createdAt: now,
      parentOrganizationId: p.organizationId,
      metadata: input.metadata,
      billingEmail: input.billingEmail,
    });
    await emit(
      tx,
      requestEvents(ctx, now),
      'organization.created',
      { organizationId: row.id, name: row.name },
      { projectId: null },
    );
    return organizationView(row);
  });
}

export async function getChildOrganization(ctx: Ctx, input: { orgId: string }) {
  return organizationView(await requireChild(ctx, input.orgId));
}

const cursors = listCursor('organizations', { createdAt: cursorInstant, id: cursorId });

type ListInput = { status?: Status; limit: number; cursor?: string };

export async function listChildOrganizationsPage(ctx: Ctx, input: ListInput) {
  return childrenPage(ctx.db, ctx.principal.organizationId, input);
}

/** The operator's view (`layers admin org children`): any organization's children; 404 for an unknown one. */
export async function listChildrenForOperator(ctx: AdminCtx, input: ListInput & { organizationId: string }) {
  if (!(await findOrganization(ctx.db, input.organizationId))) throw notFound('organization', input.organizationId, '');
  return childrenPage(ctx.db, input.organizationId, input);
}

async function childrenPage(db: Queryable, parentId: string, input: ListInput) {
  const after = cursors.decode(input);
  const rows = await listChildOrganizations(db, {
    parentId,
    status: input.status,
    after: after && { createdAt: new Date(after.createdAt), id: after.id },
    limit: input.limit + 1,
  });
  const { items, nextCursor } = page(rows, input.limit, (last) =>
    cursors.encode({ createdAt: last.created_at.toISOString(), id: last.id }, input),
  );
  return { items: items.map(organizationView), nextCursor };
}

/** PATCH: name, billingEmail, and metadata merged key by key (a null value removes its key). */
export async function patchChildOrganization(
  ctx: Ctx,
  input: {
    orgId: string;
    changes: { name?: string; billingEmail?: string | null; metadata?: Record<string, string | null> };
  },
) {
  return withTransaction(ctx.db, async (tx) => {
    const child = await requireChild({ ...ctx, db: tx }, input.orgId, true);
    if (child.status === 'archived') throw archived(child.id);
    const c = input.changes;
    const metadata = { ...(child.metadata as Record<string, string>) };
    for (const [k, v] of Object.entries(c.metadata ?? {})) {
      if (v === null) delete metadata[k];
      else metadata[k] = v;
    }
    if (Object.keys(metadata).length > 50)
      throw new ApiError('UNPROCESSABLE', 'metadata: at most 50 keys once merged.', {
        issues: [{ path: 'metadata', message: 'at most 50 keys once merged' }],
      });
    const now = ctx.clock.now();
    const updated = await updateOrganization(tx, child.id, {
      ...(c.name !== undefined && { name: c.name }),
      ...(c.billingEmail !== undefined && { billing_email: c.billingEmail }),
      ...(c.metadata !== undefined && { metadata: JSON.stringify(metadata) }),
      updated_at: now,
    });
    await emit(
      tx,
      requestEvents(ctx, now),
      'organization.updated',
      { organizationId: child.id, fields: Object.keys(c).sort() },
      { projectId: null },
    );
    return organizationView(updated);
  });
}

/**
 * Suspend / resume: the organization's kill switch in the parent's hands. Suspended, the child's
 * keys answer 503 KILL_SWITCH {scope: "organization"} and its queued posts and webhook deliveries
 * hold, through the same checks as the operator's switch. Idempotent by state; archived → 409.
 */
export async function setChildSuspended(ctx: Ctx, input: { orgId: string; suspended: boolean }) {
  return withTransaction(ctx.db, async (tx) => {
    const child = await requireChild({ ...ctx, db: tx }, input.orgId, true);
    if (child.status === 'archived') throw archived(child.id);
    const target = input.suspended ? 'suspended' : 'active';
    if (child.status === target) return organizationView(child);
    const now = ctx.clock.now();
    const updated = await updateOrganization(tx, child.id, { status: target, updated_at: now });
    await emit(
      tx,
      requestEvents(ctx, now),
      input.suspended ? 'organization.suspended' : 'organization.resumed',
      { organizationId: child.id },
      { projectId: null },
    );
    return organizationView(updated);
  });
}

/**
 * DELETE archives, terminally, in one transaction: every key of the child revoked (its next
 * request is 401) and its queued posts canceled (a `post.canceled` event each, in the child's
 * organization). Its accounts stay connected. Archiving again answers the original archivedAt and 0s.
 */
export async function archiveChildOrganization(ctx: Ctx, input: { orgId: string }) {
  return withTransaction(ctx.db, async (tx) => {
    const child = await requireChild({ ...ctx, db: tx }, input.orgId, true);
    if (child.status === 'archived')
      return {
        id: child.id,
        status: 'archived' as const,
        archivedAt: toWire(child.archived_at!),
        revokedApiKeys: 0,
        canceledScheduledPosts: 0,
      };
    const now = ctx.clock.now();
    await lockOrganizationAccounts(tx, child.id);
    await updateOrganization(tx, child.id, { status: 'archived', archived_at: now, updated_at: now });
    const revoked = await revokeOrganizationKeys(tx, child.id, now);
    await ctx.fault?.('archive-organization:after-revoke');
    // The posts' records (post.canceled, audit) are the child's: the worker writes them after commit.
    const childEvents = { ...requestEvents(ctx, now), organizationId: child.id };
    const canceled = await cancelQueuedPosts(tx, { organizationId: child.id }, 'organization_archived', childEvents);
    const data = { organizationId: child.id, revokedApiKeys: revoked.length, canceledScheduledPosts: canceled };
    await emit(tx, requestEvents(ctx, now), 'organization.archived', data, { projectId: null });
    await emit(tx, childEvents, 'organization.archived', data, { projectId: null });
    await ctx.fault?.('archive-organization:before-commit');
    return {
      id: child.id,
      status: 'archived' as const,
      archivedAt: toWire(now),
      revokedApiKeys: revoked.length,
      canceledScheduledPosts: canceled,
    };
  });
}
