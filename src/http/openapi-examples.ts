import { INTERNAL_MESSAGE } from './errors.js';

// The OpenAPI document's examples: one realistic request and response per operation (by
// operationId), and one error body per status. One table, so the same account, project and post
// appear throughout; test/openapi/document.test.ts validates each against its schema.

export const EXAMPLE_IDS = {
  organization: 'org_5b0e3c4a-8f1d-4c2e-9a7b-1d2f3e4a5b6c',
  apiKey: 'key_0c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f',
  project: 'prj_7f3e2a1b-4c5d-4e6f-8a9b-0c1d2e3f4a5b',
  socialAccount: 'sa_3f8a2c1e-9b7d-4e6f-a5c4-2d1e0f9a8b7c',
  leasedAccount: 'sa_9d4c7b2a-1e3f-4a5b-8c6d-7e8f9a0b1c2d',
  content: 'cnt_2a9c4e6b-8d0f-4a1c-9e3b-5d7f9a1c3e5b',
  scheduledPost: 'sp_6c1d9e4f-2a7b-4c8d-9e0f-3a5b7c9d1e2f',
  scheduledPost2: 'sp_8e3f1a6b-4c9d-4e0f-a1b2-5c7d9e1f3a4b',
  leaseRequest: 'lreq_4b8d2f6a-0c3e-4a7b-9d1f-6e8a0c2e4b7d',
  webhookEndpoint: 'whe_1e5a9c3d-7b2f-4d6a-8e0c-4f6b8d0a2c5e',
  event: 'evt_0f4b8e2c-6a1d-4f5b-9c3e-7a9c1e3b5d8f',
  delivery: 'dlv_5d9b3f7a-1c4e-4b8d-a2f6-0e2c4a6b8d1f',
  request: 'req_01JS4Q8M7ZB6V3K2N9XWDT5H1C',
} as const;

const I = EXAMPLE_IDS;
const CREATED = '2026-04-18T19:15:02Z';
const UPDATED = '2026-04-18T19:20:47Z';
const LATER = '2026-04-20T16:00:00Z';
const OAUTH_STATE = 'st_8c2e6a0d-4f9b-4d3a-b7e1-5c9f3a7d1b6e';

const PROJECT = {
  id: I.project,
  name: 'Brightside Coffee',
  timezone: 'America/New_York',
  customerExternalId: 'crm-10482',
  ownerEmail: 'marketing@brightside.example',
  metadata: { plan: 'growth' },
  status: 'active',
  archivedAt: null,
  createdAt: CREATED,
  updatedAt: CREATED,
};
const ACCOUNT_SUMMARY = {
  socialAccountId: I.socialAccount,
  projectId: I.project,
  platform: 'tiktok',
  handle: 'brightsidecoffee',
  avatarUrl: 'https://p16-sign.tiktokcdn.example/avatar/brightsidecoffee.jpeg',
  status: 'connected',
  leased: false,
  connectedAt: CREATED,
  tokenExpiresAt: '2026-04-19T19:15:02Z',
  disconnectedAt: null,
  disconnectedReason: null,
};
const CONTENT = {
  id: I.content,
  projectId: I.project,
  status: 'completed',
  creativeType: 'uploaded',
  media: ['https://cdn.brightside.example/reels/spring-launch.mp4'],
  caption: 'Spring menu is here ☕🌸 #coffee',
  createdAt: CREATED,
  updatedAt: CREATED,
};
const POST = {
  id: I.scheduledPost,
  containerId: I.content,
  socialAccountId: I.socialAccount,
  platform: 'tiktok',
  mode: 'publish',
  status: 'queued',
  externalId: null,
  externalUrl: null,
  scheduledFor: LATER,
  attemptedAt: null,
  publishedAt: null,
  canceledAt: null,
  lastError: null,
  createdAt: CREATED,
  updatedAt: CREATED,
};
const LEASE_REQUEST = {
  requestId: I.leaseRequest,
  projectId: I.project,
  status: 'requested',
  count: 2,
  niche: { vertical: 'food & drink', language: 'en', geo: 'US' },
  note: 'Coffee and breakfast creators, 10k+ followers.',
  assignedSocialAccountIds: [],
  rejectedReason: null,
  createdAt: CREATED,
  updatedAt: CREATED,
};
const LEASED_ACCOUNT = {
  socialAccountId: I.leasedAccount,
  projectId: I.project,
  handle: 'morningbrewdaily',
  platform: 'instagram',
  followers: 48200,
  status: 'assigned',
  assignedAt: CREATED,
  nextRenewalAt: '2026-05-18T19:15:02Z',
  releasedAt: null,
  monthlyPriceCents: 15000,
};
const ENDPOINT = {
  id: I.webhookEndpoint,
  url: 'https://hooks.brightside.example/layers',
  description: 'Production receiver',
  events: ['social_account.revoked', 'post.published', 'post.failed'],
  status: 'active',
  pausedReason: null,
  pausedAt: null,
  consecutiveFailures: 0,
  previousSecretExpiresAt: null,
  createdAt: CREATED,
  updatedAt: CREATED,
};
const SECRET = 'whsec_Jq3vN8tR2xK5mW9pL4sY7bD1fH6gC0zA';
const DELIVERY = {
  id: I.delivery,
  webhookEndpointId: I.webhookEndpoint,
  eventId: I.event,
  eventType: 'test.ping',
  replayOf: null,
  status: 'pending',
  attempts: 0,
  lastStatusCode: null,
  lastError: null,
  nextAttemptAt: UPDATED,
  lastAttemptAt: null,
  deliveredAt: null,
  createdAt: UPDATED,
  updatedAt: UPDATED,
};
const AUTHORIZE = 'https://www.tiktok.com/v2/auth/authorize/?client_key=awx1b2c3d4&response_type=code';
const OAUTH = {
  authorizeUrl: `${AUTHORIZE}&state=${OAUTH_STATE}`,
  state: OAUTH_STATE,
  expiresAt: '2026-04-18T19:30:02Z',
};
const page = (items: unknown[]) => ({ items, nextCursor: null });

type OperationExample = {
  request?: unknown;
  response: unknown;
  /** The 409 body when the operation's own rule refuses (CONFLICT); otherwise the Idempotency-Key one. */
  conflict?: { message: string; details: Record<string, unknown> };
};

export const OPERATION_EXAMPLES: Record<string, OperationExample> = {
  whoami: {
    response: {
      organizationId: I.organization,
      organizationName: 'Acme Agency',
      apiKeyId: I.apiKey,
      scopes: ['projects:read', 'projects:write', 'social:read', 'social:write'],
      rateLimitTier: 'standard',
      env: 'test',
    },
  },
  killApiKey: { response: { apiKeyId: I.apiKey, killSwitch: true, killedAt: UPDATED } },
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
  revokeSocialAccount: {
    response: {
      socialAccountId: I.socialAccount,
      status: 'disconnected',
      disconnectedReason: 'revoked_by_partner',
      canceledScheduledPosts: 4,
      disconnectedAt: UPDATED,
    },
  },
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
  uploadContent: {
    request: { media: CONTENT.media, caption: CONTENT.caption },
    response: CONTENT,
    conflict: projectArchived(),
  },
  getContent: { response: CONTENT },
  listContent: { response: page([CONTENT]) },
  scheduleContent: {
    request: { scheduledFor: LATER, targets: [{ socialAccountId: I.socialAccount, mode: 'publish' }] },
    response: {
      scheduledPosts: [
        { id: I.scheduledPost, socialAccountId: I.socialAccount, status: 'queued', scheduledFor: LATER },
      ],
    },
    conflict: accountNotConnected(),
  },
  publishContent: {
    request: { targets: [{ socialAccountId: I.socialAccount, mode: 'draft', captionOverride: 'Now brewing ☕' }] },
    response: {
      scheduledPosts: [
        { id: I.scheduledPost2, socialAccountId: I.socialAccount, status: 'queued', scheduledFor: UPDATED },
      ],
    },
    conflict: accountNotConnected(),
  },
  listScheduledPosts: { response: page([POST]) },
  getScheduledPost: {
    response: {
      ...POST,
      status: 'published',
      externalId: '7359201846152738053',
      externalUrl: 'https://www.tiktok.com/@brightsidecoffee/video/7359201846152738053',
      attemptedAt: LATER,
      publishedAt: LATER,
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
  listWebhookEndpoints: { response: page([ENDPOINT]) },
  createWebhookEndpoint: {
    request: { url: ENDPOINT.url, description: ENDPOINT.description, events: ENDPOINT.events },
    response: { ...ENDPOINT, secret: SECRET },
    conflict: {
      message: 'An organization can have at most 20 webhook endpoints; delete one first.',
      details: { reason: 'endpoint_limit', limit: 20 },
    },
  },
  getWebhookEndpoint: { response: ENDPOINT },
  updateWebhookEndpoint: {
    request: { status: 'paused' },
    response: { ...ENDPOINT, status: 'paused', pausedReason: 'manual', pausedAt: UPDATED, updatedAt: UPDATED },
  },
  deleteWebhookEndpoint: { response: { id: I.webhookEndpoint, deleted: true, deletedAt: UPDATED } },
  rotateWebhookSecret: {
    response: {
      ...ENDPOINT,
      previousSecretExpiresAt: '2026-04-19T19:20:47Z',
      updatedAt: UPDATED,
      secret: 'whsec_R8wT1yU4iO7pA2sD5fG9hJ3kL6zX0cVb',
    },
  },
  testWebhookEndpoint: { response: DELIVERY, conflict: endpointPaused() },
  listWebhookDeliveries: {
    response: page([
      {
        ...DELIVERY,
        eventType: 'post.published',
        status: 'succeeded',
        attempts: 1,
        lastStatusCode: 200,
        nextAttemptAt: null,
        lastAttemptAt: LATER,
        deliveredAt: LATER,
        createdAt: LATER,
        updatedAt: LATER,
      },
    ]),
  },
  replayWebhookDelivery: {
    response: {
      ...DELIVERY,
      eventType: 'post.published',
      eventId: 'evt_7a1c5e9b-3d6f-4b2a-8c4e-9f1b3d5a7c0e',
      replayOf: I.event,
    },
    conflict: endpointPaused(),
  },
};

function projectArchived() {
  return {
    message: `Project ${I.project} is archived; un-archive it (PATCH status "active") first.`,
    details: { reason: 'project_archived', projectId: I.project },
  };
}
function postNotQueued() {
  return {
    message: `Scheduled post ${I.scheduledPost} is published; only a queued post can be changed.`,
    details: { reason: 'not_queued', status: 'published' },
  };
}
function accountNotConnected() {
  return {
    message: `Social account ${I.socialAccount} is reauth_required; posts are only queued for connected accounts.`,
    details: { reason: 'account_not_connected', socialAccountId: I.socialAccount, accountStatus: 'reauth_required' },
  };
}
function endpointPaused() {
  return {
    message: `Webhook endpoint ${I.webhookEndpoint} is paused; re-activate it (PATCH status "active") first.`,
    details: { reason: 'endpoint_paused' },
  };
}

/** What a path parameter names, for the 404 example: `{projectId}` → "project prj_…". */
const NOT_FOUND_SUBJECT: Record<string, string> = {
  projectId: `project ${I.project}`,
  socialAccountId: `social account ${I.socialAccount}`,
  containerId: `content ${I.content}`,
  id: `scheduled post ${I.scheduledPost}`,
  requestId: `lease request ${I.leaseRequest}`,
  webhookEndpointId: `webhook endpoint ${I.webhookEndpoint}`,
  webhookDeliveryId: `webhook delivery ${I.delivery}`,
  keyId: `API key ${I.apiKey}`,
  state: `OAuth state ${OAUTH_STATE}`,
};

const PARAM_PREFIX: Record<string, string> = {
  projectId: 'prj',
  socialAccountId: 'sa',
  containerId: 'cnt',
  id: 'sp',
  requestId: 'lreq',
  webhookEndpointId: 'whe',
  webhookDeliveryId: 'dlv',
  keyId: 'key',
};

const body = (code: string, message: string, details?: Record<string, unknown>) => ({
  error: { code, message, requestId: I.request, ...(details ? { details } : {}) },
});

/**
 * The error body an operation shows for a status: its code is the error table's for that
 * status, its details what the guard or service really sends.
 */
export function errorExample(
  status: number,
  op: { operationId: string; scope: string | null; pathParams: string[] },
): unknown {
  switch (status) {
    case 400: {
      const param = op.pathParams[0];
      if (!param) return body('VALIDATION', 'Request body is not valid JSON.');
      const message = param === 'state' ? 'Invalid input' : `must be a ${PARAM_PREFIX[param] ?? 'sp'}_<uuid> id`;
      return body('VALIDATION', `Invalid path parameter ${param}: ${message}`, { issues: [{ path: param, message }] });
    }
    case 401:
      return body('UNAUTHENTICATED', 'Missing or invalid API key. Send "Authorization: Bearer lp_<live|test>_…".');
    case 403: {
      const scope = op.scope ?? 'social:write';
      return body('FORBIDDEN_SCOPE', `This API key lacks the ${scope} scope.`, { requiredScope: scope });
    }
    case 404: {
      const param = [...op.pathParams].reverse().find((p) => NOT_FOUND_SUBJECT[p]);
      return body('NOT_FOUND', `No ${param ? NOT_FOUND_SUBJECT[param] : 'such resource'} in this organization.`);
    }
    case 409: {
      const conflict = OPERATION_EXAMPLES[op.operationId]?.conflict;
      if (conflict) return body('CONFLICT', conflict.message, conflict.details);
      return body('IDEMPOTENCY_CONFLICT', 'This Idempotency-Key was already used with a different request.', {
        reason: 'different_request',
      });
    }
    case 413:
      return body('PAYLOAD_TOO_LARGE', 'Request body exceeds the 1 MiB limit.');
    case 422: {
      const request = OPERATION_EXAMPLES[op.operationId]?.request as Record<string, unknown> | undefined;
      const field = request && Object.keys(request)[0];
      if (!field) {
        return body('VALIDATION', 'Invalid request query.', {
          issues: [{ path: 'limit', message: 'Too big: expected number to be <=200' }],
        });
      }
      const expected = Array.isArray(request[field]) ? 'array' : typeof request[field];
      return body('VALIDATION', 'Invalid request body.', {
        issues: [{ path: field, message: `Invalid input: expected ${expected}, received null` }],
      });
    }
    case 429:
      return body('RATE_LIMITED', 'Rate limit exceeded for write-light requests on this key. Retry after 12 s.', {
        endpointClass: 'write-light',
        limit: 60,
        retryAfterSeconds: 12,
      });
    case 500:
      return body('INTERNAL', INTERNAL_MESSAGE);
    case 503:
      return body('KILL_SWITCH', 'This API key has been disabled by a kill switch.', { scope: 'key' });
    default:
      throw new Error(`no error example for status ${status}`);
  }
}
