import { CONTENT, I, LATER } from './openapi-example-values.js';

// The examples of media metadata and pre-flight validation (docs/platform-rules.md): one reel,
// declared and probed, judged for the example TikTok account.

/** CONTENT's reel as uploaded with its metadata (CONTENT.mediaDetails shows it probed). */
export const REEL_MEDIA_ITEM = {
  url: CONTENT.media[0]!,
  contentType: 'video/mp4',
  sizeBytes: 48_211_977,
  durationMs: 21_400,
  width: 1080,
  height: 1920,
};

const TIKTOK = { platform: 'tiktok', rulesVersion: 'tiktok-2026-12-01' } as const;

const tooLong = {
  code: 'MEDIA_TOO_LONG',
  path: 'media.0.durationMs',
  limit: 600_000,
  actual: 612_000,
  ...TIKTOK,
  message: 'at most 600000 ms',
};

/** A valid target, and the same content judged with a 10 min 12 s cut (the dry run's). */
export const VALIDATE_EXAMPLE = {
  request: { targets: [{ socialAccountId: I.socialAccount, mode: 'publish' }] },
  response: {
    containerId: I.content,
    valid: true,
    targets: [
      {
        socialAccountId: I.socialAccount,
        mode: 'publish',
        format: 'video',
        ...TIKTOK,
        valid: true,
        issues: [],
        warnings: [],
      },
    ],
  },
};

export const DRY_RUN_EXAMPLE = {
  dryRun: true,
  valid: false,
  wouldAnswer: 422,
  wouldCreate: 'nothing',
  scheduledFor: LATER,
  targets: [
    {
      socialAccountId: I.socialAccount,
      mode: 'publish',
      format: 'video',
      ...TIKTOK,
      valid: false,
      issues: [tooLong],
      warnings: [],
    },
  ],
};
