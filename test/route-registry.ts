import { insertOrganization } from '../src/db/queries/organizations.js';
import type { EndpointClass } from '../src/http/guards/rate-limit.js';
import type { RouteScope } from '../src/http/scopes.js';
import { newId } from '../src/ids.js';
import { createContainer } from './content-fixtures.js';
import type { Harness, Tenant } from './harness.js';
import { webhookDeliveryFixture, webhookEndpointFixture } from './webhooks/fixtures.js';

/**
 * Every /v1 route, for the shared guard matrix (test/guard-matrix.test.ts). A route added to the
 * app without an entry here fails the matrix's completeness check: register it here.
 */
export type RouteCase = {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** The route as the OpenAPI document names it. */
  route: string;
  scope?: RouteScope;
  rateClass: EndpointClass;
  /** A concrete path for tenant t, creating what it names. */
  path: (h: Harness, t: Tenant) => Promise<string>;
  /** The path names a resource of t's organization: another organization must get 404. */
  owned: boolean;
  payload?: unknown;
};

const MATRIX_UUID = '00000000-0000-4000-8000-000000000000';

/** A new child organization of t's, inserted directly. */
export async function childOrganization(h: Harness, t: Tenant) {
  const row = await insertOrganization(h.db, {
    id: newId('org'),
    name: 'Matrix child',
    createdAt: h.clock.now(),
    parentOrganizationId: t.organizationId,
  });
  return row.id;
}

export const ROUTES: RouteCase[] = [
  {
    method: 'GET',
    route: '/v1/whoami',
    rateClass: 'read-light',
    owned: false,
    path: async () => '/v1/whoami',
  },
  {
    method: 'POST',
    route: '/v1/api-keys/{keyId}/kill',
    rateClass: 'write-light',
    owned: true,
    path: async (h, t) => `/v1/api-keys/${(await h.key(t, ['social:read'])).apiKeyId}/kill`,
  },
  {
    method: 'POST',
    route: '/v1/organizations/{orgId}/api-keys',
    scope: 'org:admin',
    rateClass: 'write-light',
    owned: true,
    path: async (_h, t) => `/v1/organizations/${t.organizationId}/api-keys`,
    payload: { name: 'Matrix key', scopes: ['social:read'], env: 'test' },
  },
  {
    method: 'GET',
    route: '/v1/organizations/{orgId}/api-keys',
    scope: 'org:admin',
    rateClass: 'read-light',
    owned: true,
    path: async (_h, t) => `/v1/organizations/${t.organizationId}/api-keys`,
  },
  {
    method: 'DELETE',
    route: '/v1/organizations/{orgId}/api-keys/{keyId}',
    scope: 'org:admin',
    rateClass: 'write-light',
    owned: true,
    path: async (h, t) =>
      `/v1/organizations/${t.organizationId}/api-keys/${(await h.key(t, ['social:read'])).apiKeyId}`,
  },
  {
    // Any key may rotate itself; another key of its organization needs org:admin (tested in api-key-rotation).
    method: 'POST',
    route: '/v1/api-keys/{keyId}/rotate',
    rateClass: 'write-light',
    owned: true,
    path: async (h, t) => `/v1/api-keys/${(await h.key(t, ['social:read'])).apiKeyId}/rotate`,
  },
  {
    method: 'POST',
    route: '/v1/organizations',
    scope: 'org:admin',
    rateClass: 'write-light',
    owned: false,
    path: async () => '/v1/organizations',
    payload: { name: 'Matrix child' },
  },
  {
    method: 'GET',
    route: '/v1/organizations',
    scope: 'org:admin',
    rateClass: 'read-light',
    owned: false,
    path: async () => '/v1/organizations',
  },
  ...(
    [
      ['GET', '/v1/organizations/{orgId}', '', 'read-light', undefined],
      ['PATCH', '/v1/organizations/{orgId}', '', 'write-light', { name: 'Renamed child' }],
      ['DELETE', '/v1/organizations/{orgId}', '', 'write-light', undefined],
      ['POST', '/v1/organizations/{orgId}/suspend', '/suspend', 'write-light', undefined],
      ['POST', '/v1/organizations/{orgId}/resume', '/resume', 'write-light', undefined],
    ] as const
  ).map(
    ([method, route, suffix, rateClass, payload]): RouteCase => ({
      // A direct child of t (made without a request, so it spends none of t's budget); another
      // organization, a sibling child included, gets 404.
      method,
      route,
      scope: 'org:admin',
      rateClass,
      owned: true,
      path: async (h, t) => `/v1/organizations/${await childOrganization(h, t)}${suffix}`,
      ...(payload && { payload }),
    }),
  ),
  {
    method: 'GET',
    route: '/v1/audit-log',
    rateClass: 'read-light',
    owned: false,
    path: async () => '/v1/audit-log',
  },
  {
    method: 'GET',
    route: '/v1/social-accounts/{socialAccountId}',
    scope: 'social:read',
    rateClass: 'read-light',
    owned: true,
    path: async (h, t) => `/v1/social-accounts/${await h.account(t)}`,
  },
  {
    method: 'GET',
    route: '/v1/social-accounts/{socialAccountId}/quota',
    scope: 'social:read',
    rateClass: 'read-light',
    owned: true,
    path: async (h, t) => `/v1/social-accounts/${await h.account(t)}/quota`,
  },
  {
    method: 'DELETE',
    route: '/v1/social-accounts/{socialAccountId}',
    scope: 'social:write',
    rateClass: 'write-light',
    owned: true,
    path: async (h, t) => `/v1/social-accounts/${await h.account(t)}`,
  },
  {
    method: 'GET',
    route: '/v1/social-accounts/{socialAccountId}/test-faults',
    scope: 'social:read',
    rateClass: 'read-light',
    owned: true,
    path: async (h, t) => `/v1/social-accounts/${await h.account(t)}/test-faults`,
  },
  {
    method: 'PUT',
    route: '/v1/social-accounts/{socialAccountId}/test-faults',
    scope: 'social:write',
    rateClass: 'write-light',
    owned: true,
    path: async (h, t) => `/v1/social-accounts/${await h.account(t)}/test-faults`,
    payload: { faults: [{ fault: 'server_error' }] },
  },
  {
    method: 'DELETE',
    route: '/v1/social-accounts/{socialAccountId}/test-faults',
    scope: 'social:write',
    rateClass: 'write-light',
    owned: true,
    path: async (h, t) => `/v1/social-accounts/${await h.account(t)}/test-faults`,
  },
  {
    method: 'POST',
    route: '/v1/projects',
    scope: 'projects:write',
    rateClass: 'write-light',
    owned: false,
    path: async () => '/v1/projects',
    payload: { name: 'Matrix project', timezone: 'UTC' },
  },
  {
    method: 'GET',
    route: '/v1/projects',
    scope: 'projects:read',
    rateClass: 'read-light',
    owned: false,
    path: async () => '/v1/projects',
  },
  {
    method: 'GET',
    route: '/v1/projects/{projectId}',
    scope: 'projects:read',
    rateClass: 'read-light',
    owned: true,
    path: async (_h, t) => `/v1/projects/${t.projectId}`,
  },
  {
    method: 'PATCH',
    route: '/v1/projects/{projectId}',
    scope: 'projects:write',
    rateClass: 'write-light',
    owned: true,
    path: async (_h, t) => `/v1/projects/${t.projectId}`,
    payload: { name: 'Renamed' },
  },
  {
    method: 'DELETE',
    route: '/v1/projects/{projectId}',
    scope: 'projects:write',
    rateClass: 'write-light',
    owned: true,
    path: async (_h, t) => `/v1/projects/${t.projectId}`,
  },
  {
    method: 'GET',
    route: '/v1/projects/{projectId}/social-accounts',
    scope: 'social:read',
    rateClass: 'read-light',
    owned: true,
    path: async (_h, t) => `/v1/projects/${t.projectId}/social-accounts`,
  },
  {
    method: 'POST',
    route: '/v1/projects/{projectId}/content/upload',
    scope: 'content:write',
    rateClass: 'write-light',
    owned: true,
    path: async (_h, t) => `/v1/projects/${t.projectId}/content/upload`,
    payload: { media: ['https://cdn.example.com/a.mp4'], caption: 'Hi' },
  },
  {
    method: 'GET',
    route: '/v1/content/{containerId}',
    scope: 'content:read',
    rateClass: 'read-light',
    owned: true,
    path: async (h, t) => `/v1/content/${await createContainer(h, t)}`,
  },
  {
    method: 'GET',
    route: '/v1/projects/{projectId}/content',
    scope: 'content:read',
    rateClass: 'read-light',
    owned: true,
    path: async (_h, t) => `/v1/projects/${t.projectId}/content`,
  },
  {
    method: 'GET',
    route: '/v1/projects/{projectId}/approval-policy',
    scope: 'content:read',
    rateClass: 'read-light',
    owned: true,
    path: async (_h, t) => `/v1/projects/${t.projectId}/approval-policy`,
  },
  {
    method: 'PATCH',
    route: '/v1/projects/{projectId}/approval-policy',
    scope: 'content:approve',
    rateClass: 'write-light',
    owned: true,
    path: async (_h, t) => `/v1/projects/${t.projectId}/approval-policy`,
    payload: { requiresApproval: true },
  },
  {
    // The fixture content needs no approval (409 after the guards): the matrix checks guards, not decisions.
    method: 'POST',
    route: '/v1/content/{containerId}/approve',
    scope: 'content:approve',
    rateClass: 'write-light',
    owned: true,
    path: async (h, t) => `/v1/content/${await createContainer(h, t)}/approve`,
    payload: { note: 'Matrix' },
  },
  {
    method: 'POST',
    route: '/v1/content/{containerId}/reject',
    scope: 'content:approve',
    rateClass: 'write-light',
    owned: true,
    path: async (h, t) => `/v1/content/${await createContainer(h, t)}/reject`,
    payload: { reason: 'Matrix' },
  },
  {
    // The target is unknown (404 after the guards): the matrix checks guards, not scheduling.
    method: 'POST',
    route: '/v1/content/{containerId}/schedule',
    scope: 'publish:write',
    rateClass: 'long-running',
    owned: true,
    path: async (h, t) => `/v1/content/${await createContainer(h, t)}/schedule`,
    payload: {
      scheduledFor: '2099-01-01T00:00:00Z',
      targets: [{ socialAccountId: `sa_${MATRIX_UUID}`, mode: 'publish' }],
    },
  },
  {
    method: 'POST',
    route: '/v1/content/{containerId}/publish',
    scope: 'publish:write',
    rateClass: 'long-running',
    owned: true,
    path: async (h, t) => `/v1/content/${await createContainer(h, t)}/publish`,
    payload: { targets: [{ socialAccountId: `sa_${MATRIX_UUID}`, mode: 'publish' }] },
  },
  {
    // The target is unknown (404 after the guards), as for schedule.
    method: 'POST',
    route: '/v1/content/{containerId}/validate',
    scope: 'publish:write',
    rateClass: 'read-light',
    owned: true,
    path: async (h, t) => `/v1/content/${await createContainer(h, t)}/validate`,
    payload: { targets: [{ socialAccountId: `sa_${MATRIX_UUID}`, mode: 'publish' }] },
  },
  {
    method: 'GET',
    route: '/v1/scheduled-posts/{id}',
    scope: 'publish:read',
    rateClass: 'read-light',
    owned: true,
    path: async (h, t) => `/v1/scheduled-posts/${(await h.queuedPosts(await h.account(t), 1))[0]}`,
  },
  {
    method: 'GET',
    route: '/v1/projects/{projectId}/scheduled-posts',
    scope: 'publish:read',
    rateClass: 'read-light',
    owned: true,
    path: async (_h, t) => `/v1/projects/${t.projectId}/scheduled-posts`,
  },
  {
    method: 'POST',
    route: '/v1/scheduled-posts/{id}/reschedule',
    scope: 'publish:write',
    rateClass: 'write-light',
    owned: true,
    path: async (h, t) => `/v1/scheduled-posts/${(await h.queuedPosts(await h.account(t), 1))[0]}/reschedule`,
    payload: { scheduledFor: '2099-01-01T00:00:00Z' },
  },
  {
    method: 'DELETE',
    route: '/v1/scheduled-posts/{id}',
    scope: 'publish:write',
    rateClass: 'write-light',
    owned: true,
    path: async (h, t) => `/v1/scheduled-posts/${(await h.queuedPosts(await h.account(t), 1))[0]}`,
  },
  {
    method: 'POST',
    route: '/v1/projects/{projectId}/leased-accounts/request',
    scope: 'leased:write',
    rateClass: 'write-light',
    owned: true,
    path: async (_h, t) => `/v1/projects/${t.projectId}/leased-accounts/request`,
    payload: { count: 1, niche: { vertical: 'matrix' } },
  },
  {
    method: 'GET',
    route: '/v1/projects/{projectId}/leased-accounts/requests/{requestId}',
    scope: 'leased:write',
    rateClass: 'read-light',
    owned: true,
    path: async (h, t) => {
      const { requestLeasedAccounts } = await import('../src/services/leases.js');
      const ctx = {
        ...h.adminCtx(),
        log: undefined as never,
        requestId: 'req_matrix',
        principal: { organizationId: t.organizationId, apiKeyId: t.apiKeyId, env: t.env } as never,
      };
      const r = await requestLeasedAccounts(ctx, { projectId: t.projectId, count: 1, niche: { vertical: 'matrix' } });
      return `/v1/projects/${t.projectId}/leased-accounts/requests/${r.requestId}`;
    },
  },
  {
    method: 'GET',
    route: '/v1/projects/{projectId}/leased-accounts',
    scope: 'leased:write',
    rateClass: 'read-light',
    owned: true,
    path: async (_h, t) => `/v1/projects/${t.projectId}/leased-accounts`,
  },
  {
    method: 'DELETE',
    route: '/v1/leased-accounts/{socialAccountId}',
    scope: 'leased:write',
    rateClass: 'write-light',
    owned: true,
    path: async (h, t) => `/v1/leased-accounts/${await h.account(t, { leased: true })}`,
  },
  {
    method: 'POST',
    route: '/v1/webhook-endpoints',
    scope: 'webhooks:write',
    rateClass: 'write-light',
    owned: false,
    path: async () => '/v1/webhook-endpoints',
    payload: { url: 'https://hooks.example.com/matrix', events: ['*'] },
  },
  {
    method: 'GET',
    route: '/v1/webhook-endpoints',
    scope: 'webhooks:read',
    rateClass: 'read-light',
    owned: false,
    path: async () => '/v1/webhook-endpoints',
  },
  {
    method: 'GET',
    route: '/v1/webhook-endpoints/{webhookEndpointId}',
    scope: 'webhooks:read',
    rateClass: 'read-light',
    owned: true,
    path: async (h, t) => `/v1/webhook-endpoints/${(await webhookEndpointFixture(h, t)).id}`,
  },
  {
    method: 'PATCH',
    route: '/v1/webhook-endpoints/{webhookEndpointId}',
    scope: 'webhooks:write',
    rateClass: 'write-light',
    owned: true,
    path: async (h, t) => `/v1/webhook-endpoints/${(await webhookEndpointFixture(h, t)).id}`,
    payload: { description: 'Renamed' },
  },
  {
    method: 'DELETE',
    route: '/v1/webhook-endpoints/{webhookEndpointId}',
    scope: 'webhooks:write',
    rateClass: 'write-light',
    owned: true,
    path: async (h, t) => `/v1/webhook-endpoints/${(await webhookEndpointFixture(h, t)).id}`,
  },
  {
    method: 'POST',
    route: '/v1/webhook-endpoints/{webhookEndpointId}/rotate-secret',
    scope: 'webhooks:write',
    rateClass: 'write-light',
    owned: true,
    path: async (h, t) => `/v1/webhook-endpoints/${(await webhookEndpointFixture(h, t)).id}/rotate-secret`,
  },
  {
    method: 'POST',
    route: '/v1/webhook-endpoints/{webhookEndpointId}/test',
    scope: 'webhooks:write',
    rateClass: 'write-light',
    owned: true,
    path: async (h, t) => `/v1/webhook-endpoints/${(await webhookEndpointFixture(h, t)).id}/test`,
  },
  {
    method: 'GET',
    route: '/v1/webhook-endpoints/{webhookEndpointId}/deliveries',
    scope: 'webhooks:read',
    rateClass: 'read-light',
    owned: true,
    path: async (h, t) => `/v1/webhook-endpoints/${(await webhookEndpointFixture(h, t)).id}/deliveries`,
  },
  {
    method: 'POST',
    route: '/v1/webhook-deliveries/{webhookDeliveryId}/replay',
    scope: 'webhooks:write',
    rateClass: 'write-light',
    owned: true,
    path: async (h, t) => `/v1/webhook-deliveries/${(await webhookDeliveryFixture(h, t)).id}/replay`,
  },
  {
    method: 'POST',
    route: '/v1/projects/{projectId}/social/oauth-url',
    scope: 'social:write',
    rateClass: 'write-light',
    owned: true,
    path: async (_h, t) => `/v1/projects/${t.projectId}/social/oauth-url`,
    payload: { platform: 'tiktok', returnUrl: 'https://app.partner.test/' },
  },
  {
    method: 'POST',
    route: '/v1/projects/{projectId}/social/reauth-url',
    scope: 'social:write',
    rateClass: 'write-light',
    owned: true,
    path: async (_h, t) => `/v1/projects/${t.projectId}/social/reauth-url`,
    payload: { socialAccountId: 'sa_00000000-0000-4000-8000-000000000000', returnUrl: 'https://app.partner.test/' },
  },
  {
    method: 'GET',
    route: '/v1/social/oauth-status/{state}',
    scope: 'social:read',
    rateClass: 'read-light',
    owned: true,
    path: async (h, t) => {
      const { createOAuthUrl } = await import('../src/services/oauth.js');
      const principal = {
        organizationId: t.organizationId,
        apiKeyId: t.apiKeyId,
        env: t.env,
        returnUrlAllowlist: ['app.partner.test'],
      } as never;
      const ctx = { ...h.adminCtx(), log: undefined as never, requestId: 'req_matrix', principal };
      const r = await createOAuthUrl(ctx, h.deps, {
        projectId: t.projectId,
        platform: 'tiktok',
        returnUrl: 'https://app.partner.test/',
      });
      return `/v1/social/oauth-status/${r.state}`;
    },
  },
];
