import type { Insertable } from 'kysely';
import type { Queryable, Tx } from '../client.js';
import { compiledOnce } from '../compiled.js';
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

const accountForUpdate = compiledOnce((tx: Queryable, a: { id: string } & Owner) =>
  tx
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
    .where('id', '=', a.id)
    .where('organization_id', '=', a.organizationId)
    .where('env', '=', a.env)
    .forUpdate(),
);

/** Locks the account row: the lock every writer of the account and its posts takes first. */
export async function findSocialAccountForUpdate(tx: Tx, owner: Owner, id: string) {
  return accountForUpdate.first(tx, { id, organizationId: owner.organizationId, env: owner.env });
}

const disconnect = compiledOnce((tx: Queryable, a: { id: string; reason: string; now: Date }) =>
  tx
    .updateTable('social_accounts')
    .set((eb) => ({
      status: 'disconnected',
      disconnected_reason: a.reason,
      disconnected_at: a.now,
      token_ciphertext: null,
      token_wrapped_key: null,
      token_expires_at: null,
      token_version: eb('token_version', '+', 1),
      updated_at: a.now,
    }))
    .where('id', '=', a.id)
    .returning(['id', 'status', 'disconnected_reason', 'disconnected_at', 'token_version']),
);

/**
 * Disconnects and erases the stored token, and its expiry with it (no token, nothing expires);
 * the version bump fences any late token write-back.
 */
export async function disconnectSocialAccount(tx: Tx, id: string, reason: string, now: Date) {
  return disconnect.firstOrThrow(tx, { id, reason, now });
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

type ListArgs = Omit<SocialAccountFilter, 'owner' | 'after'> & Owner & { afterCreatedAt?: Date; afterId?: string };

/** The list's query for one combination of filters (which are given, not their values). */
function listQuery(shape: number) {
  return compiledOnce((db: Queryable, a: ListArgs) => {
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
      .where('organization_id', '=', a.organizationId)
      .where('env', '=', a.env)
      .where('project_id', '=', a.projectId)
      .orderBy('created_at')
      .orderBy('id')
      .limit(a.limit);
    if (shape & 1) q = q.where('platform', '=', a.platform!);
    if (shape & 2) q = q.where('status', '=', a.status!);
    if (shape & 4) q = q.where('leased', '=', a.leased!);
    if (shape & 8) q = q.where(afterKeyset({ createdAt: a.afterCreatedAt!, id: a.afterId! }, 'asc'));
    return q;
  });
}

const listQueries = Array.from({ length: 16 }, (_, shape) => listQuery(shape));

/** Oldest first (connection order), keyset-paginated on (created_at, id). */
export async function listSocialAccounts(db: Queryable, f: SocialAccountFilter) {
  const shape =
    (f.platform !== undefined ? 1 : 0) |
    (f.status !== undefined ? 2 : 0) |
    (f.leased !== undefined ? 4 : 0) |
    (f.after ? 8 : 0);
  return listQueries[shape]!.rows(db, {
    organizationId: f.owner.organizationId,
    env: f.owner.env,
    projectId: f.projectId,
    platform: f.platform,
    status: f.status,
    leased: f.leased,
    afterCreatedAt: f.after?.createdAt,
    afterId: f.after?.id,
    limit: f.limit,
  });
}

const accountsByIds = (db: Queryable, owner: Owner, ids: string[]) =>
  db
    .selectFrom('social_accounts')
    .select(['id', 'project_id', 'platform', 'status'])
    .where('id', 'in', ids)
    .where('organization_id', '=', owner.organizationId)
    .where('env', '=', owner.env)
    .orderBy('id');

/** The same rows as lockSocialAccounts, read without a lock (a validation that writes nothing). */
export async function findSocialAccountsByIds(db: Queryable, owner: Owner, ids: string[]) {
  return ids.length === 0 ? [] : accountsByIds(db, owner, ids).execute();
}

/**
 * Locks the given accounts of this organization in id order — one order for every multi-account
 * locker, so two of them never deadlock. Ids of other owners are simply not returned.
 */
export async function lockSocialAccounts(tx: Tx, owner: Owner, ids: string[]) {
  return ids.length === 0 ? [] : accountsByIds(tx, owner, ids).forUpdate().execute();
}
