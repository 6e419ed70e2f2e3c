// The values the OpenAPI examples share (src/http/openapi-examples.ts): one account, project, post
// and endpoint throughout, and the conflicts operations answer with.

export const EXAMPLE_IDS = {
  organization: 'org_5b0e3c4a-8f1d-4c2e-9a7b-1d2f3e4a5b6c',
  apiKey: 'key_0c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f',
  apiKey2: 'key_3e7a1c5b-9d2f-4a6e-8b0c-2f4a6c8e0b1d',
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
  scheduleIntent: 'sint_3b7d1f5a-9c2e-4a6b-8d0f-2e4a6c8b0d1f',
} as const;

export const I = EXAMPLE_IDS;
export const CREATED = '2026-04-18T19:15:02Z';
export const UPDATED = '2026-04-18T19:20:47Z';
export const LATER = '2026-04-20T16:00:00Z';
export const OAUTH_STATE = 'st_8c2e6a0d-4f9b-4d3a-b7e1-5c9f3a7d1b6e';

export const PROJECT = {
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
export const ACCOUNT_SUMMARY = {
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
export const CONTENT = {
  id: I.content,
  projectId: I.project,
  status: 'completed',
  creativeType: 'uploaded',
  media: ['https://cdn.brightside.example/reels/spring-launch.mp4'],
  mediaDetails: [
    {
      url: 'https://cdn.brightside.example/reels/spring-launch.mp4',
      contentType: 'video/mp4',
      sizeBytes: 48_211_977,
      durationMs: 21_400,
      width: 1080,
      height: 1920,
      probe: { probed: true, contentType: 'video/mp4', sizeBytes: 48_211_977, note: 'HEAD 200' },
    },
  ],
  caption: 'Spring menu is here ☕🌸 #coffee',
  approvalStatus: 'not_required',
  approvalDecidedAt: null,
  approvalNote: null,
  rejectionReason: null,
  createdAt: CREATED,
  updatedAt: CREATED,
};
export const POST = {
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
  reconciliation: null,
  createdAt: CREATED,
  updatedAt: CREATED,
};
export const LEASE_REQUEST = {
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
export const LEASED_ACCOUNT = {
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
export const ENDPOINT = {
  id: I.webhookEndpoint,
  url: 'https://hooks.brightside.example/layers',
  description: 'Production receiver',
  events: ['social_account.revoked', 'post.published', 'post.failed'],
  status: 'active',
  scope: 'organization',
  pausedReason: null,
  pausedAt: null,
  consecutiveFailures: 0,
  previousSecretExpiresAt: null,
  createdAt: CREATED,
  updatedAt: CREATED,
};
/** A key as the key routes show it, masked; `API_KEY_SECRET` is its whole key, shown once. */
export const API_KEY = {
  apiKeyId: I.apiKey2,
  organizationId: I.organization,
  name: 'Reporting dashboard',
  prefix: `lp_live_${I.apiKey2}_`,
  last4: 'x7Qe',
  masked: `lp_live_${I.apiKey2}_…x7Qe`,
  scopes: ['projects:read', 'publish:read'],
  rateLimitTier: 'standard',
  env: 'live',
  status: 'active',
  killSwitch: false,
  createdAt: CREATED,
  revokedAt: null,
  supersededBy: null,
  expiresAt: null,
};
export const API_KEY_SECRET = `lp_live_${I.apiKey2}_3mZp8VqR1sT6uW0yB4dF7hJ2kL5nP9cX3gA6eS1x7Qe`;
export const SECRET = 'whsec_Jq3vN8tR2xK5mW9pL4sY7bD1fH6gC0zA';
export const DELIVERY = {
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
export const AUTHORIZE = 'https://www.tiktok.com/v2/auth/authorize/?client_key=awx1b2c3d4&response_type=code';
export const OAUTH = {
  authorizeUrl: `${AUTHORIZE}&state=${OAUTH_STATE}`,
  state: OAUTH_STATE,
  expiresAt: '2026-04-18T19:30:02Z',
};
export const page = (items: unknown[]) => ({ items, nextCursor: null });

export function projectArchived() {
  return {
    message: `Project ${I.project} is archived; un-archive it (PATCH status "active") first.`,
    details: { reason: 'project_archived', projectId: I.project },
  };
}
export function postNotQueued() {
  return {
    message: `Scheduled post ${I.scheduledPost} is published; only a queued post can be changed.`,
    details: { reason: 'not_queued', status: 'published' },
  };
}
export function accountNotConnected() {
  return {
    message: `Social account ${I.socialAccount} is reauth_required; posts are only queued for connected accounts.`,
    details: { reason: 'account_not_connected', socialAccountId: I.socialAccount, accountStatus: 'reauth_required' },
  };
}
export function endpointPaused() {
  return {
    message: `Webhook endpoint ${I.webhookEndpoint} is paused; re-activate it (PATCH status "active") first.`,
    details: { reason: 'endpoint_paused' },
  };
}
export function alreadyDecided() {
  return {
    message: `Content ${I.content} is already approved; a decision is final.`,
    details: { reason: 'already_decided', approvalStatus: 'approved' },
  };
}
