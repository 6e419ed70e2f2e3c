import type { Insertable } from 'kysely';
import type { Queryable, Tx } from '../client.js';
import type { AccountEnv, OAuthStatesTable } from '../schema.js';
import type { Owner } from './owner.js';

export async function insertOAuthState(db: Queryable, row: Insertable<OAuthStatesTable>) {
  await db.insertInto('oauth_states').values(row).execute();
}

/** A state as the callback needs it, with the env of the key that started the flow. */
export async function findOAuthState(db: Queryable, id: string) {
  return db
    .selectFrom('oauth_states as s')
    .innerJoin('api_keys as k', 'k.id', 's.api_key_id')
    .selectAll('s')
    .select('k.env')
    .where('s.id', '=', id)
    .executeTakeFirst();
}

/** Moves a still-pending state to its outcome; false when another callback settled it first. */
export async function settleOAuthState(
  db: Queryable,
  id: string,
  outcome: { status: 'completed' | 'failed' | 'expired'; socialAccountId?: string; error?: string },
) {
  const res = await db
    .updateTable('oauth_states')
    .set({ status: outcome.status, social_account_id: outcome.socialAccountId, error: outcome.error ?? null })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Locks the account a reconnect re-binds (the flow's organization and environment only). */
export async function lockAccountForRebind(tx: Tx, owner: Owner, id: string) {
  return tx
    .selectFrom('social_accounts')
    .select(['id', 'project_id', 'platform', 'status', 'external_account_id', 'token_version'])
    .where('id', '=', id)
    .where('organization_id', '=', owner.organizationId)
    .where('env', '=', owner.env)
    .forUpdate()
    .executeTakeFirst();
}

/** An account of the project, in this environment, already bound to this platform identity and not disconnected. */
export async function findBoundAccount(
  tx: Tx,
  projectId: string,
  env: AccountEnv,
  platform: string,
  externalAccountId: string,
) {
  return tx
    .selectFrom('social_accounts')
    .select(['id', 'project_id', 'platform', 'status', 'external_account_id', 'token_version'])
    .where('project_id', '=', projectId)
    .where('env', '=', env)
    .where('platform', '=', platform as 'tiktok')
    .where('external_account_id', '=', externalAccountId)
    .where('status', '!=', 'disconnected')
    .forUpdate()
    .executeTakeFirst();
}

/** Binds a fresh grant to an account: connected again, token sealed under the bumped version. */
export async function rebindAccount(
  tx: Tx,
  w: {
    id: string;
    version: number;
    ciphertext: Uint8Array;
    wrappedKey: Uint8Array;
    expiresAt: Date | null;
    handle: string;
    avatarUrl: string | null;
    now: Date;
  },
) {
  await tx
    .updateTable('social_accounts')
    .set({
      status: 'connected',
      token_version: w.version,
      token_ciphertext: w.ciphertext,
      token_wrapped_key: w.wrappedKey,
      token_expires_at: w.expiresAt,
      token_refresh_after: null,
      handle: w.handle,
      avatar_url: w.avatarUrl,
      connected_at: w.now,
      disconnected_at: null,
      disconnected_reason: null,
      updated_at: w.now,
    })
    .where('id', '=', w.id)
    .execute();
}
