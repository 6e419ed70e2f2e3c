import { toWire } from '../clock.js';
import type { Ctx } from '../context.js';
import { type Tx, withTransaction } from '../db/client.js';
import { lockContainer } from '../db/queries/approvals.js';
import { findContainer } from '../db/queries/content-containers.js';
import {
  cancelQueuedPost,
  findScheduledPostForUpdate,
  findScheduledPostOwner,
  findScheduledPostView,
  listScheduledPostViews,
  rescheduleQueuedPost,
} from '../db/queries/scheduled-posts.js';
import { findSocialAccountForUpdate, lockSocialAccounts } from '../db/queries/social-accounts.js';
import type { ScheduledPostStatus } from '../db/schema.js';
import { postCanceledEvents } from '../events/catalogue.js';
import { emit, emitMany, requestEvents } from '../events/emit.js';
import { ApiError, invalidField, notFound } from '../http/errors.js';
import { postView } from '../views/scheduled-post.js';
import { requireNotGated, type ScheduleResult, stashScheduleIntent } from './approvals.js';
import { dryRunResult, requireValidTargets, validateTargets } from './content-validation.js';
import { cursorId, cursorInstant, listCursor, page } from './pagination.js';
import { checkTargets, queuePosts, SCHEDULE_SKEW_MS, type ScheduleTarget } from './post-queue.js';
import { requireProject } from './projects.js';
import { requirePublishQuota, requirePublishQuotas } from './publish-quotas.js';

// Scheduled posts: created from content (schedule / publish now), read, rescheduled, canceled.
// Every writer takes the account row lock before touching a post of that account.

export const CANCELED_BY_PARTNER = 'canceled_by_partner';
export { SCHEDULE_SKEW_MS } from './post-queue.js';

/** Whole seconds, as the wire shows them: what a partner reads back is exactly what is stored. */
export function wholeSeconds(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}

/** 422 on `scheduledFor` unless it is in the future (within the skew). */
export function requireFutureTime(scheduledFor: Date, now: Date) {
  if (scheduledFor.getTime() >= now.getTime() - SCHEDULE_SKEW_MS) return;
  const skew = `${SCHEDULE_SKEW_MS / 1000} s of clock skew allowed`;
  throw invalidField('scheduledFor', `must be in the future (now is ${toWire(now)}; ${skew})`);
}

const postNotFound = (id: string) => notFound('scheduled post', id);

export async function getScheduledPost(ctx: Ctx, input: { id: string }) {
  const p = await findScheduledPostView(ctx.db, ctx.principal, input.id);
  if (!p) throw postNotFound(input.id);
  return postView(p);
}

const cursors = listCursor('scheduled-posts', { scheduledFor: cursorInstant, id: cursorId });

export async function listScheduledPosts(
  ctx: Ctx,
  input: {
    projectId: string;
    status?: ScheduledPostStatus[];
    socialAccountId?: string;
    since?: Date;
    until?: Date;
    limit: number;
    cursor?: string;
  },
) {
  const after = cursors.decode(input);
  await requireProject(ctx, input.projectId);
  const rows = await listScheduledPostViews(ctx.db, {
    owner: ctx.principal,
    projectId: input.projectId,
    statuses: input.status,
    socialAccountId: input.socialAccountId,
    since: input.since,
    until: input.until,
    limit: input.limit + 1,
    before: after && { scheduledFor: new Date(after.scheduledFor), id: after.id },
  });
  const { items, nextCursor } = page(rows, input.limit, (last) =>
    cursors.encode({ scheduledFor: last.scheduled_for.toISOString(), id: last.id }, input),
  );
  return { items: items.map(postView), nextCursor };
}

/**
 * Lock order, as everywhere: the account row first, then the post. The status is checked under
 * both locks, so a publisher's claim or a revoke that committed first is seen here.
 */
async function lockQueuedPost(ctx: Ctx, tx: Tx, id: string) {
  const owner = await findScheduledPostOwner(tx, ctx.principal, id);
  if (!owner) throw postNotFound(id);
  await findSocialAccountForUpdate(tx, ctx.principal, owner.social_account_id);
  const post = (await findScheduledPostForUpdate(tx, id))!;
  if (post.status !== 'queued') {
    throw new ApiError('CONFLICT', `Scheduled post ${id} is ${post.status}; only a queued post can be changed.`, {
      reason: 'not_queued',
      status: post.status,
    });
  }
  return post;
}

/** Moves a queued post to another time; emits `post.rescheduled`. */
export async function rescheduleScheduledPost(ctx: Ctx, input: { id: string; scheduledFor: Date }) {
  const now = ctx.clock.now();
  const scheduledFor = wholeSeconds(input.scheduledFor);
  requireFutureTime(scheduledFor, now);
  return withTransaction(ctx.db, async (tx) => {
    const post = await lockQueuedPost(ctx, tx, input.id);
    await requirePublishQuota(
      tx,
      { socialAccountId: post.social_account_id, mode: post.mode },
      scheduledFor,
      now,
      post.id,
    );
    await rescheduleQueuedPost(tx, post.id, scheduledFor, now);
    const change = {
      socialAccountId: post.social_account_id,
      scheduledFor: toWire(scheduledFor),
      previousScheduledFor: toWire(post.scheduled_for),
    };
    await emit(
      tx,
      requestEvents(ctx, now),
      'post.rescheduled',
      { id: post.id, projectId: post.project_id, status: 'queued', ...change },
      {
        audit: {
          type: 'scheduled_post.rescheduled',
          projectId: post.project_id,
          data: { scheduledPostId: post.id, ...change },
        },
      },
    );
    return postView((await findScheduledPostView(tx, ctx.principal, post.id))!);
  });
}

/** Cancels a queued post; `note` is the partner's free-text reason, kept in the audit row and event. */
export async function cancelScheduledPost(ctx: Ctx, input: { id: string; reason?: string }) {
  return withTransaction(ctx.db, async (tx) => {
    const post = await lockQueuedPost(ctx, tx, input.id);
    const now = ctx.clock.now();
    await cancelQueuedPost(tx, post.id, CANCELED_BY_PARTNER, now);
    const { payloads, audits } = postCanceledEvents([post], CANCELED_BY_PARTNER, now, input.reason ?? null);
    await emitMany(tx, requestEvents(ctx, now), 'post.canceled', payloads, { audit: audits });
    return { id: post.id, status: 'canceled' as const, canceledAt: toWire(now) };
  });
}

/** The caller's completed content, in an active project (share-locked until commit), itself share-locked. */
async function requireSchedulableContent(ctx: Ctx, tx: Tx, containerId: string) {
  const found = await findContainer(tx, ctx.principal, containerId);
  if (!found) throw notFound('content', containerId);
  await requireProject({ ...ctx, db: tx }, found.project_id, { lock: 'share', active: true });
  // Lock order: project, content, accounts. The share lock makes an approval (FOR UPDATE) wait for
  // a stash in flight, so it promotes it, or makes the stash wait and see the decision.
  const container = (await lockContainer(tx, ctx.principal, containerId, 'share'))!;
  if (container.status !== 'completed') {
    throw new ApiError(
      'CONFLICT',
      `Content ${container.id} is ${container.status}; only completed content can be scheduled.`,
      {
        reason: 'content_not_ready',
        status: container.status,
      },
    );
  }
  return container;
}

/**
 * Schedule (or, without scheduledFor, publish now): all or nothing. The target accounts are
 * locked in id order and re-checked under the lock, so a concurrent revoke either commits first
 * (→ 409 here) or waits for this commit and then cancels what it queued. Content waiting for
 * approval: a schedule is stashed (202, src/services/approvals.ts), a publish-now refused (403).
 * `dryRun`: every check, then the answer (200) instead of the writes.
 */
export async function scheduleContent(
  ctx: Ctx,
  input: { containerId: string; scheduledFor?: Date; targets: ScheduleTarget[]; dryRun?: boolean },
): Promise<ScheduleResult | { status: 200; body: ReturnType<typeof dryRunResult> }> {
  const now = ctx.clock.now();
  const scheduledFor = wholeSeconds(input.scheduledFor ?? now);
  if (input.scheduledFor) requireFutureTime(scheduledFor, now);
  return withTransaction(ctx.db, async (tx) => {
    const container = await requireSchedulableContent(ctx, tx, input.containerId);
    requireNotGated(container, input.scheduledFor === undefined);
    const ids = input.targets.map((t) => t.socialAccountId);
    const accounts = checkTargets(
      input.targets,
      await lockSocialAccounts(tx, ctx.principal, [...ids].sort()),
      container.project_id,
    );
    // Platform rules (docs/platform-rules.md): a dry run answers them, a real request refuses on any issue.
    const validation = validateTargets(container, input.targets, accounts);
    const gated = container.approval_status === 'pending';
    if (input.dryRun) {
      // The same budget a real request meets (409); content awaiting approval is counted at publish.
      if (!gated) await requirePublishQuotas(tx, input.targets, scheduledFor, now);
      return {
        status: 200,
        body: dryRunResult(validation, scheduledFor, gated ? 'schedule_intent' : 'scheduled_posts'),
      };
    }
    requireValidTargets(validation);
    if (gated) {
      return { status: 202, body: await stashScheduleIntent(ctx, tx, container, input.targets, scheduledFor) };
    }
    await requirePublishQuotas(tx, input.targets, scheduledFor, now);
    const summaries = await queuePosts(ctx, tx, container, input.targets, scheduledFor, accounts);
    return { status: 201, body: { scheduledPosts: summaries } };
  });
}
