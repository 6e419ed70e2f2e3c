import * as admin from './admin.js';
import type { AdminCtx } from './admin-context.js';

/**
 * `layers serve --demo`: an organization, an all-scope test key, a project, a connected TikTok
 * account with 4 queued posts and a leased account — what the API reference's examples use.
 */
export async function seedDemo(ctx: AdminCtx, baseUrl: string) {
  const org = await admin.createOrganization(ctx, { name: 'Demo Agency' });
  const key = await admin.createApiKey(ctx, {
    organizationId: org.organizationId,
    scopes: ['*'],
    tier: 'standard',
    env: 'test',
    returnUrls: ['localhost', 'example.com'],
    name: 'demo',
  });
  const project = await admin.createProject(ctx, {
    organizationId: org.organizationId,
    name: 'Demo Customer',
    timezone: 'UTC',
  });
  // Everything of the demo is in the test environment, like its key: the sandbox platform, never a real account.
  const account = await admin.createSocialAccount(ctx, {
    projectId: project.projectId,
    platform: 'tiktok',
    handle: 'demo.creator',
    leased: false,
    env: 'test',
  });
  await admin.createQueuedPosts(ctx, { socialAccountId: account.socialAccountId, count: 4 });
  const leased = await admin.createSocialAccount(ctx, {
    projectId: project.projectId,
    platform: 'instagram',
    handle: 'demo.leased',
    leased: true,
    env: 'test',
  });
  return {
    baseUrl,
    apiKey: key.key,
    organizationId: org.organizationId,
    projectId: project.projectId,
    socialAccountId: account.socialAccountId,
    leasedSocialAccountId: leased.socialAccountId,
  };
}
