import type { ColumnType, Generated } from 'kysely';
import type { AccountEnv, Bytes, Json, Platform, Timestamp } from './schema-columns.js';
import type {
  AuditLogTable,
  OperatorAuditLogTable,
  OutboxEventsTable,
  PostCancellationsTable,
  WebhookDeliveriesTable,
  WebhookEndpointsTable,
} from './schema-events.js';
import type {
  ContentContainersTable,
  ProjectApprovalPoliciesTable,
  ScheduledPostsTable,
  ScheduleIntentsTable,
} from './schema-publishing.js';

export type { AccountEnv, Platform } from './schema-columns.js';
export type * from './schema-events.js';
export type * from './schema-publishing.js';

// Kysely's view of the tables in migrations/ (the event and publishing tables in schema-events.ts and
// schema-publishing.ts, re-exported here). Keep in step with the DDL.

export interface SettingsTable {
  id: Generated<boolean>;
  global_kill_switch: Generated<boolean>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export interface OrganizationsTable {
  id: string;
  name: string;
  kill_switch: Generated<boolean>;
  created_at: Timestamp;
  /** The organization that created this one (migration 0017); null for a top-level organization. */
  parent_organization_id: string | null;
  status: Generated<'active' | 'suspended' | 'archived'>;
  metadata: ColumnType<unknown, string | undefined, string>;
  billing_email: string | null;
  archived_at: Timestamp | null;
  updated_at: Timestamp;
}

export interface ApiKeysTable {
  id: string;
  organization_id: string;
  name: string | null;
  env: 'live' | 'test';
  secret_hash: Bytes;
  scopes: string[];
  rate_limit_tier: 'standard' | 'pilot' | 'partner';
  return_url_allowlist: Generated<string[]>;
  kill_switch: Generated<boolean>;
  killed_at: Timestamp | null;
  revoked_at: Timestamp | null;
  created_at: Timestamp;
  /** The key's last 4 characters, for display (null: created before migration 0011). */
  secret_last4: string | null;
  /** The key a rotation replaced this one with (migration 0015); null until rotated. */
  superseded_by: string | null;
  /** After this instant the key answers 401 (a rotated key's grace period ends); null: no expiry. */
  expires_at: Timestamp | null;
}

export interface ProjectsTable {
  id: string;
  organization_id: string;
  name: string;
  timezone: string;
  customer_external_id: string | null;
  owner_email: string | null;
  metadata: ColumnType<unknown, string | undefined, string>;
  status: Generated<'active' | 'archived'>;
  archived_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type SocialAccountStatus = 'connected' | 'reauth_required' | 'disconnected';

export interface SocialAccountsTable {
  id: string;
  organization_id: string | null;
  project_id: string | null;
  platform: Platform;
  external_account_id: string | null;
  handle: string;
  avatar_url: string | null;
  status: SocialAccountStatus;
  leased: Generated<boolean>;
  connected_at: Timestamp | null;
  token_expires_at: Timestamp | null;
  disconnected_at: Timestamp | null;
  disconnected_reason: string | null;
  token_ciphertext: Bytes | null;
  token_wrapped_key: Bytes | null;
  followers: Generated<number | null>;
  token_version: Generated<number>;
  /** The token refresher's lease / back-off: it skips the account until then (migration 0003). */
  token_refresh_after: Timestamp | null;
  /** Which platform its calls go to: the real one (`live`) or the sandbox (`test`) (migration 0007). */
  env: ColumnType<AccountEnv, AccountEnv | undefined, AccountEnv>;
  /** The platform's publishing budget, as last read (migration 0020); NULL: the platform's default. */
  publish_quota_limit: number | null;
  publish_quota_window_seconds: number | null;
  publish_quota_source: 'platform' | 'default' | null;
  publish_quota_platform_used: number | null;
  publish_quota_checked_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A test account's rehearsed faults, in order (migration 0022, src/db/queries/test-faults.ts). */
export interface SocialAccountTestFaultsTable {
  social_account_id: string;
  faults: Json;
  updated_at: Timestamp;
}

export interface UpstreamRevocationsTable {
  id: Generated<number>;
  social_account_id: string;
  platform: Platform;
  status: 'pending' | 'revoked' | 'unconfirmed' | 'unsupported';
  token_ciphertext: Bytes | null;
  token_wrapped_key: Bytes | null;
  token_version: number;
  attempts: Generated<number>;
  next_attempt_at: Timestamp | null;
  attempted_at: Timestamp | null;
  last_error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface LeasesTable {
  id: string;
  social_account_id: string;
  organization_id: string;
  project_id: string;
  lease_request_id: string | null;
  status: 'assigned' | 'released';
  monthly_price_cents: number;
  assigned_at: Timestamp;
  next_renewal_at: Timestamp | null;
  released_at: Timestamp | null;
  release_reason: string | null;
  pool_account_id: string | null;
  billed_periods: Generated<number>;
}

export interface LeasePoolAccountsTable {
  id: string;
  platform: Platform;
  handle: string;
  external_account_id: string | null;
  followers: number;
  niche: Json;
  monthly_price_cents: number;
  status: 'available' | 'assigned' | 'retired';
  token_ciphertext: Bytes | null;
  token_wrapped_key: Bytes | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface LeaseRequestsTable {
  id: string;
  organization_id: string;
  env: AccountEnv;
  project_id: string;
  count: number;
  niche: Json;
  note: string | null;
  status: 'requested' | 'assigned' | 'partial' | 'rejected';
  rejected_reason: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface BillingChargesTable {
  id: string;
  lease_id: string;
  organization_id: string;
  amount_cents: number;
  period_start: Timestamp;
  period_end: Timestamp;
  created_at: Timestamp;
}

export interface IdempotencyKeysTable {
  api_key_id: string;
  key: string;
  fingerprint: string;
  status_code: number;
  response_body: string;
  created_at: Timestamp;
}

export interface OAuthStatesTable {
  id: string;
  organization_id: string;
  project_id: string;
  api_key_id: string;
  platform: Platform;
  return_url: string;
  scopes: string[];
  code_verifier: string | null;
  social_account_id: string | null;
  status: 'pending' | 'completed' | 'failed' | 'expired';
  error: string | null;
  expires_at: Timestamp;
  created_at: Timestamp;
}

/** Key ring epochs (the keys themselves are files, never rows: docs/key-ring.md). */
export interface KeyEpochsTable {
  id: number;
  check_value: Bytes | null;
  created_at: Timestamp;
}

/** A view (migration 0023): switched off by its own switch, its suspension or its parent's switch. */
export interface OrganizationSwitchesView {
  id: string;
  switched_off: boolean;
}

export interface Database {
  key_epochs: KeyEpochsTable;
  settings: SettingsTable;
  organizations: OrganizationsTable;
  organization_switches: OrganizationSwitchesView;
  api_keys: ApiKeysTable;
  projects: ProjectsTable;
  social_accounts: SocialAccountsTable;
  social_account_test_faults: SocialAccountTestFaultsTable;
  upstream_revocations: UpstreamRevocationsTable;
  leases: LeasesTable;
  lease_pool_accounts: LeasePoolAccountsTable;
  lease_requests: LeaseRequestsTable;
  billing_charges: BillingChargesTable;
  content_containers: ContentContainersTable;
  project_approval_policies: ProjectApprovalPoliciesTable;
  schedule_intents: ScheduleIntentsTable;
  scheduled_posts: ScheduledPostsTable;
  audit_log: AuditLogTable;
  operator_audit_log: OperatorAuditLogTable;
  outbox_events: OutboxEventsTable;
  post_cancellations: PostCancellationsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  idempotency_keys: IdempotencyKeysTable;
  oauth_states: OAuthStatesTable;
}
