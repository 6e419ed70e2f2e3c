import { CONTENT_EXAMPLES } from './openapi-content-examples.js';
import {
  ACCOUNT_SUMMARY,
  API_KEY,
  API_KEY_SECRET,
  I,
  LATER,
  LEASE_REQUEST,
  LEASED_ACCOUNT,
  OAUTH,
  OAUTH_STATE,
  POST,
  PROJECT,
  page,
  postNotQueued,
  projectArchived,
  UPDATED,
} from './openapi-example-values.js';
import { ORGANIZATION_EXAMPLES } from './openapi-organization-examples.js';
import { WEBHOOK_EXAMPLES } from './openapi-webhook-examples.js';

export { EXAMPLE_IDS } from './openapi-example-values.js';

/** A test account's rehearsed faults (docs/platform-rules.md "Rehearsing faults"). */
const TEST_FAULTS = {
  socialAccountId: I.socialAccount,
  platform: 'tiktok',
  faults: [
    { fault: 'rate_limited', remaining: 2, retryAfterSeconds: 120 },
    { fault: 'server_error', remaining: 1 },
  ],
  updatedAt: UPDATED,
};

// The OpenAPI document's examples: one realistic request and response per operation (by
// operationId), and one error body per status. One table, so the same account, project and post
// appear throughout; test/openapi/document.test.ts validates each against its schema.

type OperationExample = {
  request?: unknown;
  response: unknown;
  /** The 202 body, for an operation that may accept a request without completing it. */
  accepted?: unknown;
  /** The 200 body of a `dryRun: true` request, for an operation that otherwise answers 201. */
  dryRun?: unknown;
  /** The 409 body when the operation's own rule refuses (CONFLICT); otherwise the Idempotency-Key one. */
  conflict?: { message: string; details: Record<string, unknown> };
  /** The 403's scope for a route that needs one only sometimes (rotating another key than the caller). */
  requiredScope?: string;
};

export const OPERATION_EXAMPLES: Record<string, OperationExample> = {
  whoami: {
    response: {
      organizationId: I.organization,
      organizationName: 'Acme Agency',
      parentOrganizationId: null,
      apiKeyId: I.apiKey,
      scopes: ['projects:read', 'projects:write', 'social:read', 'social:write'],
      rateLimitTier: 'standard',
      env: 'test',
    },
  },
  ...ORGANIZATION_EXAMPLES,
  killApiKey: { response: { apiKeyId: I.apiKey, killSwitch: true, killedAt: UPDATED } },
  createApiKey: {
    request: { name: 'Reporting dashboard', scopes: ['projects:read', 'publish:read'], env: 'live' },
    response: { ...API_KEY, key: API_KEY_SECRET },
  },
  listApiKeys: { response: page([API_KEY]) },
  revokeApiKey: { response: { ...API_KEY, status: 'revoked', revokedAt: UPDATED } },
  rotateApiKey: {
    request: { graceSeconds: 3600 },
    response: {
      ...API_KEY,
      createdAt: UPDATED,
      key: API_KEY_SECRET,
      previousApiKeyId: I.apiKey,
      previousKeyExpiresAt: '2026-04-18T20:20:47Z',
    },
    conflict: {
      message: `API key ${I.apiKey} was already rotated; rotate its successor instead.`,
      details: { reason: 'superseded', supersededBy: I.apiKey2 },
    },
    requiredScope: 'org:admin',
  },
  listAuditLog: {
    response: page([
      {
        id: '18342',
        eventType: 'social_account.revoked',
        requestId: I.request,
        apiKeyId: I.apiKey,
        organizationId: I.organization,
        projectId: I.project,
        data: { socialAccountId: I.socialAccount, canceledScheduledPosts: 4 },
        createdAt: UPDATED,
      },
    ]),
  },
  listProjects: { response: page([PROJECT]) },
  createProject: {
    request: {
      name: 'Brightside Coffee',
      timezone: 'America/New_York',
      customerExternalId: 'crm-10482',
      ownerEmail: 'marketing@brightside.example',
      metadata: { plan: 'growth' },
    },
    response: PROJECT,
  },
  getProject: { response: PROJECT },
  updateProject: {
    request: { name: 'Brightside Coffee Roasters', metadata: { plan: 'scale' } },
    response: { ...PROJECT, name: 'Brightside Coffee Roasters', metadata: { plan: 'scale' }, updatedAt: UPDATED },
    conflict: projectArchived(),
  },
  archiveProject: {
    response: { id: I.project, status: 'archived', archivedAt: UPDATED, canceledScheduledPosts: 4 },
  },
  listSocialAccounts: { response: page([ACCOUNT_SUMMARY]) },
  getSocialAccount: {
    response: { ...ACCOUNT_SUMMARY, queuedScheduledPosts: 4, upstreamRevocation: null },
  },
  getSocialAccountQuota: {
    response: {
      socialAccountId: I.socialAccount,
      platform: 'tiktok',
      limit: 15,
      windowSeconds: 86400,
      source: 'default',
      checkedAt: UPDATED,
      current: {
        windowStart: '2026-04-17T19:20:47Z',
        windowEnd: UPDATED,
        used: 15,
        remaining: 0,
        usedOutsideApi: 0,
      },
      nextFreeSlot: '2026-04-19T08:00:01Z',
      upcoming: [
        {
          windowStart: '2026-04-18T19:20:47Z',
          windowEnd: '2026-04-19T19:20:47Z',
          scheduled: 6,
          nextFreeSlot: '2026-04-19T08:00:01Z',
        },
      ],
    },
  },
  revokeSocialAccount: {
    response: {
      socialAccountId: I.socialAccount,
      status: 'disconnected',
      disconnectedReason: 'revoked_by_partner',
      canceledScheduledPosts: 4,
      disconnectedAt: UPDATED,
    },
  },
  getTestFaults: { response: TEST_FAULTS },
  setTestFaults: {
    request: {
      faults: [
        { fault: 'rate_limited', count: 2, retryAfterSeconds: 120 },
        { fault: 'server_error', count: 1 },
      ],
    },
    response: TEST_FAULTS,
  },
  clearTestFaults: { response: { ...TEST_FAULTS, faults: [], updatedAt: null } },
  createOAuthUrl: {
    request: { platform: 'tiktok', returnUrl: 'https://app.acme-agency.example/connected' },
    response: OAUTH,
    conflict: projectArchived(),
  },
  createReauthUrl: {
    request: { socialAccountId: I.socialAccount, returnUrl: 'https://app.acme-agency.example/connected' },
    response: OAUTH,
    conflict: {
      message: 'The account is connected; only a reauth_required account can be reconnected.',
      details: { reason: 'not_reauth_required' },
    },
  },
  getOAuthStatus: {
    response: { state: OAUTH_STATE, status: 'completed', socialAccountId: I.socialAccount, error: null },
  },
  listLeasedAccounts: { response: page([LEASED_ACCOUNT]) },
  requestLeasedAccounts: {
    request: {
      count: 2,
      niche: { vertical: 'food & drink', language: 'en', geo: 'US' },
      note: 'Coffee and breakfast creators, 10k+ followers.',
    },
    response: LEASE_REQUEST,
  },
  getLeaseRequest: {
    response: { ...LEASE_REQUEST, status: 'partial', assignedSocialAccountIds: [I.leasedAccount], updatedAt: UPDATED },
  },
  releaseLeasedAccount: {
    request: { reason: 'Campaign ended' },
    response: {
      socialAccountId: I.leasedAccount,
      status: 'disconnected',
      disconnectedReason: 'released_by_partner',
      disconnectedAt: UPDATED,
      canceledScheduledPosts: 1,
    },
  },
  ...CONTENT_EXAMPLES,
  listScheduledPosts: { response: page([POST]) },
  getScheduledPost: {
    response: {
      ...POST,
      status: 'published',
      externalId: '7359201846152738053',
      externalUrl: 'https://www.tiktok.com/@brightsidecoffee/video/7359201846152738053',
      attemptedAt: LATER,
      publishedAt: LATER,
      // The publish call's answer was lost; the platform said it had the post: recorded, not sent again.
      reconciliation: {
        cause: 'no_answer',
        result: 'found',
        decidedBy: 'platform_lookup',
        lookups: 1,
        checkedAt: LATER,
      },
      updatedAt: LATER,
    },
  },
  rescheduleScheduledPost: {
    request: { scheduledFor: '2026-04-21T16:00:00Z' },
    response: { ...POST, scheduledFor: '2026-04-21T16:00:00Z', updatedAt: UPDATED },
    conflict: postNotQueued(),
  },
  cancelScheduledPost: {
    request: { reason: 'Client pulled the campaign' },
    response: { id: I.scheduledPost, status: 'canceled', canceledAt: UPDATED },
    conflict: postNotQueued(),
  },
  ...WEBHOOK_EXAMPLES,
};
