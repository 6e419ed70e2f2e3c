import { isInstagramImageUrl } from '../instagram.js';
import type { FormatRules, MediaKind, MediaLimits, RulePack } from './types.js';

// Instagram content publishing (Instagram API with Instagram Login), as our adapter
// (src/platforms/instagram.ts) uses it: one video URL → a reel (media_type REELS); one image URL
// → a feed image; 2–10 URLs → a feed carousel (its videos sent as reels items). Instagram has no
// drafts through the API: the adapter would publish a `draft` target, so the pack refuses it.
// Sources (read 2026-12-01):
//   [IGM] https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media
//         (image specifications, reel specifications, carousel: up to 10 items)
//   [CP]  https://developers.facebook.com/docs/instagram-platform/content-publishing
//         (captions: 2,200 characters, 30 hashtags, 20 @ tags)

export const INSTAGRAM_RULES_VERSION = 'instagram-2026-12-01';

const MiB = 1024 * 1024;

const IMAGE: MediaLimits = {
  contentTypes: ['image/jpeg'], // [IGM] "JPEG is the only image format supported"
  maxSizeBytes: 8 * MiB, // [IGM] 8 MB maximum
  minAspectRatio: 4 / 5, // [IGM] 4:5 to 1.91:1
  maxAspectRatio: 1.91,
  minWidth: 320, // [IGM] 320 to 1440 px wide
  maxWidth: 1440,
};

const VIDEO: MediaLimits = {
  contentTypes: ['video/mp4', 'video/quicktime'], // [IGM] reels: MOV or MP4 (MPEG-4 Part 14)
  maxSizeBytes: 300 * MiB, // [IGM] reels: 300 MB maximum
  minDurationMs: 3_000, // [IGM] reels: 3 seconds to 15 minutes
  maxDurationMs: 15 * 60_000,
  minAspectRatio: 0.01, // [IGM] reels: 0.01:1 to 10:1 (9:16 recommended — advice, not a limit)
  maxAspectRatio: 10,
  maxWidth: 1920, // [IGM] reels: 1920 horizontal pixels maximum
};

const CAPTION = { captionMaxChars: 2200, captionUnit: 'codepoints', maxHashtags: 30, maxMentions: 20 } as const; // [CP]

const RULES: Record<'feed' | 'reel', FormatRules> = {
  reel: { ...CAPTION, minMedia: 1, maxMedia: 1, video: VIDEO },
  feed: { ...CAPTION, minMedia: 1, maxMedia: 10, image: IMAGE, video: VIDEO }, // [IGM] carousel: up to 10
};

export const instagramRules: RulePack = {
  platform: 'instagram',
  rulesVersion: INSTAGRAM_RULES_VERSION,
  kindOf: (url) => (isInstagramImageUrl(url) ? 'image' : 'video'),
  formatOf: (kinds: MediaKind[]) => (kinds.length === 1 && kinds[0] === 'video' ? 'reel' : 'feed'),
  rules: (format, mode) => (mode === 'draft' ? null : (RULES[format as 'feed' | 'reel'] ?? null)),
};
