import type { Insertable, Updateable } from 'kysely';
import type { Queryable, Tx } from '../client.js';
import type { WebhookEndpointsTable } from '../schema.js';
import { afterKeyset } from './keyset.js';

// Webhook endpoints. A deleted endpoint (deleted_at set) is invisible to every partner query.

export async function insertWebhookEndpoint(tx: Tx, row: Insertable<WebhookEndpointsTable>) {
  return tx.insertInto('webhook_endpoints').values(row).returningAll().executeTakeFirstOrThrow();
}

/**
 * Serializes endpoint creation per organization, so the per-organization cap holds under
 * concurrent creates. NO KEY UPDATE: inserts elsewhere that reference the organization
 * (audit rows, outbox events) only take KEY SHARE and are not blocked.
 */
export async function lockOrganizationForEndpoints(tx: Tx, organizationId: string) {
  await tx.selectFrom('organizations').select('id').where('id', '=', organizationId).forNoKeyUpdate().execute();
}

export async function countLiveWebhookEndpoints(db: Queryable, organizationId: string): Promise<number> {
  const row = await db
    .selectFrom('webhook_endpoints')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('organization_id', '=', organizationId)
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function findWebhookEndpoint(db: Queryable, organizationId: string, id: string) {
  return db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('id', '=', id)
    .where('organization_id', '=', organizationId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

export async function findWebhookEndpointForUpdate(tx: Tx, organizationId: string, id: string) {
  return tx
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('id', '=', id)
    .where('organization_id', '=', organizationId)
    .where('deleted_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
}

/** Newest first, keyset-paginated on (created_at, id). */
export async function listWebhookEndpointRows(
  db: Queryable,
  f: { organizationId: string; after?: { createdAt: Date; id: string }; limit: number },
) {
  let q = db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('organization_id', '=', f.organizationId)
    .where('deleted_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(f.limit);
  if (f.after) q = q.where(afterKeyset(f.after, 'desc'));
  return q.execute();
}

export async function updateWebhookEndpointRow(tx: Tx, id: string, changes: Updateable<WebhookEndpointsTable>) {
  return tx.updateTable('webhook_endpoints').set(changes).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}
