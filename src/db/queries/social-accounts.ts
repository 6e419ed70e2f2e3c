import type { Insertable } from 'kysely';
import type { Queryable, Tx } from '../client.js';
import type { SocialAccountsTable } from '../schema.js';
import { afterKeyset } from './keyset.js';
import type { Owner } from './owner.js';

type NewAccount = Omit<
  Insertable<SocialAccountsTable>,
  'status' | 'disconnected_at' | 'disconnected_reason' | 'created_at' | 'updated_at' | 'connected_at'
> & { now: Date };

export async function insertSocialAccount(db: Queryable, row: Insertable<SocialAccountsTable>) {
  return db.insertInto('social_accounts').values(row).returningAll().executeTakeFirstOrThrow();
}

/** A newly connected account (OAuth, a lease, an operator's fixture): connected now, never disconnected. */
export async function insertConnectedAccount(db: Queryable, { now, ...row }: NewAccount) {
  return insertSocialAccount(db, {
    ...row,
    status: 'connected',
    connected_at: now,
    disconnected_at: null,
    disconnected_reason: null,
    created_at: now,
    updated_at: now,
  });
}

/** An account of this owner with what a revoke would cancel now. */
export async function findSocialAccountView(db: Queryable, owner: Owner, id: string) {
  return db
    .selectFrom('social_accounts as a')
    .select([
      'a.id',
      'a.project_id',
      'a.platform',
      'a.handle',
      'a.avatar_url',
      'a.status',
      'a.leased',
      'a.connected_at',
      'a.token_expires_at',
      'a.disconnected_at',
      'a.disconnected_reason',
    ])
    .select((eb) => [
      eb
        .selectFrom('scheduled_posts as p')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('p.social_account_id', '=', 'a.id')
        .where('p.status', '=', 'queued')
        .as('queued_posts'),
    ])
    .where('a.id', '=', id)
    .where('a.organization_id', '=', owner.organizationId)
    .where('a.env', '=', owner.env)
    .executeTakeFirst();
}

/** Locks the account row: the lock every writer of the account and its posts takes first. */
export async function findSocialAccountForUpdate(tx: Tx, owner: Owner, id: string) {
  return tx
    .selectFrom('social_accounts')
    .select([
      'id',
      'project_id',
      'platform',
      'status',
      'leased',
      'token_ciphertext',
      'token_wrapped_key',
      'token_version',
    ])
    .where('id', '=', id)
    .where('organization_id', '=', owner.organizationId)
    .where('env', '=', owner.env)
    .forUpdate()
    .executeTakeFirst();
}

/**
 * Disconnects and erases the stored token, and its expiry with it (no token, nothing expires);
 * the version bump fences any late token write-back.
 */
export async function disconnectSocialAccount(tx: Tx, id: string, reason: string, now: Date) {
  return tx
    .updateTable('social_accounts')
    .set((eb) => ({
      status: 'disconnected',
      disconnected_reason: reason,
      disconnected_at: now,
      token_ciphertext: null,
      token_wrapped_key: null,
      token_expires_at: null,
      token_version: eb('token_version', '+', 1),
      updated_at: now,
    }))
    .where('id', '=', id)
    .returning(['id', 'status', 'disconnected_reason', 'disconnected_at', 'token_version'])
    .executeTakeFirstOrThrow();
}

/** Operator-plane lookup, across organizations. */
export async function findSocialAccountById(db: Queryable, id: string) {
  return db.selectFrom('social_accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Locks every account of a project (id order, so concurrent lockers never deadlock). */
export async function lockProjectAccounts(tx: Tx, projectId: string) {
  return tx
    .selectFrom('social_accounts')
    .select('id')
    .where('project_id', '=', projectId)
    .orderBy('id')
    .forUpdate()
    .execute();
}

export type SocialAccountFilter = {
  owner: Owner;
  projectId: string;
  platform?: 'tiktok' | 'instagram';
  status?: 'connected' | 'reauth_required' | 'disconnected';
  leased?: boolean;
  after?: { createdAt: Date; id: string };
  limit: number;
};

/** Oldest first (connection order), keyset-paginated on (created_at, id). */
export async function listSocialAccounts(db: Queryable, f: SocialAccountFilter) {
  let q = db
    .selectFrom('social_accounts')
    .select([
      'id',
      'project_id',
      'platform',
      'handle',
      'avatar_url',
      'status',
      'leased',
      'connected_at',
      'token_expires_at',
      'disconnected_at',
      'disconnected_reason',
      'created_at',
    ])
    .where('organization_id', '=', f.owner.organizationId)
    .where('env', '=', f.owner.env)
    .where('project_id', '=', f.projectId)
    .orderBy('created_at')
    .orderBy('id')
    .limit(f.limit);
  if (f.platform !== undefined) q = q.where('platform', '=', f.platform);
  if (f.status !== undefined) q = q.where('status', '=', f.status);
  if (f.leased !== undefined) q = q.where('leased', '=', f.leased);
  if (f.after) q = q.where(afterKeyset(f.after, 'asc'));
  return q.execute();
}

/**
 * Locks the given accounts of this organization in id order — one order for every multi-account
 * locker, so two of them never deadlock. Ids of other owners are simply not returned.
 */
/** The same rows as lockSocialAccounts, read without a lock (a validation that writes nothing). */
export async function findSocialAccountsByIds(db: Queryable, owner: Owner, ids: string[]) {
  if (ids.length === 0) return [];
  return db
    .selectFrom('social_accounts')
    .select(['id', 'project_id', 'platform', 'status'])
    .where('id', 'in', ids)
    .where('organization_id', '=', owner.organizationId)
    .where('env', '=', owner.env)
    .orderBy('id')
    .execute();
}

export async function lockSocialAccounts(tx: Tx, owner: Owner, ids: string[]) {
  if (ids.length === 0) return [];
  return tx
    .selectFrom('social_accounts')
    .select(['id', 'project_id', 'platform', 'status'])
    .where('id', 'in', ids)
    .where('organization_id', '=', owner.organizationId)
    .where('env', '=', owner.env)
    .orderBy('id')
    .forUpdate()
    .execute();
}
