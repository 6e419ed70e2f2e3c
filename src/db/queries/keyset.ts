import { sql } from 'kysely';

/**
 * Keyset pagination on (created_at, id): the rows after `after` in the listing's order. A row
 * comparison, so ties on created_at are broken by id and the (…, created_at, id) index is used.
 */
export function afterKeyset(after: { createdAt: Date; id: string }, order: 'asc' | 'desc') {
  return sql<boolean>`(created_at, id) ${sql.raw(order === 'desc' ? '<' : '>')} (${after.createdAt}, ${after.id})`;
}
