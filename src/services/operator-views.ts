import { toWire } from '../clock.js';
import {
  findAccountsByIdOrHandle,
  listFailingEndpoints,
  listOperatorAuditRows,
  listQueuedPostsOfAccount,
  organizationProjects,
  readGlobalKillSwitch,
  searchOrganizations,
} from '../db/queries/operator.js';
import { findOrganization } from '../db/queries/organizations.js';
import { FAILING_QUEUES, QUEUE_NAMES, queueDepth, queueFailuresByHour } from '../db/queries/queue-depths.js';
import { findSocialAccountById } from '../db/queries/social-accounts.js';
import { listDeliveryRows } from '../db/queries/webhook-deliveries.js';
import { notFound } from '../http/errors.js';
import { listApiKeys } from './admin-api-keys.js';
import type { AdminCtx } from './admin-context.js';
import { getSocialAccount } from './social-accounts.js';
import { deliveryView } from './webhook-deliveries.js';

// What the operator reads across organizations: the console's pages and /admin/v1's lookups
// (src/routes/admin-operator.ts) call these same functions.

const HOURS = 24;
const HOUR_MS = 3600_000;

/**
 * The queues the metrics expose (depth, oldest age), their failures in the last hour and per hour
 * over the last 24 (the last bucket is the hour up to now), the global kill switch, and the
 * operator's latest actions.
 */
export async function operatorOverview(ctx: AdminCtx) {
  const now = ctx.clock.now();
  const from = new Date(now.getTime() - HOURS * HOUR_MS);
  const byHour = await queueFailuresByHour(ctx.db, from, HOURS);
  const queues = [];
  for (const queue of QUEUE_NAMES) {
    const { depth, oldestAgeSeconds } = await queueDepth(ctx.db, queue, now);
    const failing = FAILING_QUEUES.find((q) => q === queue);
    const series = failing ? byHour[failing] : null;
    queues.push({
      queue,
      depth,
      oldestAgeSeconds: Math.round(oldestAgeSeconds),
      failedLastHour: series ? series[HOURS - 1]! : null,
      failuresByHour: series,
    });
  }
  const recent = await listOperatorAuditRows(ctx.db, 10);
  return {
    globalKillSwitch: await readGlobalKillSwitch(ctx.db),
    at: toWire(now),
    hoursFrom: toWire(from),
    queues,
    recentActions: recent.map((r) => ({
      action: r.action,
      via: r.via,
      organizationId: r.organization_id,
      target: r.target,
      data: r.data as Record<string, unknown>,
      at: toWire(r.created_at),
    })),
  };
}

export async function findOrganizations(ctx: AdminCtx, q?: string) {
  const rows = await searchOrganizations(ctx.db, q);
  return {
    items: rows.map((o) => ({
      organizationId: o.id,
      name: o.name,
      killSwitch: o.kill_switch,
      activeKeys: Number(o.active_keys ?? 0),
      createdAt: toWire(o.created_at),
    })),
  };
}

/** One organization: its kill switch, its keys masked (as `layers admin key list`), its projects. */
export async function organizationDetail(ctx: AdminCtx, organizationId: string) {
  const org = await findOrganization(ctx.db, organizationId);
  if (!org) throw notFound('organization', organizationId, '');
  const projects = await organizationProjects(ctx.db, org.id);
  return {
    organizationId: org.id,
    name: org.name,
    killSwitch: org.kill_switch,
    createdAt: toWire(org.created_at),
    apiKeys: (await listApiKeys(ctx, { organizationId: org.id, limit: 100 })).items,
    projects: projects.map((p) => ({
      projectId: p.id,
      name: p.name,
      status: p.status,
      accounts: { connected: p.connected, reauthRequired: p.reauth_required, disconnected: p.disconnected },
      createdAt: toWire(p.created_at),
    })),
  };
}

export async function findSocialAccounts(ctx: AdminCtx, q: string) {
  const rows = q.trim() ? await findAccountsByIdOrHandle(ctx.db, q) : [];
  return {
    items: rows.map((a) => ({
      socialAccountId: a.id,
      handle: a.handle,
      platform: a.platform,
      status: a.status,
      env: a.env,
      leased: a.leased,
      organizationId: a.organization_id,
      organizationName: a.organization_name,
      projectId: a.project_id,
    })),
  };
}

const QUEUED_SHOWN = 20;

/** The account as its partner sees it (the same view), with its organization and next queued posts. */
export async function socialAccountDetail(ctx: AdminCtx, socialAccountId: string) {
  const row = await findSocialAccountById(ctx.db, socialAccountId);
  if (!row?.organization_id) throw notFound('social account', socialAccountId, '');
  const principal = { organizationId: row.organization_id, env: row.env, apiKeyId: null };
  const view = await getSocialAccount({ db: ctx.db, principal }, { socialAccountId: row.id });
  const queued = await listQueuedPostsOfAccount(ctx.db, row.id, QUEUED_SHOWN);
  return {
    ...view,
    organizationId: row.organization_id,
    env: row.env,
    queuedPosts: queued.map((p) => ({
      scheduledPostId: p.id,
      scheduledFor: toWire(p.scheduled_for),
      mode: p.mode,
      retryAt: toWire(p.retry_at),
    })),
  };
}

const DELIVERIES_SHOWN = 5;

/** Endpoints paused for failing or failing now, each with its last deliveries. */
export async function failingWebhookEndpoints(ctx: AdminCtx) {
  const endpoints = await listFailingEndpoints(ctx.db);
  const items = [];
  for (const e of endpoints) {
    const deliveries = await listDeliveryRows(ctx.db, { endpointId: e.id, limit: DELIVERIES_SHOWN });
    items.push({
      webhookEndpointId: e.id,
      organizationId: e.organization_id,
      organizationName: e.organization_name,
      url: e.url,
      status: e.status,
      pausedReason: e.paused_reason,
      pausedAt: toWire(e.paused_at),
      consecutiveFailures: e.consecutive_failures,
      lastDeliveries: deliveries.map(deliveryView),
    });
  }
  return { items };
}
