import type { ColumnType, Generated } from 'kysely';
import type { Bytes, Json, Timestamp } from './schema-columns.js';

// Kysely's view of the event tables — the audit log, the outbox, webhook endpoints and their
// deliveries, bulk cancels and their per-post records to come (migrations 0001, 0005, 0012). Keep
// in step with the DDL; schema.ts assembles Database.

export interface AuditLogTable {
  id: Generated<number>;
  organization_id: string;
  project_id: string | null;
  api_key_id: string | null;
  request_id: string | null;
  event_type: string;
  data: Json;
  created_at: Timestamp;
}

/** What the operator did, through the console or /admin/v1 (migration 0014). */
export interface OperatorAuditLogTable {
  id: Generated<number>;
  action: string;
  via: 'console' | 'api';
  session_id: string | null;
  request_id: string | null;
  organization_id: string | null;
  target: string | null;
  data: Json;
  created_at: Timestamp;
}

export interface OutboxEventsTable {
  id: string;
  seq: Generated<number>;
  organization_id: string;
  type: string;
  data: Json;
  created_at: Timestamp;
  dispatched_at: Timestamp | null;
  /** A replayed event names the event it re-sends (migration 0005). */
  replay_of: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A bulk cancel waiting for (or done with) its per-post records (migration 0012). */
export interface PostCancellationsTable {
  id: Generated<number>;
  organization_id: string;
  api_key_id: string | null;
  request_id: string | null;
  reason: string;
  canceled_at: Timestamp;
  posts: number;
  expanded: Generated<number>;
  last_post_id: string | null;
  expanded_at: Timestamp | null;
}

export type WebhookEndpointStatus = 'active' | 'paused' | 'disabled';

export interface WebhookEndpointsTable {
  id: string;
  organization_id: string;
  url: string;
  description: string | null;
  event_types: string[];
  status: WebhookEndpointStatus;
  /** Signing secrets, sealed under the master key (TokenCrypto.sealSecret). */
  secret: Bytes;
  previous_secret: Bytes | null;
  previous_secret_expires_at: Timestamp | null;
  consecutive_failures: Generated<number>;
  paused_reason: 'manual' | 'consecutive_failures' | null;
  paused_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: Timestamp | null;
  /** 'all_children' (migration 0018): also the events of the organization's direct children. */
  scope: ColumnType<WebhookEndpointScope, WebhookEndpointScope | undefined, WebhookEndpointScope>;
}

export type WebhookEndpointScope = 'organization' | 'all_children';

export type WebhookDeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'abandoned';

export interface WebhookDeliveriesTable {
  id: string;
  seq: Generated<number>;
  endpoint_id: string;
  event_id: string;
  status: WebhookDeliveryStatus;
  attempts: Generated<number>;
  next_attempt_at: Timestamp | null;
  last_status_code: number | null;
  last_error: string | null;
  last_attempt_at: Timestamp | null;
  delivered_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}
