import type { ColumnType, Generated } from 'kysely';
import type { AccountEnv, Json, Timestamp } from './schema-columns.js';

// Kysely's view of the publishing tables — content containers and their approval, the projects'
// approval policies, schedule intents waiting on approval, and the scheduled posts the publisher
// claims (migrations 0001 and 0016, with columns from 0007, 0009, 0012, 0019 and 0021). Keep in step
// with the DDL; schema.ts assembles Database.

export interface ContentContainersTable {
  id: string;
  organization_id: string;
  env: AccountEnv;
  project_id: string;
  status: 'processing' | 'completed' | 'failed';
  creative_type: 'uploaded';
  media: Json;
  /** Per item, declared and probed metadata (src/views/content-container.ts); NULL before migration 0019. */
  media_details: ColumnType<unknown, string | undefined, string>;
  caption: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  approval_status: Generated<ApprovalStatus>;
  approval_decided_at: Timestamp | null;
  /** The API key that approved or rejected it. */
  approval_decided_by: string | null;
  approval_note: string | null;
  rejection_reason: string | null;
}

export type ApprovalStatus = 'not_required' | 'pending' | 'approved' | 'rejected';

export interface ProjectApprovalPoliciesTable {
  project_id: string;
  requires_approval: boolean;
  first_n_posts_blocked: number;
  updated_at: Timestamp;
}

/** A schedule request stashed while its content waits for approval (migration 0016). */
export interface ScheduleIntentsTable {
  id: string;
  organization_id: string;
  env: AccountEnv;
  project_id: string;
  container_id: string;
  scheduled_for: Timestamp;
  /** [{socialAccountId, mode, captionOverride?}] as the schedule request gave them. */
  targets: Json;
  status: 'pending' | 'promoted' | 'dropped';
  /** What promotion or the drop did to each target. */
  outcome: ColumnType<unknown, string | null, string | null>;
  resolved_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type ScheduledPostStatus = 'queued' | 'publishing' | 'published' | 'failed' | 'canceled' | 'draft';

export interface ScheduledPostsTable {
  id: string;
  organization_id: string;
  /** The environment of the key that created it (docs/environments.md). */
  env: AccountEnv;
  project_id: string;
  container_id: string;
  social_account_id: string;
  mode: 'publish' | 'draft';
  status: ScheduledPostStatus;
  caption_override: string | null;
  scheduled_for: Timestamp;
  external_id: string | null;
  external_url: string | null;
  attempted_at: Timestamp | null;
  published_at: Timestamp | null;
  canceled_at: Timestamp | null;
  cancel_reason: string | null;
  last_error: Json | null;
  claimed_token_version: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** The publisher's claim and retry bookkeeping (migration 0007). */
  claim_count: Generated<number>;
  claim_expires_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  call_started_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  publish_attempts: Generated<number>;
  retry_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** The bulk cancel (post_cancellations) that canceled it, if one did (migration 0012). */
  cancellation_id: ColumnType<number | null, number | null | undefined, number | null>;
  /** Reconciling an unknown publish outcome with the platform (migration 0021). */
  reconcile_cause: ColumnType<ReconcileCause | null, ReconcileCause | null | undefined, ReconcileCause | null>;
  reconcile_result: ColumnType<ReconcileResult | null, ReconcileResult | null | undefined, ReconcileResult | null>;
  reconcile_lookups: Generated<number>;
  reconciled_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export type ReconcileCause = 'no_answer' | 'server_error' | 'worker_stopped';
export type ReconcileResult = 'pending' | 'found' | 'not_found' | 'undecided';
