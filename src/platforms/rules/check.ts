import type { FormatRules, MediaFacts, MediaLimits, PostMode, RuleIssue, RulePack, RuleWarning } from './types.js';

// One post checked against a rule pack: pure, no I/O. Issues are limits broken by what we know;
// warnings are checks we could not make for want of metadata (the platform may still refuse).

export type PostFacts = {
  mode: PostMode;
  caption: string | null;
  /** Where the caption came from: `caption` (the content's) or `targets.N.captionOverride`. */
  captionPath: string;
  /** Where the mode came from, e.g. `targets.0.mode`. */
  modePath: string;
  media: MediaFacts[];
};

export type PostCheck = { format: string; issues: RuleIssue[]; warnings: RuleWarning[] };

const HASHTAG = /(^|[^\p{L}\p{N}_&])#[\p{L}\p{N}_]+/gu;
const MENTION = /(^|[^\p{L}\p{N}_.])@[A-Za-z0-9._]+/gu;

/** The media type without parameters, lower-cased: `Video/MP4; codecs=x` → `video/mp4`. */
export const mediaType = (contentType: string | null) =>
  contentType ? contentType.split(';')[0]!.trim().toLowerCase() || null : null;
/** A probed type that says something (CDNs answer application/octet-stream for anything). */
const telling = (type: string | null) => (type && /^(image|video)\//.test(type) ? type : null);

function captionLength(caption: string, unit: FormatRules['captionUnit']) {
  return unit === 'utf16' ? caption.length : [...caption].length;
}

export function checkPost(pack: RulePack, post: PostFacts): PostCheck {
  const kinds = post.media.map((m) => pack.kindOf(m.url));
  const format = pack.formatOf(kinds);
  const issues: RuleIssue[] = [];
  const warnings: RuleWarning[] = [];
  const { platform, rulesVersion } = pack;
  const issue = (code: string, path: string, limit: unknown, actual: unknown, message: string) =>
    issues.push({ code, path, limit, actual, platform, rulesVersion, message });
  const warn = (code: string, path: string, message: string) =>
    warnings.push({ code, path, platform, rulesVersion, message });

  const rules = pack.rules(format, post.mode);
  if (!rules) {
    issue('MODE_UNSUPPORTED', post.modePath, ['publish'], post.mode, `${platform} cannot take a ${post.mode} post`);
    return { format, issues, warnings };
  }
  checkCaption(rules, post, issue, warn);
  const count = post.media.length;
  if (count < rules.minMedia || count > rules.maxMedia) {
    const limit = { min: rules.minMedia, max: rules.maxMedia };
    issue(
      'MEDIA_COUNT_OUT_OF_RANGE',
      'media',
      limit,
      count,
      `a ${platform} ${format} post takes ${limit.min}–${limit.max} media`,
    );
  }
  post.media.forEach((m, i) => {
    // A format with one kind of media sends every item as that kind (TikTok's video post sends its
    // first URL as the video whatever it is); a carousel sends each as its URL says.
    const kind = rules[kinds[i]!] ? kinds[i]! : rules.video ? 'video' : 'image';
    checkMedia(rules[kind]!, m, `media.${i}`, kind, issue, warn);
  });
  return { format, issues, warnings };
}

type Issue = (code: string, path: string, limit: unknown, actual: unknown, message: string) => void;
type Warn = (code: string, path: string, message: string) => void;

function checkCaption(rules: FormatRules, post: PostFacts, issue: Issue, warn: Warn) {
  const caption = post.caption ?? '';
  const path = post.captionPath;
  if (rules.captionMaxChars === null) {
    if (caption) warn('CAPTION_NOT_SENT', path, 'the platform takes no caption for this post; it is not sent');
    return;
  }
  const length = captionLength(caption, rules.captionUnit);
  if (length > rules.captionMaxChars) {
    const unit = rules.captionUnit === 'utf16' ? 'UTF-16 units' : 'characters';
    issue('CAPTION_TOO_LONG', path, rules.captionMaxChars, length, `at most ${rules.captionMaxChars} ${unit}`);
  }
  const hashtags = caption.match(HASHTAG)?.length ?? 0;
  if (rules.maxHashtags !== undefined && hashtags > rules.maxHashtags)
    issue('HASHTAG_LIMIT_EXCEEDED', path, rules.maxHashtags, hashtags, `at most ${rules.maxHashtags} hashtags`);
  const mentions = caption.match(MENTION)?.length ?? 0;
  if (rules.maxMentions !== undefined && mentions > rules.maxMentions)
    issue('MENTION_LIMIT_EXCEEDED', path, rules.maxMentions, mentions, `at most ${rules.maxMentions} @mentions`);
}

function checkMedia(limits: MediaLimits, m: MediaFacts, path: string, kind: string, issue: Issue, warn: Warn) {
  // Content type: a telling probed type wins; a declared one that disagrees with it is an issue.
  const declaredType = mediaType(m.contentType);
  const probedType = telling(mediaType(m.probe.contentType));
  if (declaredType && probedType && declaredType !== probedType)
    issue('MEDIA_TYPE_MISMATCH', `${path}.contentType`, probedType, declaredType, `the URL serves ${probedType}`);
  const type = probedType ?? declaredType;
  if (!type) warn('UNKNOWN_CONTENT_TYPE', `${path}.contentType`, 'no content type declared or probed');
  else if (!limits.contentTypes.includes(type))
    issue(
      'MEDIA_TYPE_UNSUPPORTED',
      `${path}.contentType`,
      limits.contentTypes,
      type,
      `sent as ${kind} (by its URL); takes ${limits.contentTypes.join(', ')}`,
    );

  // Size: the probed length is what the platform will fetch; a declared size that disagrees is an issue.
  if (m.sizeBytes !== null && m.probe.sizeBytes !== null && m.sizeBytes !== m.probe.sizeBytes)
    issue(
      'MEDIA_SIZE_MISMATCH',
      `${path}.sizeBytes`,
      m.probe.sizeBytes,
      m.sizeBytes,
      `the URL serves ${m.probe.sizeBytes} bytes`,
    );
  const size = m.probe.sizeBytes ?? m.sizeBytes;
  if (size === null) warn('UNKNOWN_SIZE', `${path}.sizeBytes`, 'no size declared or probed');
  else if (size > limits.maxSizeBytes)
    issue('MEDIA_TOO_LARGE', `${path}.sizeBytes`, limits.maxSizeBytes, size, `at most ${limits.maxSizeBytes} bytes`);

  if (limits.minDurationMs !== undefined || limits.maxDurationMs !== undefined) {
    const d = m.durationMs;
    if (d === null) warn('UNKNOWN_DURATION', `${path}.durationMs`, 'no duration declared');
    else if (limits.minDurationMs !== undefined && d < limits.minDurationMs)
      issue('MEDIA_TOO_SHORT', `${path}.durationMs`, limits.minDurationMs, d, `at least ${limits.minDurationMs} ms`);
    else if (limits.maxDurationMs !== undefined && d > limits.maxDurationMs)
      issue('MEDIA_TOO_LONG', `${path}.durationMs`, limits.maxDurationMs, d, `at most ${limits.maxDurationMs} ms`);
  }
  checkDimensions(limits, m, path, issue, warn);
}

function checkDimensions(limits: MediaLimits, m: MediaFacts, path: string, issue: Issue, warn: Warn) {
  const { width, height } = m;
  const bounds = [
    limits.minAspectRatio,
    limits.maxAspectRatio,
    limits.minWidth,
    limits.maxWidth,
    limits.minHeight,
    limits.maxHeight,
  ];
  if (bounds.every((b) => b === undefined)) return;
  if (width === null || height === null) warn('UNKNOWN_DIMENSIONS', `${path}.width`, 'width and height not declared');
  if (width !== null && height !== null) {
    const ratio = width / height;
    const min = limits.minAspectRatio ?? 0;
    const max = limits.maxAspectRatio ?? Number.POSITIVE_INFINITY;
    if (ratio < min || ratio > max)
      issue(
        'ASPECT_RATIO_OUT_OF_RANGE',
        `${path}.width`,
        { min, max },
        Math.round(ratio * 10_000) / 10_000,
        `width/height must be ${min}–${max}`,
      );
  }
  const side = (field: 'width' | 'height', value: number | null, lo?: number, hi?: number) => {
    if (value === null) return;
    if (lo !== undefined && value < lo)
      issue('RESOLUTION_TOO_LOW', `${path}.${field}`, lo, value, `${field} at least ${lo} px`);
    if (hi !== undefined && value > hi)
      issue('RESOLUTION_TOO_HIGH', `${path}.${field}`, hi, value, `${field} at most ${hi} px`);
  };
  side('width', width, limits.minWidth, limits.maxWidth);
  side('height', height, limits.minHeight, limits.maxHeight);
}
