import assert from 'node:assert/strict';
import { type Harness, json, type Tenant } from '../../harness.js';

/** The approval routes as a partner calls them, for the approval tests. */
export function approvalApi(h: Harness) {
  const call = (t: Tenant, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, extra = {}) =>
    h.inject({
      method,
      url,
      headers: { ...t.auth, ...extra },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const api = {
    call,
    policy: (t: Tenant, projectId = t.projectId) => call(t, 'GET', `/v1/projects/${projectId}/approval-policy`),
    setPolicy: (t: Tenant, body: unknown, projectId = t.projectId) =>
      call(t, 'PATCH', `/v1/projects/${projectId}/approval-policy`, body),
    async requireApproval(t: Tenant) {
      const res = await api.setPolicy(t, { requiresApproval: true });
      assert.equal(res.statusCode, 200, res.body);
    },
    async upload(t: Tenant) {
      const res = await call(t, 'POST', `/v1/projects/${t.projectId}/content/upload`, {
        media: ['https://cdn.example.com/clip.mp4'],
        caption: 'For approval',
      });
      assert.equal(res.statusCode, 201, res.body);
      return json(res) as { id: string; approvalStatus: string };
    },
    approve: (t: Tenant, id: string, body?: unknown, extra = {}) =>
      call(t, 'POST', `/v1/content/${id}/approve`, body, extra),
    reject: (t: Tenant, id: string, body: unknown = { reason: 'Off brand' }, extra = {}) =>
      call(t, 'POST', `/v1/content/${id}/reject`, body, extra),
    schedule: (t: Tenant, id: string, accounts: string[], scheduledFor: string, extra = {}) =>
      call(
        t,
        'POST',
        `/v1/content/${id}/schedule`,
        { scheduledFor, targets: accounts.map((socialAccountId) => ({ socialAccountId, mode: 'publish' })) },
        extra,
      ),
    publish: (t: Tenant, id: string, accounts: string[]) =>
      call(t, 'POST', `/v1/content/${id}/publish`, {
        targets: accounts.map((socialAccountId) => ({ socialAccountId, mode: 'publish' })),
      }),
    revoke: (t: Tenant, id: string) =>
      h.inject({ method: 'DELETE', url: `/v1/social-accounts/${id}`, headers: t.auth }),
    /** Queued posts of the organization whose account is disconnected: must always be none. */
    async strandedPosts(organizationId: string) {
      return h.db
        .selectFrom('scheduled_posts as p')
        .innerJoin('social_accounts as a', 'a.id', 'p.social_account_id')
        .select('p.id')
        .where('p.organization_id', '=', organizationId)
        .where('p.status', '=', 'queued')
        .where('a.status', '<>', 'connected')
        .execute();
    },
    async intentStatuses(containerId: string) {
      const rows = await h.db
        .selectFrom('schedule_intents')
        .select('status')
        .where('container_id', '=', containerId)
        .execute();
      return rows.map((r) => r.status).sort();
    },
  };
  return api;
}

export const inAnHour = () => new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
