import { type ExpressionBuilder, sql } from 'kysely';
import type { Queryable, Tx } from '../client.js';
import type { AccountEnv, Database, Platform } from '../schema.js';

// The publisher's reads and writes on scheduled_posts. A claim is `publishing` with a lease
// (claim_expires_at) and a number (claim_count) that fences every later write of its owner.
// Lock order as everywhere: the account row before its posts. The claim and the recovery lock
// posts only, with SKIP LOCKED, so they never wait and cannot be part of a deadlock.

export type ClaimedPost = {
  id: string;
  organization_id: string;
  /** The environment of the key that scheduled it; must be the account's (the publisher's second wall). */
  env: AccountEnv;
  project_id: string;
  social_account_id: string;
  claim_count: number;
  claimed_token_version: number;
};

/**
 * Claims up to `limit` due posts: queued, scheduled_for (and any retry_at) reached, account
 * connected, the organization not switched off (organization_switches: its own switch, its
 * suspension, its parent's switch) and the global kill switch off. One statement; its row
 * locks last only for it. Posts of switched-off organizations and of accounts that need reauth
 * stay queued: they hold.
 */
export async function claimDuePosts(
  db: Queryable,
  opts: { now: Date; leaseUntil: Date; limit: number },
): Promise<ClaimedPost[]> {
  const result = await sql<ClaimedPost>`
    WITH due AS (
      SELECT p.id, a.token_version
      FROM scheduled_posts p
      JOIN social_accounts a ON a.id = p.social_account_id
      JOIN organization_switches o ON o.id = p.organization_id
      WHERE p.status = 'queued' AND p.scheduled_for <= ${opts.now}
        AND (p.retry_at IS NULL OR p.retry_at <= ${opts.now})
        AND a.status = 'connected' AND NOT o.switched_off
        AND NOT EXISTS (SELECT 1 FROM settings s WHERE s.global_kill_switch)
      ORDER BY p.scheduled_for, p.id
      LIMIT ${opts.limit}
      FOR UPDATE OF p SKIP LOCKED
    )
    UPDATE scheduled_posts p
    SET status = 'publishing', claim_count = p.claim_count + 1, claim_expires_at = ${opts.leaseUntil},
        claimed_token_version = due.token_version, updated_at = ${opts.now}
    FROM due
    WHERE p.id = due.id
    RETURNING p.id, p.organization_id, p.env, p.project_id, p.social_account_id, p.claim_count,
              p.claimed_token_version`.execute(db);
  return result.rows;
}

/**
 * The call marker, committed before the platform call: from here on the platform may have seen
 * the post. Renews the lease for the call. False: the claim was lost.
 */
export async function markCallStarted(
  db: Queryable,
  post: { id: string; claim_count: number },
  opts: { now: Date; leaseUntil: Date },
) {
  const row = await db
    .updateTable('scheduled_posts')
    .set({ call_started_at: opts.now, claim_expires_at: opts.leaseUntil, updated_at: opts.now })
    .where('id', '=', post.id)
    .where('status', '=', 'publishing')
    .where('claim_count', '=', post.claim_count)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Locks the account row for the publish (the fence: every writer of the account takes this lock
 * first) and reads its state, token, and whether its organization is switched off (its own switch,
 * its suspension by its parent, its parent's switch) or the global kill switch is on (read, not locked).
 */
export async function lockAccountForPublish(tx: Tx, socialAccountId: string) {
  const result = await sql<{
    id: string;
    organization_id: string;
    project_id: string;
    platform: Platform;
    env: AccountEnv;
    status: string;
    token_version: number;
    external_account_id: string | null;
    handle: string;
    token_ciphertext: Uint8Array | null;
    token_wrapped_key: Uint8Array | null;
    switched_off: boolean;
  }>`
    SELECT a.id, a.organization_id, a.project_id, a.platform, a.env, a.status, a.token_version, a.external_account_id,
           a.handle, a.token_ciphertext, a.token_wrapped_key,
           (COALESCE(o.switched_off, false)
             OR EXISTS (SELECT 1 FROM settings s WHERE s.global_kill_switch)) AS switched_off
    FROM social_accounts a LEFT JOIN organization_switches o ON o.id = a.organization_id
    WHERE a.id = ${socialAccountId}
    FOR UPDATE OF a`.execute(tx);
  return result.rows[0];
}

/** The claimed post and what to publish, locked (the post only; its content is read, not locked). */
export async function lockClaimedPost(tx: Tx, post: { id: string; claim_count: number }) {
  const result = await sql<{
    id: string;
    mode: 'publish' | 'draft';
    publish_attempts: number;
    caption: string | null;
    media: unknown;
  }>`
    SELECT p.id, p.mode, p.publish_attempts, COALESCE(p.caption_override, c.caption) AS caption, c.media
    FROM scheduled_posts p JOIN content_containers c ON c.id = p.container_id
    WHERE p.id = ${post.id} AND p.status = 'publishing' AND p.claim_count = ${post.claim_count}
    FOR UPDATE OF p`.execute(tx);
  return result.rows[0];
}

/** What every end of a claim writes: the claim cleared; a platform call (if one was made) counted. */
function endOfClaim(now: Date, attemptedAt: Date | undefined) {
  return (eb: ExpressionBuilder<Database, 'scheduled_posts'>) => ({
    claim_expires_at: null,
    call_started_at: null,
    updated_at: now,
    ...(attemptedAt ? { attempted_at: attemptedAt, publish_attempts: eb('publish_attempts', '+', 1) } : {}),
  });
}

/** published (or draft, for a draft) with the platform's ids. Caller holds the post under its claim. */
export async function recordPublished(
  tx: Tx,
  id: string,
  r: { status: 'published' | 'draft'; externalId: string; externalUrl: string | null; attemptedAt: Date; now: Date },
) {
  await tx
    .updateTable('scheduled_posts')
    .set((eb) => ({
      ...endOfClaim(r.now, r.attemptedAt)(eb),
      status: r.status,
      external_id: r.externalId,
      external_url: r.externalUrl,
      published_at: r.now,
      last_error: null,
      retry_at: null,
    }))
    .where('id', '=', id)
    .execute();
}

export type LastError = { code: string; message: string };

/** Terminal failure; `lastError` is what the API shows. `attemptedAt` when the platform was called. */
export async function recordFailed(tx: Tx, id: string, r: { lastError: LastError; attemptedAt?: Date; now: Date }) {
  await tx
    .updateTable('scheduled_posts')
    .set((eb) => ({
      ...endOfClaim(r.now, r.attemptedAt)(eb),
      status: 'failed',
      last_error: JSON.stringify(r.lastError),
      retry_at: null,
    }))
    .where('id', '=', id)
    .execute();
}

/** Back to the queue: held (kill switch, reauth) with `retryAt` null, or a retry after a failed call. */
export async function requeueClaimedPost(
  tx: Tx,
  id: string,
  r: { retryAt: Date | null; lastError?: LastError; attemptedAt?: Date; now: Date },
) {
  await tx
    .updateTable('scheduled_posts')
    .set((eb) => ({
      ...endOfClaim(r.now, r.attemptedAt)(eb),
      status: 'queued',
      retry_at: r.retryAt,
      ...(r.lastError ? { last_error: JSON.stringify(r.lastError) } : {}),
    }))
    .where('id', '=', id)
    .execute();
}

/**
 * Crash recovery, part one: claims whose lease ran out before their platform call started go back
 * to the queue (the platform cannot have seen them). Those whose call started are reconciled with
 * the platform first (queries/publish-reconciliation.ts). SKIP LOCKED: a claim whose owner is still
 * recording holds its row and is left alone.
 */
export async function requeueExpiredClaims(db: Queryable, opts: { now: Date; limit: number }) {
  const result = await sql<{ id: string }>`
    WITH expired AS (
      SELECT p.id FROM scheduled_posts p
      WHERE p.status = 'publishing' AND p.claim_expires_at <= ${opts.now} AND p.call_started_at IS NULL
      ORDER BY p.claim_expires_at
      LIMIT ${opts.limit}
      FOR UPDATE OF p SKIP LOCKED
    )
    UPDATE scheduled_posts p
    SET status = 'queued', claim_expires_at = NULL, call_started_at = NULL, updated_at = ${opts.now}
    FROM expired WHERE p.id = expired.id
    RETURNING p.id`.execute(db);
  return result.rows;
}
