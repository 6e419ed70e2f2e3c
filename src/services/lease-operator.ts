import { randomBytes } from 'node:crypto';
import type { Selectable } from 'kysely';
import { type Tx, withTransaction } from '../db/client.js';
import {
  claimAvailablePoolAccounts,
  insertPoolAccount,
  listPoolAccounts,
  setPoolAccountStatus,
} from '../db/queries/lease-pool.js';
import {
  findLeaseRequest,
  listLeaseRequests,
  lockLeaseRequest,
  updateLeaseRequest,
} from '../db/queries/lease-requests.js';
import { chargeNextPeriod, insertLease } from '../db/queries/leases.js';
import { findProjectById } from '../db/queries/projects.js';
import { insertConnectedAccount } from '../db/queries/social-accounts.js';
import type { AccountEnv, LeasePoolAccountsTable } from '../db/schema.js';
import { emit, emitOperator, systemEvents } from '../events/emit.js';
import { ApiError, notFound } from '../http/errors.js';
import { newId } from '../ids.js';
import { type AdminCtx, actorOf, fixtureGrant } from './admin-context.js';
import { leaseRequestView } from './leases.js';

export const LEASE_PRICE_CENTS = 15_000; // $150/month, the list price of a leased account

/** Operator inventory: a warmed account with the operator's grant (a sandbox token here). */
export async function addPoolAccount(
  ctx: AdminCtx,
  input: {
    platform: 'tiktok' | 'instagram';
    handle: string;
    followers?: number;
    niche?: Record<string, string>;
    monthlyPriceCents?: number;
  },
) {
  const id = `pool_${randomBytes(16).toString('hex')}`;
  const now = ctx.clock.now();
  const { token, externalAccountId } = fixtureGrant(ctx, input.platform, input.handle);
  const sealed = ctx.tokenCrypto.seal(id, 0, token);
  const row = await withTransaction(ctx.db, async (tx) => {
    const { platform, handle } = input;
    await emitOperator(tx, actorOf(ctx), now, 'lease_pool.account_added', { platform, handle }, { target: id });
    return insertPoolAccount(tx, {
      id,
      platform: input.platform,
      handle: input.handle,
      external_account_id: externalAccountId,
      followers: input.followers ?? 0,
      niche: JSON.stringify(input.niche ?? {}),
      monthly_price_cents: input.monthlyPriceCents ?? LEASE_PRICE_CENTS,
      status: 'available',
      token_ciphertext: sealed.ciphertext,
      token_wrapped_key: sealed.wrappedKey,
      created_at: now,
      updated_at: now,
    });
  });
  return poolView(row);
}

export async function listPool(ctx: AdminCtx, status?: 'available' | 'assigned' | 'retired') {
  return { items: (await listPoolAccounts(ctx.db, status)).map(poolView) };
}

function poolView(p: Selectable<LeasePoolAccountsTable>) {
  return {
    poolAccountId: p.id,
    platform: p.platform,
    handle: p.handle,
    followers: p.followers,
    monthlyPriceCents: p.monthly_price_cents,
    status: p.status,
    niche: p.niche as Record<string, string>,
  };
}

/**
 * Hands pool accounts to a project: a fresh social account (leased, connected, the grant
 * re-sealed under its own id), a lease, and the first month's charge — in the caller's transaction.
 */
export async function assignPoolAccounts(
  ctx: AdminCtx,
  tx: Tx,
  target: { organizationId: string; env: AccountEnv; projectId: string; leaseRequestId: string | null },
  pool: Selectable<LeasePoolAccountsTable>[],
) {
  const now = ctx.clock.now();
  const assigned: string[] = [];
  for (const p of pool) {
    const id = newId('sa');
    const sealed =
      p.token_ciphertext && p.token_wrapped_key
        ? ctx.tokenCrypto.seal(
            id,
            0,
            ctx.tokenCrypto.open(p.id, 0, { ciphertext: p.token_ciphertext, wrappedKey: p.token_wrapped_key }),
          )
        : undefined;
    await insertConnectedAccount(tx, {
      // The request's environment: a test key's request gets sandbox accounts, like its own connections.
      id,
      env: target.env,
      organization_id: target.organizationId,
      project_id: target.projectId,
      platform: p.platform,
      external_account_id: p.external_account_id,
      handle: p.handle,
      avatar_url: null,
      leased: true,
      followers: p.followers,
      token_expires_at: null,
      token_ciphertext: sealed?.ciphertext ?? null,
      token_wrapped_key: sealed?.wrappedKey ?? null,
      now,
    });
    const lease = {
      id: newId('lse'),
      social_account_id: id,
      organization_id: target.organizationId,
      project_id: target.projectId,
      lease_request_id: target.leaseRequestId,
      pool_account_id: p.id,
      status: 'assigned' as const,
      monthly_price_cents: p.monthly_price_cents,
      assigned_at: now,
      next_renewal_at: now,
      released_at: null,
      release_reason: null,
    };
    await insertLease(tx, lease);
    await chargeNextPeriod(tx, { ...lease, billed_periods: 0 }, newId('chg'), now);
    await emit(
      tx,
      systemEvents(target.organizationId, now),
      'leased_account.assigned',
      { socialAccountId: id, leaseRequestId: target.leaseRequestId, monthlyPriceCents: p.monthly_price_cents },
      { projectId: target.projectId },
    );
    assigned.push(id);
  }
  await setPoolAccountStatus(
    tx,
    pool.map((p) => p.id),
    'assigned',
    now,
  );
  return assigned;
}

/** Fulfils a request with the given pool accounts, or the oldest available ones: all or some. */
export async function fulfilLeaseRequest(
  ctx: AdminCtx,
  input: { requestId: string; poolAccountIds?: string[]; count?: number },
) {
  const result = await withTransaction(ctx.db, async (tx) => {
    const req = await lockLeaseRequest(tx, input.requestId);
    if (!req) throw notFound('lease request', input.requestId, '');
    if (req.status === 'assigned' || req.status === 'rejected') {
      throw new ApiError('CONFLICT', `Lease request ${req.id} is already ${req.status}.`, {
        reason: `request_${req.status}`,
      });
    }
    const already = (await findLeaseRequest(tx, req.id))!.assigned_ids.length;
    const wanted = Math.min(input.count ?? req.count - already, req.count - already);
    const pool = await claimAvailablePoolAccounts(tx, { ids: input.poolAccountIds, count: wanted });
    if (pool.length === 0)
      throw new ApiError('CONFLICT', 'No available pool account matches.', { reason: 'pool_empty' });
    const ids = await assignPoolAccounts(
      ctx,
      tx,
      { organizationId: req.organization_id, env: req.env, projectId: req.project_id, leaseRequestId: req.id },
      pool,
    );
    const now = ctx.clock.now();
    const total = already + ids.length;
    await updateLeaseRequest(tx, req.id, { status: total >= req.count ? 'assigned' : 'partial', now });
    const view = leaseRequestView((await findLeaseRequest(tx, req.id))!);
    await emit(tx, systemEvents(req.organization_id, now), 'lease_request.assigned', {
      ...view,
      newlyAssignedSocialAccountIds: ids,
    });
    await emitOperator(
      tx,
      actorOf(ctx),
      now,
      'lease_request.fulfilled',
      { status: view.status, newlyAssignedSocialAccountIds: ids },
      { organizationId: req.organization_id, target: req.id },
    );
    return view;
  });
  return result;
}

export async function rejectLeaseRequest(ctx: AdminCtx, input: { requestId: string; reason?: string }) {
  return withTransaction(ctx.db, async (tx) => {
    const req = await lockLeaseRequest(tx, input.requestId);
    if (!req) throw notFound('lease request', input.requestId, '');
    if (req.status !== 'requested')
      throw new ApiError('CONFLICT', `Lease request ${req.id} is ${req.status}.`, { reason: `request_${req.status}` });
    const now = ctx.clock.now();
    await updateLeaseRequest(tx, req.id, { status: 'rejected', rejectedReason: input.reason ?? null, now });
    await emit(
      tx,
      systemEvents(req.organization_id, now),
      'lease_request.rejected',
      { leaseRequestId: req.id, reason: input.reason ?? null },
      { projectId: req.project_id },
    );
    await emitOperator(
      tx,
      actorOf(ctx),
      now,
      'lease_request.rejected',
      { reason: input.reason ?? null },
      { organizationId: req.organization_id, target: req.id },
    );
    return leaseRequestView((await findLeaseRequest(tx, req.id))!);
  });
}

export async function listRequestsForOperator(
  ctx: AdminCtx,
  status?: 'requested' | 'assigned' | 'partial' | 'rejected',
) {
  const rows = await listLeaseRequests(ctx.db, status);
  return { items: rows.map((r) => ({ ...leaseRequestView(r), organizationId: r.organization_id })) };
}

/** Fixture path (`layers admin account create --leased`): a pool account assigned straight away. */
export async function leaseFixtureAccount(
  ctx: AdminCtx,
  input: { projectId: string; platform: 'tiktok' | 'instagram'; handle: string; env: AccountEnv },
) {
  const project = await findProjectById(ctx.db, input.projectId);
  if (!project) throw notFound('project', input.projectId, '');
  const pool = await addPoolAccount(ctx, { platform: input.platform, handle: input.handle, followers: 12_000 });
  return withTransaction(ctx.db, async (tx) => {
    const rows = await claimAvailablePoolAccounts(tx, { ids: [pool.poolAccountId], count: 1 });
    const [id] = await assignPoolAccounts(
      ctx,
      tx,
      { organizationId: project.organization_id, env: input.env, projectId: project.id, leaseRequestId: null },
      rows,
    );
    return id!;
  });
}

/** One request as the operator sees it (any organization). */
export async function getLeaseRequestForOperator(ctx: AdminCtx, requestId: string) {
  const r = await findLeaseRequest(ctx.db, requestId);
  if (!r) throw notFound('lease request', requestId, '');
  return { ...leaseRequestView(r), organizationId: r.organization_id, env: r.env };
}
