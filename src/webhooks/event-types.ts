// The webhook event catalog (spec §4 "Webhooks"). Producers write these types to the outbox in
// the transaction of the change; docs/webhooks.md documents each payload.

export const WEBHOOK_EVENT_TYPES = [
  'social_account.connected',
  'social_account.needs_reauth',
  'social_account.revoked',
  'post.scheduled',
  'post.published',
  'post.failed',
  'post.canceled',
  'post.rescheduled', // emitted by reschedule (docs/content-and-publishing.md); not in the spec's list yet
  'lease_request.assigned',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Sent only by `POST /v1/webhook-endpoints/:id/test`, to that endpoint; never subscribable. */
export const TEST_EVENT_TYPE = 'test.ping';

/** Subscribes to every type in the catalog, including types added later. */
export const ALL_EVENT_TYPES = '*';
