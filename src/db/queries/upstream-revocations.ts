import type { Queryable, Tx } from '../client.js';
import type { Platform } from '../schema.js';

/** Hands the sealed token to the upstream-revocation job, in the revoke's transaction. */
export async function enqueueUpstreamRevocation(
  tx: Tx,
  job: { socialAccountId: string; platform: Platform; ciphertext: Uint8Array; wrappedKey: Uint8Array; tokenVersion: number; now: Date },
) {
  await tx
    .insertInto('upstream_revocations')
    .values({
      social_account_id: job.socialAccountId,
      platform: job.platform,
      status: 'pending',
      token_ciphertext: job.ciphertext,
      token_wrapped_key: job.wrappedKey,
      token_version: job.tokenVersion,
      next_attempt_at: job.now,
      created_at: job.now,
      updated_at: job.now,
    })
    .execute();
}

export async function findLatestUpstreamRevocation(db: Queryable, socialAccountId: string) {
  return db
    .selectFrom('upstream_revocations')
    .select(['status', 'attempted_at', 'last_error'])
    .where('social_account_id', '=', socialAccountId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}
