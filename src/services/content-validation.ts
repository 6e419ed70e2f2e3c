import type { Selectable } from 'kysely';
import { toWire } from '../clock.js';
import type { Ctx } from '../context.js';
import { findContainer } from '../db/queries/content-containers.js';
import { findSocialAccountsByIds } from '../db/queries/social-accounts.js';
import type { ContentContainersTable, Platform } from '../db/schema.js';
import { ApiError, notFound } from '../http/errors.js';
import { checkPost, RULE_PACKS } from '../platforms/rules/index.js';
import { mediaDetailsOf } from '../views/content-container.js';
import { checkTargets, type ScheduleTarget } from './post-queue.js';

// Pre-flight validation (docs/platform-rules.md): each target's platform rule pack against the
// content. Used by POST /v1/content/:id/validate, by schedule and publish (422 on any invalid
// target, before anything is written) and by their dry runs.

type Container = Pick<Selectable<ContentContainersTable>, 'id' | 'media' | 'media_details' | 'caption'>;

/** Per target, in request order: its platform's issues and warnings for this content. */
export function validateTargets(
  container: Container,
  targets: ScheduleTarget[],
  accounts: Map<string, { platform: Platform }>,
) {
  const media = mediaDetailsOf(container);
  return targets.map((t, i) => {
    const platform = accounts.get(t.socialAccountId)!.platform;
    const pack = RULE_PACKS[platform];
    const override = t.captionOverride !== undefined;
    const { format, issues, warnings } = checkPost(pack, {
      mode: t.mode,
      caption: override ? t.captionOverride! : container.caption,
      captionPath: override ? `targets.${i}.captionOverride` : 'caption',
      modePath: `targets.${i}.mode`,
      media,
    });
    const { socialAccountId, mode } = t;
    const { rulesVersion } = pack;
    return { socialAccountId, platform, mode, format, rulesVersion, valid: issues.length === 0, issues, warnings };
  });
}

export type TargetValidation = ReturnType<typeof validateTargets>[number];

/** 422 PLATFORM_RULE_VIOLATION when any target breaks its platform's rules; `details.targets`: all of them. */
export function requireValidTargets(results: TargetValidation[]) {
  const invalid = results.filter((r) => !r.valid);
  if (invalid.length === 0) return;
  const which = invalid.map((r) => `${r.socialAccountId} (${r.issues.map((i) => i.code).join(', ')})`).join('; ');
  throw new ApiError('PLATFORM_RULE_VIOLATION', `Targets break their platform's rules: ${which}.`, {
    targets: results,
  });
}

/**
 * The validation alone: reads only, writes nothing (no audit row, no event). The accounts must
 * exist in the content's project (404 / 422 as a schedule); their state and the content's approval
 * are a schedule's business — its dry run checks those too.
 */
export async function validateContent(ctx: Ctx, input: { containerId: string; targets: ScheduleTarget[] }) {
  const container = await findContainer(ctx.db, ctx.principal, input.containerId);
  if (!container) throw notFound('content', input.containerId);
  const ids = input.targets.map((t) => t.socialAccountId);
  const rows = await findSocialAccountsByIds(ctx.db, ctx.principal, ids);
  const accounts = checkTargets(input.targets, rows, container.project_id, { requireConnected: false });
  const targets = validateTargets(container, input.targets, accounts);
  return { containerId: container.id, valid: targets.every((t) => t.valid), targets };
}

/** What a dry run of a schedule or publish answers: the validation and what the request would do. */
export function dryRunResult(
  targets: TargetValidation[],
  scheduledFor: Date,
  wouldCreate: 'scheduled_posts' | 'schedule_intent',
) {
  const valid = targets.every((t) => t.valid);
  return {
    dryRun: true as const,
    valid,
    wouldAnswer: (valid ? (wouldCreate === 'scheduled_posts' ? 201 : 202) : 422) as 201 | 202 | 422,
    wouldCreate: valid ? wouldCreate : ('nothing' as const),
    scheduledFor: toWire(scheduledFor),
    targets,
  };
}
