import type { Platform } from '../types.js';
import { instagramRules } from './instagram.js';
import { tiktokRules } from './tiktok.js';
import type { RulePack } from './types.js';

// The rule packs in force, one per platform (docs/platform-rules.md). A pack's rulesVersion
// changes whenever one of its figures does, so an answer says which rules judged it.

export const RULE_PACKS: Record<Platform, RulePack> = { tiktok: tiktokRules, instagram: instagramRules };

export { checkPost, mediaType, type PostCheck, type PostFacts } from './check.js';
export type { MediaFacts, RuleIssue, RuleWarning } from './types.js';
