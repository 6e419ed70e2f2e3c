import { isTikTokPhotoUrl } from '../tiktok.js';
import type { FormatRules, MediaKind, MediaLimits, PostMode, RulePack } from './types.js';

// TikTok Content Posting API, as our adapter (src/platforms/tiktok.ts) uses it: a post whose
// media are all JPEG/WebP URLs is a photo post (PULL_FROM_URL photo_images, caption as its
// title); anything else is a video post of the first URL. `publish` is a Direct Post, `draft`
// an upload to the creator's inbox (video: no caption is sent at all).
// Sources (read 2026-12-01):
//   [MTG] https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide
//         (video and image restrictions)
//   [DP]  https://developers.tiktok.com/doc/content-posting-api-reference-direct-post
//         (post_info.title: 2,200 UTF-16 runes for videos)
//   [PP]  https://developers.tiktok.com/doc/content-posting-api-reference-photo-post
//         (photo_images: up to 35; post_info.title: 90 UTF-16 runes)

export const TIKTOK_RULES_VERSION = 'tiktok-2026-12-01';

const MiB = 1024 * 1024;

const VIDEO: MediaLimits = {
  contentTypes: ['video/mp4', 'video/webm', 'video/quicktime'], // [MTG] MP4 (recommended), WebM, MOV
  maxSizeBytes: 4 * 1024 * MiB, // [MTG] "Max 4GB" (read as GiB: never refuse what TikTok takes)
  // [MTG] 10 minutes for every creator; creator_info's max_video_post_duration_sec may say less or
  // more per creator — we do not read it yet, so the documented default applies.
  maxDurationMs: 600_000,
  minWidth: 360, // [MTG] picture size: 360 px minimum height and width, 4096 px maximum
  maxWidth: 4096,
  minHeight: 360,
  maxHeight: 4096,
};

const PHOTO: MediaLimits = {
  contentTypes: ['image/jpeg', 'image/webp'], // [MTG] JPEG, WEBP
  maxSizeBytes: 20 * MiB, // [MTG] "Maximum 20MB per image"
};

const CAPTIONED_VIDEO: FormatRules = {
  captionMaxChars: 2200,
  captionUnit: 'utf16',
  minMedia: 1,
  maxMedia: 1,
  video: VIDEO,
};

const RULES: Record<'video' | 'photo', Record<PostMode, FormatRules>> = {
  video: {
    publish: CAPTIONED_VIDEO, // [DP] title ≤ 2,200 UTF-16 runes; one video (the adapter sends the first URL only)
    draft: { ...CAPTIONED_VIDEO, captionMaxChars: null }, // inbox upload: no post_info, the caption is not sent
  },
  photo: {
    // [PP] photo_images 1–35; the title carries our caption, ≤ 90 UTF-16 runes, in both post modes
    publish: { captionMaxChars: 90, captionUnit: 'utf16', minMedia: 1, maxMedia: 35, image: PHOTO },
    draft: { captionMaxChars: 90, captionUnit: 'utf16', minMedia: 1, maxMedia: 35, image: PHOTO },
  },
};

export const tiktokRules: RulePack = {
  platform: 'tiktok',
  rulesVersion: TIKTOK_RULES_VERSION,
  kindOf: (url) => (isTikTokPhotoUrl(url) ? 'image' : 'video'),
  formatOf: (kinds: MediaKind[]) => (kinds.length > 0 && kinds.every((k) => k === 'image') ? 'photo' : 'video'),
  rules: (format, mode) => RULES[format as 'video' | 'photo']?.[mode] ?? null,
};
