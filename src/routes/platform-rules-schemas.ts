import { z } from 'zod';
import { Timestamp } from '../http/schemas.js';
import { HttpsUrl } from '../http/strings.js';

// Wire schemas of media metadata and pre-flight validation (docs/platform-rules.md), shared by
// the content routes: upload, get, validate, and schedule/publish with `dryRun`.

const MAX_DIMENSION_PX = 100_000; // far above any platform's limit; a sanity bound on input

export const MediaItem = z
  .union([
    HttpsUrl,
    z
      .object({
        url: HttpsUrl,
        contentType: z
          .string()
          .max(255)
          .regex(/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/i, 'must be a media type such as video/mp4')
          .optional(),
        sizeBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
        durationMs: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
        width: z.number().int().min(1).max(MAX_DIMENSION_PX).optional(),
        height: z.number().int().min(1).max(MAX_DIMENSION_PX).optional(),
      })
      .strict()
      .meta({
        id: 'MediaItemInput',
        description: 'A media URL with what you know of it; every field but `url` optional.',
      }),
  ])
  .meta({ description: 'An https URL, or `{url, contentType?, sizeBytes?, durationMs?, width?, height?}`.' });

export const MediaDetail = z
  .object({
    url: z.string(),
    contentType: z.string().nullable(),
    sizeBytes: z.number().int().nullable(),
    durationMs: z.number().int().nullable(),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    probe: z
      .object({
        probed: z.boolean().meta({ description: 'The URL answered a HEAD (or range GET) with a type or length.' }),
        contentType: z.string().nullable(),
        sizeBytes: z.number().int().nullable(),
        note: z.string().meta({ description: 'What was tried and seen: `HEAD 200`, `GET range 206`, `timed out…`.' }),
      })
      .meta({ description: 'What a HEAD / `Range: bytes=0-0` read of the URL said at upload.' }),
  })
  .meta({
    id: 'MediaDetail',
    description: 'One media item: the metadata declared at upload (null: not declared) and what its URL said.',
  });

const RuleIssue = z
  .object({
    code: z.string().meta({ description: 'e.g. `MEDIA_TOO_LARGE`, `CAPTION_TOO_LONG` (docs/platform-rules.md).' }),
    path: z.string().meta({ description: 'The field: `caption`, `media.0.sizeBytes`, `targets.1.captionOverride`…' }),
    limit: z.unknown().meta({ description: 'The rule’s bound: a number, `{min, max}`, or the allowed types.' }),
    actual: z.unknown(),
    platform: z.enum(['tiktok', 'instagram']),
    rulesVersion: z.string(),
    message: z.string(),
  })
  .meta({ id: 'PlatformRuleIssue' });

const RuleWarning = z
  .object({
    code: z
      .string()
      .meta({ description: 'e.g. `UNKNOWN_SIZE`: a check that could not be made; the platform may refuse.' }),
    path: z.string(),
    platform: z.enum(['tiktok', 'instagram']),
    rulesVersion: z.string(),
    message: z.string(),
  })
  .meta({ id: 'PlatformRuleWarning' });

export const TargetValidation = z
  .object({
    socialAccountId: z.string(),
    platform: z.enum(['tiktok', 'instagram']),
    mode: z.enum(['publish', 'draft']),
    format: z.string().meta({ description: 'How the post goes out: TikTok `video`|`photo`, Instagram `reel`|`feed`.' }),
    rulesVersion: z.string().meta({ description: 'The rule pack that judged it, e.g. `tiktok-2026-12-01`.' }),
    valid: z.boolean(),
    issues: z.array(RuleIssue),
    warnings: z.array(RuleWarning),
  })
  .meta({ id: 'TargetValidation' });

export const ContentValidation = z
  .object({ containerId: z.string(), valid: z.boolean(), targets: z.array(TargetValidation) })
  .meta({ id: 'ContentValidation' });

export const DryRunResult = z
  .object({
    dryRun: z.literal(true),
    valid: z.boolean(),
    wouldAnswer: z.union([z.literal(201), z.literal(202), z.literal(422)]).meta({
      description: 'The status the same request without `dryRun` would answer now.',
    }),
    wouldCreate: z.enum(['scheduled_posts', 'schedule_intent', 'nothing']),
    scheduledFor: Timestamp,
    targets: z.array(TargetValidation),
  })
  .meta({
    id: 'ScheduleDryRun',
    description:
      '`dryRun: true`: every check of the request ran (content, approval, accounts, platform rules); nothing ' +
      'was written.',
  });

export const dryRunField = z
  .boolean()
  .optional()
  .meta({ description: '`true`: run every check and answer 200 with the outcome; write nothing.' });
