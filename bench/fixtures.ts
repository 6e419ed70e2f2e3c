import { randomBytes } from 'node:crypto';
import { type Insertable, sql } from 'kysely';
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

/**
 * A project of `count` accounts, inserted by one generate_series statement (100,000 in seconds),
 * in connection order. The mix the filtered lists read: every 10th on instagram, 1 in 100
 * disconnected, 1 in 100 leased, none reauth_required (the no-match filter). No tokens: a list
 * never reads them.
 */
export async function bulkProject(ctx: AdminCtx, tenant: BenchTenant, count: number) {
  const project = await admin.createProject(ctx, {
    organizationId: tenant.organizationId,
    name: `Bench ${count} accounts`,
    timezone: 'UTC',
  });
  await bulkAccounts(ctx.db, tenant.organizationId, project.projectId, count, new Date());
  return project;
}

async function bulkAccounts(db: Db, organizationId: string, projectId: string, count: number, from: Date) {
  await sql`
    INSERT INTO social_accounts (id, organization_id, env, project_id, platform, external_account_id, handle,
      status, leased, connected_at, disconnected_at, disconnected_reason, created_at, updated_at)
    SELECT 'sa_' || gen_random_uuid(), ${organizationId}, 'test', ${projectId},
      CASE WHEN i % 10 = 0 THEN 'instagram' ELSE 'tiktok' END, 'bulk_' || i, 'bulk_' || i,
      CASE WHEN i % 100 = 1 THEN 'disconnected' ELSE 'connected' END, i % 100 = 2, t,
      CASE WHEN i % 100 = 1 THEN t END, CASE WHEN i % 100 = 1 THEN 'revoked_by_partner' END, t, t
    FROM generate_series(1, ${count}::int) AS i,
      LATERAL (SELECT ${from}::timestamptz + i * interval '1 millisecond' AS t) AS at`.execute(db);
}

/**
 * Ages a project's table: `rows` accounts inserted after its existing ones (so they sit behind
 * its first page in list order) and deleted again, leaving that many dead rows and index entries.
 */
export async function ageProject(db: Db, tenant: BenchTenant, projectId: string, rows: number) {
  await bulkAccounts(db, tenant.organizationId, projectId, rows, new Date(Date.now() + 3600_000));
  await sql`DELETE FROM social_accounts WHERE project_id = ${projectId} AND created_at > now()`.execute(db);
}
