import type { Selectable } from 'kysely';
import { toWire } from '../clock.js';
import type { Ctx } from '../context.js';
import { type Tx, withTransaction } from '../db/client.js';
import {
  countApprovedContent,
  findApprovalPolicy,
  insertScheduleIntent,
  lockContainer,
  pendingScheduleIntents,
  resolveScheduleIntent,
  updateContainerApproval,
  upsertApprovalPolicy,
} from '../db/queries/approvals.js';
import { findContainer } from '../db/queries/content-containers.js';
import { lockSocialAccounts } from '../db/queries/social-accounts.js';
import type { AccountEnv, ContentContainersTable } from '../db/schema.js';
import { emit, requestEvents } from '../events/emit.js';
import { ApiError, notFound } from '../http/errors.js';
import { newId } from '../ids.js';
import { containerView } from '../views/content-container.js';
import { queuePosts, SCHEDULE_SKEW_MS, type ScheduleTarget, targetProblem } from './post-queue.js';
import { requireProject } from './projects.js';
import { quotaProblem } from './publish-quotas.js';

// Approval before publishing (docs/content-and-publishing.md, "Approval"): a project's policy
// fixes each new content's approvalStatus; schedules of pending content are stashed as intents
// and promoted to queued posts by the approval, in its transaction. Lock order as everywhere:
// project (share) → content → accounts (id order, as a revoke takes them) → posts.

type Container = Selectable<ContentContainersTable>;
const DEFAULT_POLICY = { requires_approval: false, first_n_posts_blocked: 0, updated_at: null };

function policyView(
  projectId: string,
  p: { requires_approval: boolean; first_n_posts_blocked: number; updated_at: Date | null },
) {
  return {
    projectId,
    requiresApproval: p.requires_approval,
    firstNPostsBlocked: p.first_n_posts_blocked,
    updatedAt: toWire(p.updated_at),
  };
}

export async function getApprovalPolicy(ctx: Ctx, input: { projectId: string }) {
  await requireProject(ctx, input.projectId);
  return policyView(input.projectId, (await findApprovalPolicy(ctx.db, input.projectId)) ?? DEFAULT_POLICY);
}

/** The given fields only; applies to content uploaded from now on (never to existing content). */
export async function patchApprovalPolicy(
  ctx: Ctx,
  input: { projectId: string; requiresApproval?: boolean; firstNPostsBlocked?: number },
) {
  return withTransaction(ctx.db, async (tx) => {
    // FOR UPDATE: an upload in flight (FOR SHARE) finishes under the old policy before this commits.
    await requireProject({ ...ctx, db: tx }, input.projectId, { lock: 'update', active: true });
    const before = (await findApprovalPolicy(tx, input.projectId)) ?? DEFAULT_POLICY;
    const now = ctx.clock.now();
    const after = await upsertApprovalPolicy(tx, {
      project_id: input.projectId,
      requires_approval: input.requiresApproval ?? before.requires_approval,
      first_n_posts_blocked: input.firstNPostsBlocked ?? before.first_n_posts_blocked,
      updated_at: now,
    });
    await emit(
      tx,
      requestEvents(ctx, now),
      'project.approval_policy_updated',
      {
        requiresApproval: after.requires_approval,
        firstNPostsBlocked: after.first_n_posts_blocked,
        previous: { requiresApproval: before.requires_approval, firstNPostsBlocked: before.first_n_posts_blocked },
      },
      { projectId: input.projectId },
    );
    return policyView(input.projectId, after);
  });
}

/**
 * New content starts `pending` when the project requires approval, or while it has fewer than
 * `firstNPostsBlocked` approved contents in this environment; else `not_required`. The caller
 * holds the project row (share), so a policy change waits for this upload.
 */
export async function initialApprovalStatus(tx: Tx, projectId: string, env: AccountEnv) {
  const policy = await findApprovalPolicy(tx, projectId);
  if (!policy) return 'not_required' as const;
  if (policy.requires_approval) return 'pending' as const;
  if (policy.first_n_posts_blocked === 0) return 'not_required' as const;
  const approved = await countApprovedContent(tx, projectId, env);
  return approved < policy.first_n_posts_blocked ? ('pending' as const) : ('not_required' as const);
}

/** Rejected content is never scheduled (409); pending content is never published now (403). */
export function requireNotGated(container: Container, publishNow: boolean) {
  if (container.approval_status === 'rejected') {
    throw new ApiError(
      'CONTENT_REJECTED',
      `Content ${container.id} was rejected; it cannot be scheduled or published.`,
      {
        containerId: container.id,
        approvalStatus: 'rejected',
      },
    );
  }
  if (container.approval_status === 'pending' && publishNow) {
    throw new ApiError(
      'APPROVAL_REQUIRED',
      `Content ${container.id} is waiting for approval; approve it first, or schedule it (queued on approval).`,
      { containerId: container.id, approvalStatus: 'pending' },
    );
  }
}

export type StashedSchedule = Awaited<ReturnType<typeof stashScheduleIntent>>;
export type ScheduleResult =
  | { status: 201; body: { scheduledPosts: Awaited<ReturnType<typeof queuePosts>> } }
  | { status: 202; body: StashedSchedule };

/** A schedule of pending content, its targets already checked under their locks: stored, not queued. */
export async function stashScheduleIntent(
  ctx: Ctx,
  tx: Tx,
  container: Container,
  targets: ScheduleTarget[],
  scheduledFor: Date,
) {
  const now = ctx.clock.now();
  const id = newId('sint');
  await insertScheduleIntent(tx, {
    id,
    organization_id: ctx.principal.organizationId,
    env: ctx.principal.env,
    project_id: container.project_id,
    container_id: container.id,
    scheduled_for: scheduledFor,
    targets: JSON.stringify(targets),
    status: 'pending',
    outcome: null,
    resolved_at: null,
    created_at: now,
    updated_at: now,
  });
  await emit(
    tx,
    requestEvents(ctx, now),
    'schedule_intent.created',
    {
      scheduleIntentId: id,
      containerId: container.id,
      scheduledFor: toWire(scheduledFor),
      socialAccountIds: targets.map((t) => t.socialAccountId),
    },
    { projectId: container.project_id },
  );
  await ctx.fault?.('schedule:after-stash');
  return {
    gateStatus: 'blocked_on_approval' as const,
    scheduleIntentId: id,
    containerId: container.id,
    approvalStatus: 'pending' as const,
    scheduledFor: toWire(scheduledFor),
    targets: targets.map((t) => ({ socialAccountId: t.socialAccountId, mode: t.mode })),
  };
}

/** The content locked for a decision: its project active, its approval still pending. */
async function lockPendingContent(ctx: Ctx, tx: Tx, containerId: string) {
  const found = await findContainer(tx, ctx.principal, containerId);
  if (!found) throw notFound('content', containerId);
  await requireProject({ ...ctx, db: tx }, found.project_id, { lock: 'share', active: true });
  const container = (await lockContainer(tx, ctx.principal, containerId, 'update'))!;
  if (container.approval_status !== 'pending') {
    const decided = container.approval_status !== 'not_required';
    throw new ApiError(
      'CONFLICT',
      decided
        ? `Content ${containerId} is already ${container.approval_status}; a decision is final.`
        : `Content ${containerId} does not require approval.`,
      { reason: decided ? 'already_decided' : 'approval_not_required', approvalStatus: container.approval_status },
    );
  }
  return container;
}

type Intent = Awaited<ReturnType<typeof pendingScheduleIntents>>[number];
type FailedTarget = {
  scheduleIntentId: string;
  socialAccountId: string;
  reason: NonNullable<ReturnType<typeof targetProblem>>['reason'] | 'scheduled_time_passed' | 'platform_quota_exceeded';
  accountStatus?: string;
  earliestFreeSlot?: string | null;
};

/**
 * Every stashed intent of the content, oldest first: its targets whose accounts are still
 * connected (checked under the account locks, as a schedule does) are queued; the others fail
 * one by one, as do all targets of an intent whose time has passed.
 */
async function promoteIntents(ctx: Ctx, tx: Tx, container: Container, intents: Intent[]) {
  const now = ctx.clock.now();
  const targetsOf = (i: Intent) => i.targets as ScheduleTarget[];
  const ids = [...new Set(intents.flatMap((i) => targetsOf(i).map((t) => t.socialAccountId)))].sort();
  const locked = await lockSocialAccounts(tx, ctx.principal, ids);
  await ctx.fault?.('approve:after-account-lock');
  const accounts = new Map(locked.map((a) => [a.id, a]));
  const scheduledPosts: {
    id: string;
    socialAccountId: string;
    status: 'queued';
    scheduledFor: string;
    scheduleIntentId: string;
  }[] = [];
  const failedTargets: FailedTarget[] = [];
  for (const intent of intents) {
    const passed = intent.scheduled_for.getTime() < now.getTime() - SCHEDULE_SKEW_MS;
    const ok: ScheduleTarget[] = [];
    const failed: FailedTarget[] = [];
    for (const t of targetsOf(intent)) {
      const problem = passed
        ? { reason: 'scheduled_time_passed' as const }
        : (targetProblem(accounts.get(t.socialAccountId), container.project_id) ??
          (await quotaProblem(tx, t, intent.scheduled_for, now)));
      if (problem) failed.push({ scheduleIntentId: intent.id, socialAccountId: t.socialAccountId, ...problem });
      else ok.push(t);
    }
    // One target per account in an intent: each is checked against the posts queued before it
    // (earlier intents of this approval included), as a schedule made now would be.
    const queued = ok.length ? await queuePosts(ctx, tx, container, ok, intent.scheduled_for, accounts) : [];
    const posts = queued.map((p) => ({ ...p, scheduleIntentId: intent.id }));
    await resolveScheduleIntent(tx, intent.id, 'promoted', { scheduledPosts: posts, failedTargets: failed }, now);
    scheduledPosts.push(...posts);
    failedTargets.push(...failed);
  }
  return { scheduleIntents: intents.length, scheduledPosts, failedTargets };
}

/** Approves pending content and, in the same transaction, promotes its stashed schedules. */
export async function approveContent(ctx: Ctx, input: { containerId: string; note?: string }) {
  return withTransaction(ctx.db, async (tx) => {
    const container = await lockPendingContent(ctx, tx, input.containerId);
    const intents = await pendingScheduleIntents(tx, container.id);
    const promotion = await promoteIntents(ctx, tx, container, intents);
    const now = ctx.clock.now();
    const updated = await updateContainerApproval(tx, container.id, {
      approval_status: 'approved',
      approval_decided_at: now,
      approval_decided_by: ctx.principal.apiKeyId,
      approval_note: input.note ?? null,
      updated_at: now,
    });
    const payload = {
      containerId: container.id,
      projectId: container.project_id,
      approvalStatus: 'approved' as const,
      note: input.note ?? null,
      decidedAt: toWire(now),
      promotedScheduledPosts: promotion.scheduledPosts.length,
      failedTargets: promotion.failedTargets.length,
    };
    await emit(tx, requestEvents(ctx, now), 'content.approved', payload, {
      audit: { type: 'content.approved', projectId: container.project_id, data: payload },
    });
    await ctx.fault?.('approve:before-commit');
    return { ...containerView(updated), pendingSchedulePromotion: promotion };
  });
}

/** Rejects pending content: final; its stashed schedules are dropped. */
export async function rejectContent(ctx: Ctx, input: { containerId: string; reason: string }) {
  return withTransaction(ctx.db, async (tx) => {
    const container = await lockPendingContent(ctx, tx, input.containerId);
    const intents = await pendingScheduleIntents(tx, container.id);
    const now = ctx.clock.now();
    for (const intent of intents)
      await resolveScheduleIntent(tx, intent.id, 'dropped', { reason: 'content_rejected' }, now);
    const updated = await updateContainerApproval(tx, container.id, {
      approval_status: 'rejected',
      approval_decided_at: now,
      approval_decided_by: ctx.principal.apiKeyId,
      rejection_reason: input.reason,
      updated_at: now,
    });
    const payload = {
      containerId: container.id,
      projectId: container.project_id,
      approvalStatus: 'rejected' as const,
      reason: input.reason,
      decidedAt: toWire(now),
      droppedScheduleIntents: intents.length,
    };
    await emit(tx, requestEvents(ctx, now), 'content.rejected', payload, {
      audit: { type: 'content.rejected', projectId: container.project_id, data: payload },
    });
    return { ...containerView(updated), droppedScheduleIntents: intents.length };
  });
}
