import type { RehearsableFault, RehearsedFault } from '../../platforms/rehearsal.js';
import type { Queryable, Tx } from '../client.js';

// A test account's rehearsed faults (migration 0022): set and cleared by the API, taken one per
// publish attempt by the publisher (which holds the account's lock while it does).

export type StoredTestFault = {
  fault: RehearsableFault;
  /** Publish attempts this fault still answers. */
  remaining: number;
  retryAfterSeconds?: number;
  delaySeconds?: number;
};

export type TestFaultsRow = { faults: StoredTestFault[]; updatedAt: Date };

export async function findTestFaults(db: Queryable, socialAccountId: string): Promise<TestFaultsRow | undefined> {
  const row = await db
    .selectFrom('social_account_test_faults')
    .select(['faults', 'updated_at'])
    .where('social_account_id', '=', socialAccountId)
    .executeTakeFirst();
  return row && { faults: row.faults as StoredTestFault[], updatedAt: row.updated_at };
}

/** Replaces the account's list (an empty list is stored as no row). */
export async function writeTestFaults(db: Queryable, socialAccountId: string, faults: StoredTestFault[], now: Date) {
  if (faults.length === 0) {
    await deleteTestFaults(db, socialAccountId);
    return;
  }
  const value = JSON.stringify(faults);
  await db
    .insertInto('social_account_test_faults')
    .values({ social_account_id: socialAccountId, faults: value, updated_at: now })
    .onConflict((oc) => oc.column('social_account_id').doUpdateSet({ faults: value, updated_at: now }))
    .execute();
}

/** Whether there was a list to clear. */
export async function deleteTestFaults(db: Queryable, socialAccountId: string): Promise<boolean> {
  const res = await db
    .deleteFrom('social_account_test_faults')
    .where('social_account_id', '=', socialAccountId)
    .executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** The first fault of the list for one publish attempt, counted down (and dropped at zero). */
export async function takeTestFault(tx: Tx, socialAccountId: string, now: Date): Promise<RehearsedFault | undefined> {
  const row = await tx
    .selectFrom('social_account_test_faults')
    .select('faults')
    .where('social_account_id', '=', socialAccountId)
    .forUpdate()
    .executeTakeFirst();
  const [first, ...rest] = (row?.faults ?? []) as StoredTestFault[];
  if (!first) return undefined;
  const left = first.remaining > 1 ? [{ ...first, remaining: first.remaining - 1 }, ...rest] : rest;
  await writeTestFaults(tx, socialAccountId, left, now);
  const { remaining: _, ...fault } = first;
  return fault;
}
