import { toWire } from '../clock.js';
import { withTransaction } from '../db/client.js';
import { setKeyKillSwitch } from '../db/queries/api-keys.js';
import { insertContainer } from '../db/queries/content-containers.js';
import {
  findOrganization,
  insertOrganization,
  setGlobalKillSwitch,
  setOrganizationKillSwitch,
} from '../db/queries/organizations.js';
import { findProjectById, insertProject } from '../db/queries/projects.js';
import { insertScheduledPosts } from '../db/queries/scheduled-posts.js';
import { findSocialAccountById, insertConnectedAccount } from '../db/queries/social-accounts.js';
import { emitOperator } from '../events/emit.js';
import { ApiError, notFound } from '../http/errors.js';
import { newId } from '../ids.js';
import { type AdminCtx, actorOf, fixtureGrant } from './admin-context.js';
import { insertNewKey } from './api-key-lifecycle.js';
import { leaseFixtureAccount } from './lease-operator.js';

export async function createOrganization(ctx: AdminCtx, input: { name: string }) {
  const id = newId('org');
  const now = ctx.clock.now();
  await withTransaction(ctx.db, async (tx) => {
    await insertOrganization(tx, { id, name: input.name, createdAt: now });
    await emitOperator(tx, actorOf(ctx), now, 'organization.created', { name: input.name }, { organizationId: id });
  });
  return { organizationId: id, name: input.name, killSwitch: false, createdAt: toWire(now) };
}

export async function createApiKey(
  ctx: AdminCtx,
  input: {
    organizationId: string;
    scopes: string[];
    tier: 'standard' | 'pilot' | 'partner';
    env: 'live' | 'test';
    returnUrls: string[];
    name?: string;
  },
) {
  if (!(await findOrganization(ctx.db, input.organizationId))) throw notFound('organization', input.organizationId, '');
  const now = ctx.clock.now();
  const { key, row } = await insertNewKey(ctx.db, { ...input, name: input.name ?? null }, now);
  const id = row.id;
  return {
    apiKeyId: id,
    key,
    organizationId: input.organizationId,
    scopes: input.scopes,
    rateLimitTier: input.tier,
    env: input.env,
    returnUrlAllowlist: input.returnUrls,
    createdAt: toWire(now),
  };
}

export async function createProject(ctx: AdminCtx, input: { organizationId: string; name: string; timezone: string }) {
  if (!(await findOrganization(ctx.db, input.organizationId))) throw notFound('organization', input.organizationId, '');
  const now = ctx.clock.now();
  const p = await insertProject(ctx.db, {
    id: newId('prj'),
    organization_id: input.organizationId,
    name: input.name,
    timezone: input.timezone,
    customer_external_id: null,
    owner_email: null,
    archived_at: null,
    created_at: now,
    updated_at: now,
  });
  return {
    projectId: p.id,
    organizationId: p.organization_id,
    name: p.name,
    timezone: p.timezone,
    createdAt: toWire(now),
  };
}

/**
 * A connected account holding a sandbox token (sealed like a real one). A leased one goes through
 * the lease pool: a pool account is added and assigned, with its lease and first charge.
 */
export async function createSocialAccount(
  ctx: AdminCtx,
  input: { projectId: string; platform: 'tiktok' | 'instagram'; handle: string; leased: boolean; env: 'live' | 'test' },
) {
  const project = await findProjectById(ctx.db, input.projectId);
  if (!project) throw notFound('project', input.projectId, '');
  const now = ctx.clock.now();
  let id: string;
  if (input.leased) {
    id = await leaseFixtureAccount(ctx, input);
  } else {
    id = newId('sa');
    const { token, externalAccountId } = fixtureGrant(ctx, input.platform, input.handle);
    const expiresAt = token.expiresAt ? new Date(token.expiresAt) : null;
    const sealed = ctx.tokenCrypto.seal(id, 0, token);
    await insertConnectedAccount(ctx.db, {
      id,
      env: input.env,
      organization_id: project.organization_id,
      project_id: project.id,
      platform: input.platform,
      external_account_id: externalAccountId,
      handle: input.handle,
      avatar_url: null,
      leased: false,
      token_expires_at: expiresAt,
      token_ciphertext: sealed.ciphertext,
      token_wrapped_key: sealed.wrappedKey,
      now,
    });
  }
  return {
    socialAccountId: id,
    projectId: project.id,
    organizationId: project.organization_id,
    platform: input.platform,
    handle: input.handle,
    env: input.env,
    status: 'connected' as const,
    leased: input.leased,
    connectedAt: toWire(now),
  };
}

/** Development fixture: `count` queued posts on an account, due from `firstDueAt` an hour apart. */
export async function createQueuedPosts(
  ctx: AdminCtx,
  input: { socialAccountId: string; count: number; firstDueAt?: Date },
) {
  const account = await findSocialAccountById(ctx.db, input.socialAccountId);
  if (!account?.project_id || !account.organization_id) throw notFound('social account', input.socialAccountId, '');
  const now = ctx.clock.now();
  const first = input.firstDueAt ?? new Date(now.getTime() + 24 * 3600 * 1000);
  const ids = await withTransaction(ctx.db, async (tx) => {
    const containerId = newId('cnt');
    await insertContainer(tx, {
      id: containerId,
      organization_id: account.organization_id!,
      env: account.env,
      project_id: account.project_id!,
      status: 'completed',
      creative_type: 'uploaded',
      media: JSON.stringify(['https://example.com/fixture.mp4']),
      caption: 'Fixture post',
      created_at: now,
      updated_at: now,
    });
    const rows = Array.from({ length: input.count }, (_, i) => ({
      id: newId('sp'),
      organization_id: account.organization_id!,
      env: account.env,
      project_id: account.project_id!,
      container_id: containerId,
      social_account_id: account.id,
      mode: 'publish' as const,
      status: 'queued' as const,
      caption_override: null,
      scheduled_for: new Date(first.getTime() + i * 3600 * 1000),
      created_at: now,
      updated_at: now,
    }));
    return (await insertScheduledPosts(tx, rows)).map((r) => r.id);
  });
  return { socialAccountId: account.id, scheduledPostIds: ids };
}

export async function setKillSwitch(
  ctx: AdminCtx,
  input: { scope: 'global' | 'organization' | 'key'; target?: string; on: boolean },
) {
  const now = ctx.clock.now();
  const { scope, target, on } = input;
  if (scope !== 'global' && !target)
    throw new ApiError('UNPROCESSABLE', `target is required for scope ${scope}.`, {
      issues: [{ path: 'target', message: 'required' }],
    });
  const organizationId = await withTransaction(ctx.db, async (tx) => {
    let organizationId: string | null = null;
    if (scope === 'global') {
      await setGlobalKillSwitch(tx, on, now);
    } else {
      const row =
        scope === 'organization'
          ? await setOrganizationKillSwitch(tx, target!, on)
          : await setKeyKillSwitch(tx, null, target!, on, now);
      if (!row) throw notFound(scope, target!, '');
      organizationId = 'organization_id' in row ? (row.organization_id as string) : row.id;
    }
    await emitOperator(tx, actorOf(ctx), now, 'kill_switch.set', { scope, on }, { organizationId, target });
    return organizationId;
  });
  // organizationId: the organization switched, or the key's (null for the global switch).
  return { scope, target: target ?? null, organizationId, killSwitch: on, updatedAt: toWire(now) };
}
