import { type Insertable, type RawBuilder, sql } from 'kysely';
import type { Queryable, Tx } from '../client.js';
import { compiledOnce } from '../compiled.js';
import type { AccountEnv, ScheduledPostStatus, ScheduledPostsTable } from '../schema.js';
import type { AuditBase } from './events.js';
import type { Owner } from './owner.js';

type Outcome =
  | 'external_id'
  | 'external_url'
  | 'attempted_at'
  | 'published_at'
  | 'canceled_at'
  | 'cancel_reason'
  | 'last_error'
  | 'claimed_token_version';
/** A new post: what it will become (its outcome columns) starts null unless given. */
type PostRow = Omit<Insertable<ScheduledPostsTable>, Outcome> & Partial<Pick<Insertable<ScheduledPostsTable>, Outcome>>;
const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
const time = (v: Date | string | null | undefined) =>
  v === null || v === undefined ? null : new Date(v).toISOString();

/**
 * One statement for any number of rows: each column travels as one array parameter (unnest),
 * so 10,000 posts bind 19 parameters, not 190,000 (PostgreSQL's limit is 65,535).
 * Arrays go as text[] and are cast in SQL so PGlite and pg serialize them the same way.
 */
export async function insertScheduledPosts(db: Queryable, rows: PostRow[]) {
  if (rows.length === 0) return [];
  const col = (k: keyof PostRow) => rows.map((r) => text(r[k]));
  const at = (k: 'scheduled_for' | 'attempted_at' | 'published_at' | 'canceled_at' | 'created_at' | 'updated_at') =>
    rows.map((r) => time(r[k]));
  const result = await sql<{ id: string; status: ScheduledPostStatus; scheduled_for: Date }>`
    INSERT INTO scheduled_posts (id, organization_id, env, project_id, container_id, social_account_id, mode, status,
      caption_override, scheduled_for, external_id, external_url, attempted_at, published_at, canceled_at,
      cancel_reason, last_error, claimed_token_version, created_at, updated_at)
    SELECT * FROM unnest(
      ${col('id')}::text[], ${col('organization_id')}::text[], ${col('env')}::text[], ${col('project_id')}::text[],
      ${col('container_id')}::text[], ${col('social_account_id')}::text[], ${col('mode')}::text[],
      ${col('status')}::text[], ${col('caption_override')}::text[],
      ${at('scheduled_for')}::text[]::timestamptz[], ${col('external_id')}::text[], ${col('external_url')}::text[],
      ${at('attempted_at')}::text[]::timestamptz[], ${at('published_at')}::text[]::timestamptz[],
      ${at('canceled_at')}::text[]::timestamptz[], ${col('cancel_reason')}::text[],
      ${col('last_error')}::text[]::jsonb[],
      ${col('claimed_token_version')}::text[]::integer[], ${at('created_at')}::text[]::timestamptz[],
      ${at('updated_at')}::text[]::timestamptz[])
    RETURNING id, status, scheduled_for`.execute(db);
  return result.rows;
}

type CancelArgs = AuditBase & { reason: string; scopeId: string; env: AccountEnv | null };

// `job` is referenced twice, so it is evaluated once: one id for the posts and the row.
const cancelIn = (inScope: (a: CancelArgs) => RawBuilder<unknown>) =>
  compiledOnce(
    (_tx: Queryable, a: CancelArgs) => sql<{ canceled: number }>`
    WITH job AS (SELECT nextval(pg_get_serial_sequence('post_cancellations', 'id')) AS id),
    canceled AS (
      UPDATE scheduled_posts
      SET status = 'canceled', cancel_reason = ${a.reason}, canceled_at = ${a.now}, updated_at = ${a.now},
        cancellation_id = (SELECT id FROM job)
      WHERE status = 'queued' AND ${inScope(a)}
      RETURNING 1
    ), counted AS (SELECT count(*)::int AS n FROM canceled),
    recorded AS (
      INSERT INTO post_cancellations (id, organization_id, api_key_id, request_id, reason, canceled_at, posts)
      SELECT job.id, ${a.organizationId}, ${a.apiKeyId}, ${a.requestId}, ${a.reason}, ${a.now}, counted.n
      FROM job, counted WHERE counted.n > 0
    )
    SELECT n AS canceled FROM counted`,
  );
const cancelByAccount = cancelIn((a) => sql`social_account_id = ${a.scopeId}`);
const cancelByOrganization = cancelIn(
  (a) => sql`project_id IN (SELECT id FROM projects WHERE organization_id = ${a.scopeId})`,
);
const cancelByProject = cancelIn((a) => sql`project_id = ${a.scopeId} AND env = ${a.env}`);

/**
 * Cancels every queued post of an account (revoke, release) or of a project (archive) in one
 * statement, however many there are, and records them as ONE post_cancellations row (none when
 * nothing was queued): each post is stamped with that row's id, and the worker writes the posts'
 * audit rows and `post.canceled` events after commit (src/worker/post-cancellations.ts). Returns
 * how many were canceled. The caller holds the account lock(s).
 */
export async function cancelQueuedPosts(
  tx: Tx,
  scope: { socialAccountId: string } | { projectId: string; env: AccountEnv } | { organizationId: string },
  reason: string,
  by: AuditBase,
): Promise<number> {
  const { organizationId, apiKeyId, requestId, now } = by;
  const args = { organizationId, apiKeyId, requestId, now, reason, env: null };
  const [row] =
    'socialAccountId' in scope
      ? await cancelByAccount.rows(tx, { ...args, scopeId: scope.socialAccountId })
      : 'organizationId' in scope
        ? await cancelByOrganization.rows(tx, { ...args, scopeId: scope.organizationId })
        : await cancelByProject.rows(tx, { ...args, scopeId: scope.projectId, env: scope.env });
  return row!.canceled;
}

// The columns a partner sees of a post, with its account's platform.
const VIEW_COLUMNS = [
  'p.id',
  'p.project_id',
  'p.container_id',
  'p.social_account_id',
  'a.platform',
  'p.mode',
  'p.status',
  'p.external_id',
  'p.external_url',
  'p.scheduled_for',
  'p.attempted_at',
  'p.published_at',
  'p.canceled_at',
  'p.last_error',
  'p.reconcile_cause',
  'p.reconcile_result',
  'p.reconcile_lookups',
  'p.reconciled_at',
  'p.created_at',
  'p.updated_at',
] as const;

function viewQuery(db: Queryable, owner: Owner) {
  return db
    .selectFrom('scheduled_posts as p')
    .innerJoin('social_accounts as a', 'a.id', 'p.social_account_id')
    .select(VIEW_COLUMNS)
    .where('p.organization_id', '=', owner.organizationId)
    .where('p.env', '=', owner.env);
}

export type ScheduledPostView = NonNullable<Awaited<ReturnType<typeof findScheduledPostView>>>;

export async function findScheduledPostView(db: Queryable, owner: Owner, id: string) {
  return viewQuery(db, owner).where('p.id', '=', id).executeTakeFirst();
}

export type ScheduledPostFilter = {
  owner: Owner;
  projectId: string;
  statuses?: ScheduledPostStatus[];
  socialAccountId?: string;
  since?: Date;
  until?: Date;
  before?: { scheduledFor: Date; id: string };
  limit: number;
};

/** Latest scheduledFor first, keyset-paginated on (scheduled_for, id): scheduled_posts_project_idx. */
export async function listScheduledPostViews(db: Queryable, f: ScheduledPostFilter) {
  let q = viewQuery(db, f.owner)
    .where('p.project_id', '=', f.projectId)
    .orderBy('p.scheduled_for', 'desc')
    .orderBy('p.id', 'desc')
    .limit(f.limit);
  if (f.statuses?.length) q = q.where('p.status', 'in', f.statuses);
  if (f.socialAccountId !== undefined) q = q.where('p.social_account_id', '=', f.socialAccountId);
  if (f.since !== undefined) q = q.where('p.scheduled_for', '>=', f.since);
  if (f.until !== undefined) q = q.where('p.scheduled_for', '<', f.until);
  if (f.before) {
    const { scheduledFor, id } = f.before;
    q = q.where((eb) => eb(eb.refTuple('p.scheduled_for', 'p.id'), '<', eb.tuple(scheduledFor, id)));
  }
  return q.execute();
}

/** The post's owner and account, read before taking the account lock (lock order: account, then post). */
export async function findScheduledPostOwner(db: Queryable, owner: Owner, id: string) {
  return db
    .selectFrom('scheduled_posts')
    .select(['id', 'social_account_id'])
    .where('id', '=', id)
    .where('organization_id', '=', owner.organizationId)
    .where('env', '=', owner.env)
    .executeTakeFirst();
}

/** Caller holds the account lock. */
export async function findScheduledPostForUpdate(tx: Tx, id: string) {
  return tx
    .selectFrom('scheduled_posts')
    .select(['id', 'project_id', 'social_account_id', 'status', 'scheduled_for', 'mode'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

/** Queued posts only; caller holds the account lock and has checked the status under it. */
export async function rescheduleQueuedPost(tx: Tx, id: string, scheduledFor: Date, now: Date) {
  return tx
    .updateTable('scheduled_posts')
    .set({ scheduled_for: scheduledFor, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .returning(['id', 'scheduled_for'])
    .executeTakeFirstOrThrow();
}

/** Queued posts only; caller holds the account lock and has checked the status under it. */
export async function cancelQueuedPost(tx: Tx, id: string, reason: string, now: Date) {
  return tx
    .updateTable('scheduled_posts')
    .set({ status: 'canceled', cancel_reason: reason, canceled_at: now, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .returning(['id', 'project_id', 'social_account_id', 'canceled_at'])
    .executeTakeFirstOrThrow();
}
