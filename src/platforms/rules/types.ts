import type { Platform } from '../types.js';

// The shapes of a platform's rule pack (docs/platform-rules.md). Limits are the platforms'
// published figures; each pack names its sources beside them.

export type PostMode = 'publish' | 'draft';

/** Limits for one kind of media item (an image or a video) in one format. */
export type MediaLimits = {
  contentTypes: readonly string[];
  maxSizeBytes: number;
  minDurationMs?: number;
  maxDurationMs?: number;
  /** width / height, inclusive. */
  minAspectRatio?: number;
  maxAspectRatio?: number;
  minWidth?: number;
  maxWidth?: number;
  minHeight?: number;
  maxHeight?: number;
};

/** How a caption is counted: code points, or UTF-16 units (TikTok's "UTF-16 runes"). */
export type CaptionUnit = 'codepoints' | 'utf16';

export type FormatRules = {
  /** null: the adapter does not send the caption in this format (a warning, not an issue). */
  captionMaxChars: number | null;
  captionUnit: CaptionUnit;
  maxHashtags?: number;
  maxMentions?: number;
  minMedia: number;
  maxMedia: number;
  image?: MediaLimits;
  video?: MediaLimits;
};

/** An item as the adapter will send it: by its URL, as src/platforms/{tiktok,instagram}.ts decide. */
export type MediaKind = 'image' | 'video';

export type RulePack = {
  platform: Platform;
  rulesVersion: string;
  /** The format a post takes on the platform, decided by its media the way the adapter decides. */
  formatOf(kinds: MediaKind[]): string;
  kindOf(url: string): MediaKind;
  /** The rules for a format and mode, or null when the platform cannot take the mode (no drafts). */
  rules(format: string, mode: PostMode): FormatRules | null;
};

/** What we know of one media item: declared at upload, and what a HEAD/range read of its URL said. */
export type MediaFacts = {
  url: string;
  contentType: string | null;
  sizeBytes: number | null;
  durationMs: number | null;
  width: number | null;
  height: number | null;
  probe: { probed: boolean; contentType: string | null; sizeBytes: number | null };
};

export type RuleIssue = {
  code: string;
  path: string;
  limit: unknown;
  actual: unknown;
  platform: Platform;
  rulesVersion: string;
  message: string;
};

/** A check that could not be made: the platform may still refuse the post for it. */
export type RuleWarning = { code: string; path: string; platform: Platform; rulesVersion: string; message: string };
