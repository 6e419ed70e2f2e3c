import type { Insertable } from 'kysely';
import type { Queryable } from '../client.js';
import type { ApiKeysTable } from '../schema.js';

/** The authentication lookup: key, its organization and every kill switch, in one query. */
export async function findKeyWithSwitches(db: Queryable, keyId: string) {
  return db
    .selectFrom('api_keys as k')
    .innerJoin('organizations as o', 'o.id', 'k.organization_id')
    .innerJoin('settings as s', (j) => j.onTrue())
    .select([
      'k.id',
      'k.organization_id',
      'k.env',
      'k.secret_hash',
      'k.scopes',
      'k.rate_limit_tier',
      'k.return_url_allowlist',
      'k.kill_switch as key_kill_switch',
      'k.revoked_at',
      'o.name as organization_name',
      'o.kill_switch as organization_kill_switch',
      's.global_kill_switch',
    ])
    .where('k.id', '=', keyId)
    .executeTakeFirst();
}

export async function insertApiKey(db: Queryable, row: Insertable<ApiKeysTable>) {
  await db.insertInto('api_keys').values(row).execute();
}

export async function setKeyKillSwitch(
  db: Queryable,
  organizationId: string | null,
  keyId: string,
  on: boolean,
  now: Date,
) {
  let q = db
    .updateTable('api_keys')
    .set({ kill_switch: on, killed_at: on ? now : null })
    .where('id', '=', keyId);
  if (organizationId !== null) q = q.where('organization_id', '=', organizationId);
  return q.returning(['id', 'organization_id', 'kill_switch', 'killed_at']).executeTakeFirst();
}

export async function findApiKeyForUpdate(db: Queryable, organizationId: string, keyId: string) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'kill_switch', 'killed_at'])
    .where('id', '=', keyId)
    .where('organization_id', '=', organizationId)
    .forUpdate()
    .executeTakeFirst();
}

/** An organization's keys, oldest first, without their secret hashes (the operator's list). */
export async function listOrganizationApiKeys(db: Queryable, organizationId: string) {
  return db
    .selectFrom('api_keys')
    .select([
      'id',
      'name',
      'env',
      'secret_last4',
      'scopes',
      'rate_limit_tier',
      'kill_switch',
      'killed_at',
      'revoked_at',
      'created_at',
    ])
    .where('organization_id', '=', organizationId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** A key by id alone (the operator's view: any organization), locked for a revoke. */
export async function lockApiKey(db: Queryable, keyId: string) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'organization_id', 'revoked_at'])
    .where('id', '=', keyId)
    .forUpdate()
    .executeTakeFirst();
}

export async function setKeyRevoked(db: Queryable, keyId: string, now: Date) {
  await db.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', keyId).execute();
}
