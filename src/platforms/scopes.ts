import type { Platform } from '../db/schema.js';

// The OAuth scopes each platform defines: what an authorize URL may ask for. A scope the
// platform does not know fails the user's consent screen, so `oauth-url` refuses it up front
// (422 at `scopes`) and the sandbox platform refuses it as the platforms do (`invalid_scope`).
// TikTok: Login Kit v2 and the Content Posting API. Instagram: the Instagram API with Instagram
// Login ("instagram_business_*").

export const PLATFORM_SCOPES: Record<Platform, readonly string[]> = {
  tiktok: ['user.info.basic', 'user.info.profile', 'user.info.stats', 'video.list', 'video.publish', 'video.upload'],
  instagram: [
    'instagram_business_basic',
    'instagram_business_content_publish',
    'instagram_business_manage_comments',
    'instagram_business_manage_insights',
    'instagram_business_manage_messages',
  ],
};

/** What is asked for when a partner names no scopes: reading the profile and publishing. */
export const DEFAULT_SCOPES: Record<Platform, readonly string[]> = {
  tiktok: ['user.info.basic', 'video.publish', 'video.upload'],
  instagram: ['instagram_business_basic', 'instagram_business_content_publish'],
};

/** The scopes in `scopes` that `platform` does not define, in request order, each once. */
export function unknownScopes(platform: Platform, scopes: readonly string[]): string[] {
  return [...new Set(scopes.filter((s) => !PLATFORM_SCOPES[platform].includes(s)))];
}
