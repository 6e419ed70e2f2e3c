import { withTransaction } from '../db/client.js';
import { chargeNextPeriod, claimDueLeases } from '../db/queries/leases.js';
import { newId } from '../ids.js';
import type { WorkerDeps } from './deps.js';

// 50 leases per transaction: short transactions that hold few locks, few round trips.
const BATCH = 50;
// A pass catches up at most this many batches (a worker that was down for months included).
const MAX_BATCHES_PER_PASS = 1_000;

export type LeaseRenewalSummary = { charged: number };

/**
 * Charges every lease whose renewal is due, one period at a time, each charge in the same
 * transaction as the move of next_renewal_at. Several workers share the work (SKIP LOCKED);
 * a crash rolls the batch back; the (lease, period) unique key forbids a second charge.
 */
export async function runLeaseRenewals(deps: Pick<WorkerDeps, 'db' | 'clock' | 'fault'>): Promise<LeaseRenewalSummary> {
  let charged = 0;
  for (let i = 0; i < MAX_BATCHES_PER_PASS; i++) {
    const claimed = await withTransaction(deps.db, async (tx) => {
      const now = deps.clock.now();
      const due = await claimDueLeases(tx, now, BATCH);
      for (const lease of due) {
        if (await chargeNextPeriod(tx, lease, newId('chg'), now)) charged++;
        await deps.fault?.('renewal:after-charge');
      }
      return due.length;
    });
    if (claimed === 0) break;
  }
  return { charged };
}
