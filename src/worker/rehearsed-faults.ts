import type { Tx } from '../db/client.js';
import { takeTestFault } from '../db/queries/test-faults.js';
import type { AccountEnv } from '../db/schema.js';
import { isPlatformError, type RehearsedFault } from '../platforms/index.js';

// A partner's rehearsed faults (docs/platform-rules.md "Rehearsing faults") as the publisher
// meets them: one taken per publish attempt of a test account, under the account's lock. The
// attempt runs inside withRehearsedFault (src/platforms/rehearsal.ts); only the sandbox adapters
// turn it into the X-Sandbox-Fault header, so a live account is never touched by one.

/** The fault this publish attempt rehearses: test accounts only; live accounts never read the list. */
export async function takeRehearsedFault(
  tx: Tx,
  account: { id: string; env: AccountEnv },
  now: Date,
): Promise<RehearsedFault | undefined> {
  if (account.env !== 'test') return undefined;
  return takeTestFault(tx, account.id, now);
}

/** How long the platform asked us to wait before the next attempt (its Retry-After), 0 when it did not. */
export function retryAfterMs(err: unknown): number {
  return isPlatformError(err) ? (err.retryAfterMs ?? 0) : 0;
}
