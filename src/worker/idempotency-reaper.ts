import { reapIdempotencyKeys } from '../db/queries/idempotency-keys.js';
import { IDEMPOTENCY_TTL_MS } from '../http/guards/idempotency.js';
import type { WorkerDeps } from './deps.js';

// 1,000 rows per DELETE: each statement is its own short transaction, holding few row locks
// and (on PGlite, one connection) keeping requests waiting only a few milliseconds.
export const REAP_BATCH = 1_000;
// At most 10 statements a pass: up to 2,000 keys/s at a pass every 5 s, above the embedded
// database's whole write rate (and each worker on PostgreSQL adds as much); a larger backlog
// (no worker for days) drains over the following passes instead of making one long pass.
export const REAP_MAX_STATEMENTS_PER_PASS = 10;

export type IdempotencyReapSummary = { reaped: number };

/**
 * Deletes Idempotency-Key rows older than their 24 hours (the guard already ignores them; this
 * keeps the table from growing forever). Several workers share a backlog (SKIP LOCKED).
 */
export async function reapExpiredIdempotencyKeys(
  deps: Pick<WorkerDeps, 'db' | 'clock' | 'signal'>,
): Promise<IdempotencyReapSummary> {
  const expiredBefore = new Date(deps.clock.now().getTime() - IDEMPOTENCY_TTL_MS);
  let reaped = 0;
  for (let i = 0; i < REAP_MAX_STATEMENTS_PER_PASS && !deps.signal?.aborted; i++) {
    const n = await reapIdempotencyKeys(deps.db, expiredBefore, REAP_BATCH);
    reaped += n;
    if (n < REAP_BATCH) break;
  }
  return { reaped };
}
