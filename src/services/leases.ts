import type { Selectable } from 'kysely';
import { toWire } from '../clock.js';
import type { Ctx } from '../context.js';
import { withTransaction } from '../db/client.js';
import { setPoolAccountStatus } from '../db/queries/lease-pool.js';
import { findLeaseRequest, insertLeaseRequest } from '../db/queries/lease-requests.js';
import { endLease, findAssignedLeaseForUpdate, listProjectLeases } from '../db/queries/leases.js';
import { cancelQueuedPosts } from '../db/queries/scheduled-posts.js';
import { disconnectSocialAccount, findSocialAccountForUpdate } from '../db/queries/social-accounts.js';
import type { LeaseRequestsTable } from '../db/schema.js';
import { emit, requestEvents } from '../events/emit.js';
import { notFound } from '../http/errors.js';
import { newId } from '../ids.js';
import { cursorId, listCursor, page } from './pagination.js';
import { requireProject } from './projects.js';

const RELEASED_BY_PARTNER = 'released_by_partner' as const;

export function leaseRequestView(r: Selectable<LeaseRequestsTable> & { assigned_ids: string[] }) {
  return {
    requestId: r.id,
    projectId: r.project_id,
    status: r.status,
    count: r.count,
    niche: r.niche as Record<string, string>,
    note: r.note,
    assignedSocialAccountIds: r.assigned_ids,
    rejectedReason: r.rejected_reason,
    createdAt: toWire(r.created_at),
    updatedAt: toWire(r.updated_at),
  };
}

export async function requestLeasedAccounts(
  ctx: Ctx,
  input: { projectId: string; count: number; niche: Record<string, string>; note?: string },
) {
  return withTransaction(ctx.db, async (tx) => {
    const project = await requireProject({ ...ctx, db: tx }, input.projectId, { active: true });
    const now = ctx.clock.now();
    const { organizationId } = ctx.principal;
    const row = await insertLeaseRequest(tx, {
      id: newId('lreq'),
      organization_id: organizationId,
      env: ctx.principal.env,
      project_id: project.id,
      count: input.count,
      niche: JSON.stringify(input.niche),
      note: input.note ?? null,
      status: 'requested',
      rejected_reason: null,
      created_at: now,
      updated_at: now,
    });
    await emit(
      tx,
      requestEvents(ctx, now),
      'lease_request.created',
      { leaseRequestId: row.id, count: input.count, niche: input.niche },
      { projectId: project.id },
    );
    return leaseRequestView({ ...row, assigned_ids: [] });
  });
}

export async function getLeaseRequest(ctx: Ctx, input: { projectId: string; requestId: string }) {
  const row = await findLeaseRequest(ctx.db, input.requestId, ctx.principal);
  if (!row || row.project_id !== input.projectId) throw notFound('lease request', input.requestId, 'in this project');
  return leaseRequestView(row);
}

const cursors = listCursor('leased-accounts', { id: cursorId });

/** The billing view of a project's leases: `assigned` (billed) or `disconnected` (released). */
export async function listLeasedAccounts(
  ctx: Ctx,
  input: { projectId: string; status?: 'assigned' | 'disconnected'; limit: number; cursor?: string },
) {
  const after = cursors.decode(input);
  await requireProject(ctx, input.projectId);
  const rows = await listProjectLeases(ctx.db, {
    owner: ctx.principal,
    projectId: input.projectId,
    status: input.status === undefined ? undefined : input.status === 'assigned' ? 'assigned' : 'released',
    afterId: after?.id,
    limit: input.limit + 1,
  });
  const { items, nextCursor } = page(rows, input.limit, (last) => cursors.encode({ id: last.id }, input));
  return {
    items: items.map((l) => ({
      socialAccountId: l.social_account_id,
      projectId: l.project_id,
      handle: l.handle,
      platform: l.platform,
      followers: l.followers ?? 0,
      status: l.status === 'assigned' ? ('assigned' as const) : ('disconnected' as const),
      assignedAt: toWire(l.assigned_at),
      nextRenewalAt: toWire(l.next_renewal_at),
      releasedAt: toWire(l.released_at),
      monthlyPriceCents: l.monthly_price_cents,
    })),
    nextCursor,
  };
}

/**
 * Release: in one transaction the account is disconnected (`released_by_partner`) with its
 * token dropped, its queued posts canceled, the lease ended (no more renewals, no proration)
 * and the pool account made available again. The operator's grant is not revoked upstream:
 * it belongs to the pool account, which goes back into service.
 */
export async function releaseLeasedAccount(ctx: Ctx, input: { socialAccountId: string; reason?: string }) {
  return withTransaction(ctx.db, async (tx) => {
    const account = await findSocialAccountForUpdate(tx, ctx.principal, input.socialAccountId);
    const lease = account?.leased ? await findAssignedLeaseForUpdate(tx, account.id) : undefined;
    if (!account || !lease)
      throw notFound('leased account', input.socialAccountId, 'with a live lease in this organization');
    const now = ctx.clock.now();
    await disconnectSocialAccount(tx, account.id, RELEASED_BY_PARTNER, now);
    const ev = requestEvents(ctx, now);
    const canceled = await cancelQueuedPosts(tx, { socialAccountId: account.id }, RELEASED_BY_PARTNER, ev);
    await emit(
      tx,
      ev,
      'leased_account.released',
      { socialAccountId: account.id, reason: input.reason ?? null, canceledScheduledPosts: canceled },
      { projectId: account.project_id },
    );
    await endLease(tx, lease.id, input.reason ?? null, now);
    if (lease.pool_account_id) await setPoolAccountStatus(tx, [lease.pool_account_id], 'available', now);
    return {
      socialAccountId: account.id,
      status: 'disconnected' as const,
      disconnectedReason: RELEASED_BY_PARTNER,
      disconnectedAt: toWire(now),
      canceledScheduledPosts: canceled,
    };
  });
}
