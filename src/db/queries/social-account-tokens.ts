import type { Queryable, Tx } from '../client.js';
import type { AccountEnv, Platform } from '../schema.js';

// The token refresher's reads and writes on social_accounts. Every write after a platform call
// is compare-and-set on token_version and status: a revoke bumps the version, so a refresh
// that finishes after it matches no row and can never write a token back.

/**
 * Leases up to `limit` connected accounts of one platform whose token expires before
 * `expiringBefore`: `token_refresh_after` moves to `leaseUntil`, so no other worker picks
 * them while the refresh is in flight. The row locks last only for this statement.
 */
export async function claimAccountsForTokenRefresh(
  db: Queryable,
  opts: { platform: Platform; env: AccountEnv; now: Date; expiringBefore: Date; leaseUntil: Date; limit: number },
) {
  return db
    .with('due', (qb) =>
      qb
        .selectFrom('social_accounts')
        .select('id')
        .where('status', '=', 'connected')
        .where('platform', '=', opts.platform)
        .where('env', '=', opts.env)
        .where('token_ciphertext', 'is not', null)
        .where('token_expires_at', '<=', opts.expiringBefore)
        .where((eb) => eb.or([eb('token_refresh_after', 'is', null), eb('token_refresh_after', '<=', opts.now)]))
        .orderBy('token_expires_at')
        .limit(opts.limit)
        .forUpdate()
        .skipLocked(),
    )
    .updateTable('social_accounts as a')
    .from('due')
    .set({ token_refresh_after: opts.leaseUntil })
    .whereRef('a.id', '=', 'due.id')
    .returning([
      'a.id',
      'a.organization_id',
      'a.project_id',
      'a.platform',
      'a.handle',
      'a.token_ciphertext',
      'a.token_wrapped_key',
      'a.token_version',
      'a.token_expires_at',
      'a.env',
    ])
    .execute();
}

export type AccountForTokenRefresh = Awaited<ReturnType<typeof claimAccountsForTokenRefresh>>[number];

/** CAS write-back of a refreshed token (sealed under the same version). False: the account moved on. */
export async function writeRefreshedToken(
  db: Queryable,
  w: {
    id: string;
    tokenVersion: number;
    ciphertext: Uint8Array;
    wrappedKey: Uint8Array;
    expiresAt: Date | null;
    now: Date;
  },
) {
  const row = await db
    .updateTable('social_accounts')
    .set({
      token_ciphertext: w.ciphertext,
      token_wrapped_key: w.wrappedKey,
      token_expires_at: w.expiresAt,
      token_refresh_after: null,
      updated_at: w.now,
    })
    .where('id', '=', w.id)
    .where('token_version', '=', w.tokenVersion)
    .where('status', '=', 'connected')
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** CAS: a connected account whose grant the platform refused becomes reauth_required. */
export async function markAccountReauthRequired(tx: Tx, m: { id: string; tokenVersion: number; now: Date }) {
  return tx
    .updateTable('social_accounts')
    .set({ status: 'reauth_required', token_refresh_after: null, updated_at: m.now })
    .where('id', '=', m.id)
    .where('token_version', '=', m.tokenVersion)
    .where('status', '=', 'connected')
    .returning(['id', 'status'])
    .executeTakeFirst();
}

/** Backs off a failed refresh until `until` (the lease becomes the back-off). */
export async function deferTokenRefresh(db: Queryable, d: { id: string; tokenVersion: number; until: Date }) {
  await db
    .updateTable('social_accounts')
    .set({ token_refresh_after: d.until })
    .where('id', '=', d.id)
    .where('token_version', '=', d.tokenVersion)
    .execute();
}
