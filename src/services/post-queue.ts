import { toWire } from '../clock.js';
import type { Ctx } from '../context.js';
import type { Tx } from '../db/client.js';
import { insertScheduledPosts } from '../db/queries/scheduled-posts.js';
import type { lockSocialAccounts } from '../db/queries/social-accounts.js';
import { emitMany, requestEvents } from '../events/emit.js';
import { ApiError, invalidField, notFound } from '../http/errors.js';
import { newId } from '../ids.js';

// Queuing posts for locked accounts: what a schedule does at once and what an approval does with
// the schedule requests stashed while its content waited (src/services/approvals.ts).

/** Clocks disagree: a scheduledFor up to this far in the past is accepted (and due at once). */
export const SCHEDULE_SKEW_MS = 30_000;

export type ScheduleTarget = { socialAccountId: string; mode: 'publish' | 'draft'; captionOverride?: string };
export type LockedAccount = Awaited<ReturnType<typeof lockSocialAccounts>>[number];

/** Why a target cannot be queued against its locked row, or null when it can. */
export function targetProblem(account: LockedAccount | undefined, projectId: string) {
  if (!account) return { reason: 'account_not_found' as const };
  if (account.project_id !== projectId) return { reason: 'account_in_other_project' as const };
  if (account.status !== 'connected')
    return { reason: 'account_not_connected' as const, accountStatus: account.status };
  return null;
}

/**
 * Every target, in request order, against its locked row: the first that fails answers. A
 * validation (`requireConnected: false`) asks only that the accounts exist in the content's project.
 */
export function checkTargets(
  targets: ScheduleTarget[],
  accounts: LockedAccount[],
  projectId: string,
  { requireConnected = true } = {},
) {
  const byId = new Map(accounts.map((a) => [a.id, a]));
  targets.forEach(({ socialAccountId }, i) => {
    const problem = targetProblem(byId.get(socialAccountId), projectId);
    if (problem?.reason === 'account_not_found') {
      throw notFound('social account', socialAccountId, undefined, { socialAccountId });
    }
    if (problem?.reason === 'account_in_other_project') {
      const message = `belongs to another project than the content (${projectId})`;
      throw invalidField(`targets.${i}.socialAccountId`, message);
    }
    if (problem?.reason === 'account_not_connected' && requireConnected) {
      throw new ApiError(
        'CONFLICT',
        `Social account ${socialAccountId} is ${problem.accountStatus}; posts are only queued for connected accounts.`,
        { reason: 'account_not_connected', socialAccountId, accountStatus: problem.accountStatus },
      );
    }
  });
  return byId;
}

/**
 * Inserts one queued post per target and writes `post.scheduled` and `scheduled_post.created`
 * for each. The caller holds every target's account row and has checked it.
 */
export async function queuePosts(
  ctx: Ctx,
  tx: Tx,
  container: { id: string; project_id: string },
  targets: ScheduleTarget[],
  scheduledFor: Date,
  accounts: Map<string, LockedAccount>,
) {
  const now = ctx.clock.now();
  const posts = targets.map((t) => ({
    id: newId('sp'),
    organization_id: ctx.principal.organizationId,
    env: ctx.principal.env,
    project_id: container.project_id,
    container_id: container.id,
    social_account_id: t.socialAccountId,
    mode: t.mode,
    status: 'queued' as const,
    caption_override: t.captionOverride ?? null,
    scheduled_for: scheduledFor,
    created_at: now,
    updated_at: now,
  }));
  await insertScheduledPosts(tx, posts);
  await ctx.fault?.('schedule:after-insert');
  const summaries = posts.map((p) => ({
    id: p.id,
    socialAccountId: p.social_account_id,
    status: 'queued' as const,
    scheduledFor: toWire(scheduledFor),
  }));
  await emitMany(
    tx,
    requestEvents(ctx, now),
    'post.scheduled',
    posts.map((p, i) => ({
      ...summaries[i]!,
      projectId: p.project_id,
      containerId: p.container_id,
      platform: accounts.get(p.social_account_id)!.platform,
      mode: p.mode,
    })),
    {
      audit: posts.map((p) => ({
        type: 'scheduled_post.created' as const,
        projectId: p.project_id,
        data: {
          scheduledPostId: p.id,
          containerId: p.container_id,
          socialAccountId: p.social_account_id,
          mode: p.mode,
          scheduledFor: toWire(scheduledFor),
        },
      })),
    },
  );
  return summaries;
}
