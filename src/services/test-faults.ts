import { toWire } from '../clock.js';
import type { ActingCtx, Ctx } from '../context.js';
import { withTransaction } from '../db/client.js';
import { findSocialAccountForUpdate, findSocialAccountView } from '../db/queries/social-accounts.js';
import { deleteTestFaults, findTestFaults, type StoredTestFault, writeTestFaults } from '../db/queries/test-faults.js';
import { emit, requestEvents } from '../events/emit.js';
import { ApiError, invalidField, notFound } from '../http/errors.js';
import type { RehearsableFault } from '../platforms/rehearsal.js';
import type { Platform } from '../platforms/types.js';

// Rehearsed faults on a test account (docs/platform-rules.md "Rehearsing faults"): a partner
// arms the sandbox to answer the account's next publish attempts with a platform error, to see
// our real needs_reauth, retry, failed and webhook behaviour. Test mode only: a live key is
// refused whatever it names, and a live account is behind the environment wall (404).

export type TestFaultInput = {
  fault: RehearsableFault;
  count: number;
  retryAfterSeconds?: number;
  delaySeconds?: number;
};

type Principal = ActingCtx['principal'];

function requireTestMode(principal: Pick<Principal, 'env'>) {
  if (principal.env !== 'test')
    throw new ApiError(
      'TEST_MODE_ONLY',
      'Test faults are a test-mode feature: use an lp_test_ key and a test account. ' +
        'Live accounts never rehearse faults.',
    );
}

/** The account's list as GET shows it: what is armed, in the order it applies. */
function view(socialAccountId: string, platform: Platform, row: Awaited<ReturnType<typeof findTestFaults>>) {
  return {
    socialAccountId,
    platform,
    faults: (row?.faults ?? []).map(({ fault, remaining, retryAfterSeconds, delaySeconds }) => ({
      fault,
      remaining,
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
      ...(delaySeconds !== undefined ? { delaySeconds } : {}),
    })),
    updatedAt: toWire(row?.updatedAt ?? null),
  };
}

/** Rules beyond the schema: parameters belong to one fault each; slow moderation is Instagram's. */
function checkFaults(platform: string, faults: TestFaultInput[]) {
  faults.forEach((f, i) => {
    if (f.retryAfterSeconds !== undefined && f.fault !== 'rate_limited')
      throw invalidField(`faults.${i}.retryAfterSeconds`, 'applies to rate_limited only');
    if (f.delaySeconds !== undefined && f.fault !== 'slow_moderation')
      throw invalidField(`faults.${i}.delaySeconds`, 'applies to slow_moderation only');
    if (f.fault === 'slow_moderation' && platform !== 'instagram')
      throw invalidField(
        `faults.${i}.fault`,
        'slow_moderation is rehearsable on Instagram accounts only: ' +
          'Layers records a TikTok post when TikTok accepts it',
      );
  });
}

export async function getTestFaults(ctx: Pick<Ctx, 'db' | 'principal'>, input: { socialAccountId: string }) {
  requireTestMode(ctx.principal);
  const account = await findSocialAccountView(ctx.db, ctx.principal, input.socialAccountId);
  if (!account) throw notFound('social account', input.socialAccountId);
  return view(account.id, account.platform, await findTestFaults(ctx.db, account.id));
}

/** Replaces the account's list; audit-logged with what was armed. */
export async function setTestFaults(ctx: ActingCtx, input: { socialAccountId: string; faults: TestFaultInput[] }) {
  requireTestMode(ctx.principal);
  return withTransaction(ctx.db, async (tx) => {
    const account = await findSocialAccountForUpdate(tx, ctx.principal, input.socialAccountId);
    if (!account) throw notFound('social account', input.socialAccountId);
    checkFaults(account.platform, input.faults);
    const now = ctx.clock.now();
    const stored: StoredTestFault[] = input.faults.map(({ count, ...f }) => ({ ...f, remaining: count }));
    await writeTestFaults(tx, account.id, stored, now);
    await emit(
      tx,
      requestEvents(ctx, now),
      'social_account.test_faults_set',
      { socialAccountId: account.id, faults: input.faults },
      { projectId: account.project_id },
    );
    return view(account.id, account.platform, await findTestFaults(tx, account.id));
  });
}

/** Disarms every fault of the account; audit-logged (with whether there was anything to clear). */
export async function clearTestFaults(ctx: ActingCtx, input: { socialAccountId: string }) {
  requireTestMode(ctx.principal);
  return withTransaction(ctx.db, async (tx) => {
    const account = await findSocialAccountForUpdate(tx, ctx.principal, input.socialAccountId);
    if (!account) throw notFound('social account', input.socialAccountId);
    const cleared = await deleteTestFaults(tx, account.id);
    await emit(
      tx,
      requestEvents(ctx, ctx.clock.now()),
      'social_account.test_faults_cleared',
      { socialAccountId: account.id, cleared },
      { projectId: account.project_id },
    );
    return view(account.id, account.platform, undefined);
  });
}
