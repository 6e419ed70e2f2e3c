import { toWire } from '../clock.js';
import type { Ctx } from '../context.js';
import { type Tx, withTransaction } from '../db/client.js';
import { findContainer } from '../db/queries/content-containers.js';
import {
  cancelQueuedPost,
  findScheduledPostForUpdate,
  findScheduledPostOwner,
  findScheduledPostView,
  insertScheduledPosts,
  listScheduledPostViews,
  rescheduleQueuedPost,
} from '../db/queries/scheduled-posts.js';
import { findSocialAccountForUpdate, lockSocialAccounts } from '../db/queries/social-accounts.js';
import type { ScheduledPostStatus } from '../db/schema.js';
import { postCanceledEvents } from '../events/catalogue.js';
import { emit, emitMany, requestEvents } from '../events/emit.js';
import { ApiError, invalidField, notFound } from '../http/errors.js';
import { newId } from '../ids.js';
import { postView } from '../views/scheduled-post.js';
import { cursorId, cursorInstant, listCursor, page } from './pagination.js';
import { requireProject } from './projects.js';

// Scheduled posts: created from content (schedule / publish now), read, rescheduled, canceled.
// Every writer takes the account row lock before touching a post of that account.

export const CANCELED_BY_PARTNER = 'canceled_by_partner';
/** Clocks disagree: a scheduledFor up to this far in the past is accepted (and due at once). */
export const SCHEDULE_SKEW_MS = 30_000;

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

export type ScheduleTarget = { socialAccountId: string; mode: 'publish' | 'draft'; captionOverride?: string };
type LockedAccount = Awaited<ReturnType<typeof lockSocialAccounts>>[number];

/** Every target, in request order, against its locked row: the first that fails answers. */
function checkTargets(targets: ScheduleTarget[], accounts: LockedAccount[], projectId: string) {
  const byId = new Map(accounts.map((a) => [a.id, a]));
  targets.forEach(({ socialAccountId }, i) => {
    const a = byId.get(socialAccountId);
    if (!a) throw notFound('social account', socialAccountId, undefined, { socialAccountId });
    if (a.project_id !== projectId) {
      const message = `belongs to another project than the content (${projectId})`;
      throw invalidField(`targets.${i}.socialAccountId`, message);
    }
    if (a.status !== 'connected') {
      throw new ApiError(
        'CONFLICT',
        `Social account ${socialAccountId} is ${a.status}; posts are only queued for connected accounts.`,
        {
          reason: 'account_not_connected',
          socialAccountId,
          accountStatus: a.status,
        },
      );
    }
  });
  return byId;
}

/** The caller's completed content, in an active project (share-locked until commit). */
async function requireSchedulableContent(ctx: Ctx, tx: Tx, containerId: string) {
  const container = await findContainer(tx, ctx.principal, containerId);
  if (!container) throw notFound('content', containerId);
  await requireProject({ ...ctx, db: tx }, container.project_id, { lock: 'share', active: true });
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
 * (→ 409 here) or waits for this commit and then cancels what it queued.
 */
export async function scheduleContent(
  ctx: Ctx,
  input: { containerId: string; scheduledFor?: Date; targets: ScheduleTarget[] },
) {
  const now = ctx.clock.now();
  const scheduledFor = wholeSeconds(input.scheduledFor ?? now);
  if (input.scheduledFor) requireFutureTime(scheduledFor, now);
  return withTransaction(ctx.db, async (tx) => {
    const { organizationId } = ctx.principal;
    const container = await requireSchedulableContent(ctx, tx, input.containerId);
    const ids = input.targets.map((t) => t.socialAccountId);
    const accounts = checkTargets(
      input.targets,
      await lockSocialAccounts(tx, ctx.principal, [...ids].sort()),
      container.project_id,
    );
    const posts = input.targets.map((t) => ({
      id: newId('sp'),
      organization_id: organizationId,
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
    return { scheduledPosts: summaries };
  });
}
