import { toWire } from '../clock.js';
import type { ActingCtx, Ctx } from '../context.js';
import { withTransaction } from '../db/client.js';
import { cancelQueuedPosts } from '../db/queries/scheduled-posts.js';
import {
  disconnectSocialAccount,
  findSocialAccountForUpdate,
  findSocialAccountView,
  listSocialAccounts,
} from '../db/queries/social-accounts.js';
import { enqueueUpstreamRevocation, findLatestUpstreamRevocation } from '../db/queries/upstream-revocations.js';
import { emit, requestEvents } from '../events/emit.js';
import { notFound } from '../http/errors.js';
import { cursorId, cursorInstant, listCursor, page } from './pagination.js';
import { requireProject } from './projects.js';

const REVOKED_BY_PARTNER = 'revoked_by_partner' as const;

function accountNotFound(id: string) {
  return notFound('connected social account', id);
}

/**
 * The seed: in one transaction lock the account, drop its token, disconnect it, cancel every
 * queued post (one record for the worker to write each post's audit row and event after commit),
 * and record the revoke's audit row and outbox event. Already disconnected or another
 * organization's → 404. A leased account is disconnected too; its lease is left alone.
 */
export async function revokeSocialAccount(ctx: ActingCtx, input: { socialAccountId: string }) {
  return withTransaction(ctx.db, async (tx) => {
    const account = await findSocialAccountForUpdate(tx, ctx.principal, input.socialAccountId);
    if (!account || account.status === 'disconnected') throw accountNotFound(input.socialAccountId);

    const now = ctx.clock.now();
    const updated = await disconnectSocialAccount(tx, account.id, REVOKED_BY_PARTNER, now);
    // A leased account's grant is the operator's (it returns to the pool), so it is never revoked upstream.
    if (!account.leased && account.token_ciphertext && account.token_wrapped_key) {
      await enqueueUpstreamRevocation(tx, {
        socialAccountId: account.id,
        platform: account.platform,
        ciphertext: account.token_ciphertext,
        wrappedKey: account.token_wrapped_key,
        tokenVersion: account.token_version,
        now,
      });
    }
    await ctx.fault?.('revoke:after-account-update');
    const ev = requestEvents(ctx, now);
    const canceled = await cancelQueuedPosts(tx, { socialAccountId: account.id }, REVOKED_BY_PARTNER, ev);

    const result = {
      socialAccountId: account.id,
      status: 'disconnected' as const,
      disconnectedReason: REVOKED_BY_PARTNER,
      canceledScheduledPosts: canceled,
      disconnectedAt: toWire(updated.disconnected_at ?? now),
    };
    const audit = {
      type: 'social_account.revoked' as const,
      projectId: account.project_id,
      data: { socialAccountId: account.id, leased: account.leased, canceledScheduledPosts: canceled },
    };
    const payload = { ...result, projectId: account.project_id, platform: account.platform, leased: account.leased };
    await emit(tx, ev, 'social_account.revoked', payload, { audit });
    await ctx.fault?.('revoke:before-commit');
    return result;
  });
}

/** The account as a partner sees it, with the count a revoke would cancel right now. */
export async function getSocialAccount(ctx: Pick<ActingCtx, 'db' | 'principal'>, input: { socialAccountId: string }) {
  const row = await findSocialAccountView(ctx.db, ctx.principal, input.socialAccountId);
  if (!row) throw notFound('social account', input.socialAccountId);
  const upstream = row.status === 'disconnected' ? await findLatestUpstreamRevocation(ctx.db, row.id) : undefined;
  return {
    socialAccountId: row.id,
    projectId: row.project_id!,
    platform: row.platform,
    handle: row.handle,
    avatarUrl: row.avatar_url,
    status: row.status,
    leased: row.leased,
    connectedAt: toWire(row.connected_at),
    tokenExpiresAt: toWire(row.token_expires_at),
    disconnectedAt: toWire(row.disconnected_at),
    disconnectedReason: row.disconnected_reason,
    queuedScheduledPosts: Number(row.queued_posts ?? 0),
    upstreamRevocation: upstream
      ? { status: upstream.status, attemptedAt: toWire(upstream.attempted_at), lastError: upstream.last_error }
      : null,
  };
}

const cursors = listCursor('social-accounts', { createdAt: cursorInstant, id: cursorId });

/** Connected and leased accounts of a project together, in connection order. */
export async function listProjectSocialAccounts(
  ctx: Ctx,
  input: {
    projectId: string;
    platform?: 'tiktok' | 'instagram';
    status?: 'connected' | 'reauth_required' | 'disconnected';
    leased?: boolean;
    limit: number;
    cursor?: string;
  },
) {
  const after = cursors.decode(input);
  const rows = await listSocialAccounts(ctx.db, {
    owner: ctx.principal,
    projectId: input.projectId,
    platform: input.platform,
    status: input.status,
    leased: input.leased,
    after: after && { createdAt: new Date(after.createdAt), id: after.id },
    limit: input.limit + 1,
  });
  // Rows of this organization in the project prove the project is its own: only an empty page
  // needs the lookup that tells 404 from [] — one query fewer on a list's usual path.
  if (rows.length === 0) await requireProject(ctx, input.projectId);
  const { items, nextCursor } = page(rows, input.limit, (last) =>
    cursors.encode({ createdAt: last.created_at.toISOString(), id: last.id }, input),
  );
  return {
    items: items.map((a) => ({
      socialAccountId: a.id,
      projectId: a.project_id!,
      platform: a.platform,
      handle: a.handle,
      avatarUrl: a.avatar_url,
      status: a.status,
      leased: a.leased,
      connectedAt: toWire(a.connected_at),
      tokenExpiresAt: toWire(a.token_expires_at),
      disconnectedAt: toWire(a.disconnected_at),
      disconnectedReason: a.disconnected_reason,
    })),
    nextCursor,
  };
}
