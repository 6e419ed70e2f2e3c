import { randomBytes } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { TokenCrypto } from '../src/crypto/token-envelope.js';
import type { Db } from '../src/db/client.js';
import { insertContainer } from '../src/db/queries/content-containers.js';
import { insertScheduledPosts } from '../src/db/queries/scheduled-posts.js';
import type { SocialAccountsTable } from '../src/db/schema.js';
import { newId } from '../src/ids.js';
import * as admin from '../src/services/admin.js';
import type { AdminCtx } from '../src/services/admin-context.js';

export type BenchTenant = { organizationId: string; apiKeyId: string; key: string; projectId: string };

// Multi-row VALUES binds 20 parameters a row: 1,000 rows stay far below PostgreSQL's 65,535.
const ACCOUNT_CHUNK = 1000;

export const KEY_SETTINGS = { scopes: ['*'], tier: 'partner', env: 'test', returnUrls: [] } as const satisfies Partial<
  Parameters<typeof admin.createApiKey>[1]
>;

/** One organization with an all-scope partner-tier key and one project, as the admin plane makes them. */
export async function createTenant(ctx: AdminCtx, name: string): Promise<BenchTenant> {
  const org = await admin.createOrganization(ctx, { name });
  const key = await admin.createApiKey(ctx, { ...KEY_SETTINGS, organizationId: org.organizationId });
  const project = await admin.createProject(ctx, { organizationId: org.organizationId, name, timezone: 'UTC' });
  return { organizationId: org.organizationId, apiKeyId: key.apiKeyId, key: key.key, projectId: project.projectId };
}

/**
 * `count` connected accounts, each holding a sealed token (so a revoke enqueues its upstream
 * revocation, as in production) and `postsEach` queued posts — set-based: a few statements
 * whatever the count, so fixtures for thousands of revokes take a second, not minutes.
 */
export async function createConnectedAccounts(
  db: Db,
  tokenCrypto: TokenCrypto,
  tenant: BenchTenant,
  input: { count: number; postsEach: number },
): Promise<string[]> {
  const now = new Date();
  const expiresAt = new Date(now.getTime() + 24 * 3600 * 1000);
  const accounts: Insertable<SocialAccountsTable>[] = Array.from({ length: input.count }, (_, i) => {
    const id = newId('sa');
    const sealed = tokenCrypto.seal(id, 0, {
      accessToken: `sbx_at_${randomBytes(24).toString('base64url')}`,
      expiresAt: expiresAt.toISOString(),
    });
    return {
      id,
      organization_id: tenant.organizationId,
      project_id: tenant.projectId,
      platform: 'tiktok',
      external_account_id: `sbx_${randomBytes(8).toString('hex')}`,
      handle: `bench_${i}`,
      avatar_url: null,
      status: 'connected',
      leased: false,
      connected_at: now,
      token_expires_at: expiresAt,
      disconnected_at: null,
      disconnected_reason: null,
      token_ciphertext: sealed.ciphertext,
      token_wrapped_key: sealed.wrappedKey,
      created_at: now,
      updated_at: now,
    };
  });
  for (let i = 0; i < accounts.length; i += ACCOUNT_CHUNK) {
    await db
      .insertInto('social_accounts')
      .values(accounts.slice(i, i + ACCOUNT_CHUNK))
      .execute();
  }
  if (input.postsEach > 0) {
    const containerId = newId('cnt');
    await insertContainer(db, {
      id: containerId,
      organization_id: tenant.organizationId,
      env: 'test',
      project_id: tenant.projectId,
      status: 'completed',
      creative_type: 'uploaded',
      media: JSON.stringify(['https://example.com/bench.mp4']),
      caption: 'Bench post',
      created_at: now,
      updated_at: now,
    });
    const first = now.getTime() + 24 * 3600 * 1000;
    const posts = accounts.flatMap((a) =>
      Array.from({ length: input.postsEach }, (_, j) => ({
        id: newId('sp'),
        organization_id: tenant.organizationId,
        env: 'test' as const,
        project_id: tenant.projectId,
        container_id: containerId,
        social_account_id: a.id,
        mode: 'publish' as const,
        status: 'queued' as const,
        caption_override: null,
        scheduled_for: new Date(first + j * 60_000),
        external_id: null,
        external_url: null,
        attempted_at: null,
        published_at: null,
        canceled_at: null,
        cancel_reason: null,
        last_error: null,
        claimed_token_version: null,
        created_at: now,
        updated_at: now,
      })),
    );
    await insertScheduledPosts(db, posts);
  }
  return accounts.map((a) => a.id);
}
