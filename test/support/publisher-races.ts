import assert from 'node:assert/strict';
import type { PlatformAdapters } from '../../src/platforms/types.js';
import * as admin from '../../src/services/admin.js';
import { type PublisherSummary, runPublisher } from '../../src/worker/publisher.js';
import { type Harness, json } from '../harness.js';
import { assertPublishedOnce, noteLostAnswers } from './publish-witness.js';
import { type SandboxFixture, sandboxAccount, workerDeps } from './sandbox.js';

// The publisher's two races with two workers (two pass loops sharing the queue, as two processes
// would), shared by test/worker/publisher-race.test.ts and its repeated form in the reliability
// suite. The sandbox platform's call log is the witness of what reached a platform, and when.

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type LostAnswer = { endpoint: 'tiktok.publish' | 'instagram.publish'; atCall: number };

export type RaceOptions = {
  /** The adapters the workers call the sandbox through (its timeout decides when an answer is lost). */
  adapters?: PlatformAdapters;
  /** Lose the answer of the publish call number `atCall` (1-based): the platform acts, no answer comes. */
  loseAnswer?: LostAnswer;
  /** Told how the run went before anything is asserted, so a failure shows it too. */
  diagnostic?: (line: string) => void;
};

/**
 * `count` queued posts on the account, all due already (scheduled an hour apart, in the past). The
 * account's publishing budget (sandbox and stored) is raised above them: these races are about
 * fencing and exactly-once, not quotas (test/worker/publish-quota.test.ts).
 */
async function duePosts(h: Harness, socialAccountId: string, count: number, fx: SandboxFixture) {
  const a = await h.db
    .selectFrom('social_accounts')
    .select(['platform', 'external_account_id'])
    .where('id', '=', socialAccountId)
    .executeTakeFirstOrThrow();
  const limit = count + 1_000;
  fx.sandbox.setQuota({ platform: a.platform, externalAccountId: a.external_account_id!, limit });
  await h.db
    .updateTable('social_accounts')
    .set({ publish_quota_limit: limit, publish_quota_window_seconds: 86_400, publish_quota_source: 'platform' })
    .where('id', '=', socialAccountId)
    .execute();
  const firstDueAt = new Date(Date.now() - (count + 1) * HOUR);
  return (await admin.createQueuedPosts(h.adminCtx(), { socialAccountId, count, firstDueAt })).scheduledPostIds;
}

const publishCalls = (fx: SandboxFixture, externalAccountIds: string[]) =>
  fx.sandbox.log.filter((c) => c.endpoint.endsWith('.publish') && externalAccountIds.includes(c.externalAccountId!));

/** Arms the lost answer once `atCall - 1` publish calls of these accounts reached the sandbox. */
async function armLostAnswer(
  fx: SandboxFixture,
  externalAccountIds: string[],
  lose: LostAnswer | undefined,
  done: () => boolean,
) {
  if (!lose) return;
  while (publishCalls(fx, externalAccountIds).length < lose.atCall - 1 && !done()) await sleep(1);
  if (!done()) fx.sandbox.setFault({ endpoint: lose.endpoint, mode: 'timeout_after_effect', count: 1 });
}

/** Runs publisher passes until `until()` holds and a pass finds nothing to claim. */
async function workerLoop(h: Harness, fx: SandboxFixture, adapters: PlatformAdapters, until: () => boolean) {
  const passes: PublisherSummary[] = [];
  for (;;) {
    const pass = await runPublisher(workerDeps(h, fx, { adapters }));
    passes.push(pass);
    if (pass.claimed === 0 && until()) return passes;
    if (pass.claimed === 0) await sleep(5);
  }
}
const claimedBy = (passes: PublisherSummary[]) => passes.reduce((n, p) => n + p.claimed, 0);
const sum = (m: ReadonlyMap<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/**
 * `posts` due posts on one account, two workers, the partner's revoke once `revokeAfterCalls`
 * publishes reached the platform: none published after its commit, every post published once,
 * canceled, or failed unsent, and the counts add up.
 */
export async function revokeMidPublishRace(
  h: Harness,
  fx: SandboxFixture,
  o: RaceOptions & { posts: number; revokeAfterCalls: number },
) {
  const t = await h.tenant();
  const account = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
  const ids = await duePosts(h, account.id, o.posts, fx);
  const witness = noteLostAnswers(o.adapters ?? fx.adapters);
  const calls = () => publishCalls(fx, [account.externalAccountId]);
  fx.sandbox.configure({ ignoreIdempotencyKeys: true }); // a re-send would be a second post

  // The sandbox log's length at the revoke's last step: it holds the account lock, its commit follows.
  let logAtCommit: number | undefined;
  h.setFault(async (p) => {
    if (p === 'revoke:before-commit') logAtCommit = fx.sandbox.log.length;
  });
  let revoked: { canceledScheduledPosts: number } | undefined;
  const revokeMidway = (async () => {
    while (calls().length < o.revokeAfterCalls) await sleep(2);
    const res = await h.inject({ method: 'DELETE', url: `/v1/social-accounts/${account.id}`, headers: t.auth });
    assert.equal(res.statusCode, 200, res.body);
    revoked = json(res);
  })();
  let claimed = '';
  try {
    const until = () => revoked !== undefined;
    const [a, b] = await Promise.all([
      workerLoop(h, fx, witness.adapters, until),
      workerLoop(h, fx, witness.adapters, until),
      revokeMidway,
      armLostAnswer(fx, [account.externalAccountId], o.loseAnswer, until),
    ]);
    claimed = `worker A claimed ${claimedBy(a)}, worker B ${claimedBy(b)}`;
  } finally {
    h.setFault(undefined);
    fx.sandbox.clearFaults();
    fx.sandbox.configure({ ignoreIdempotencyKeys: false });
  }

  const rows = await h.db
    .selectFrom('scheduled_posts')
    .select(['id', 'status', 'external_id', 'published_at', 'last_error'])
    .where('social_account_id', '=', account.id)
    .execute();
  assert.equal(rows.length, ids.length);
  const by = (s: string) => rows.filter((r) => r.status === s);
  const [published, canceled, failed] = [by('published'), by('canceled'), by('failed')];
  const counts = {
    published: published.length,
    canceled: canceled.length,
    failed: failed.length,
    lostAnswers: sum(witness.lost),
  };
  o.diagnostic?.(`${claimed}; revoke canceled ${revoked!.canceledScheduledPosts}; ${JSON.stringify(counts)}`);
  assert.equal(
    published.length + canceled.length + failed.length,
    o.posts,
    `every post ends in one of three states: ${JSON.stringify(counts)}`,
  );
  assert.equal(canceled.length, revoked!.canceledScheduledPosts, 'the revoke canceled exactly what it reported');
  // The revoke waited for `revokeAfterCalls` calls; a lost answer's re-send is one of them.
  assert.ok(
    published.length + sum(witness.lost) >= o.revokeAfterCalls && canceled.length > 0,
    `the revoke landed mid-way: ${JSON.stringify(counts)}`,
  );
  for (const f of failed)
    assert.equal((f.last_error as { code: string }).code, 'ACCOUNT_DISCONNECTED', JSON.stringify(f));

  // The witness: what the platform saw.
  const seen = calls();
  assert.ok(logAtCommit !== undefined);
  const late = seen.filter((c) => c.seq > logAtCommit!);
  assert.deepEqual(
    late.map((c) => c.idempotencyKey),
    [],
    'no publish reached the platform after the revoke took its final step',
  );
  const disconnectedAt = (
    await h.db
      .selectFrom('social_accounts')
      .select('disconnected_at')
      .where('id', '=', account.id)
      .executeTakeFirstOrThrow()
  ).disconnected_at!;
  const afterCommit = seen.filter((c) => Date.parse(c.at) > disconnectedAt.getTime());
  assert.deepEqual(
    afterCommit.map((c) => c.at),
    [],
    `no publish call later than the revoke (${disconnectedAt.toISOString()})`,
  );
  // Each published post made once on the platform, with the id we stored; the others never sent.
  assertPublishedOnce(seen, published, [...canceled, ...failed], witness.lost);
}

/**
 * `accounts` accounts (the last quarter Instagram, the rest TikTok) with `postsPerAccount` due
 * posts each, two workers: every post claimed once and published exactly once on the platform.
 */
export async function twoWorkersExactlyOnceRace(
  h: Harness,
  fx: SandboxFixture,
  o: RaceOptions & { accounts: number; postsPerAccount: number },
) {
  const t = await h.tenant();
  const accounts = [];
  for (let i = 0; i < o.accounts; i++) {
    accounts.push(
      await sandboxAccount(h, t, fx, i < o.accounts * 0.75 ? 'tiktok' : 'instagram', new Date(Date.now() + 30 * DAY)),
    );
  }
  const ids = (await Promise.all(accounts.map((a) => duePosts(h, a.id, o.postsPerAccount, fx)))).flat();
  const total = o.accounts * o.postsPerAccount;
  const witness = noteLostAnswers(o.adapters ?? fx.adapters);
  const externalIds = accounts.map((a) => a.externalAccountId);
  let finished = false;
  fx.sandbox.configure({ ignoreIdempotencyKeys: true }); // a re-send would be a second post
  try {
    const loops = Promise.all([
      workerLoop(h, fx, witness.adapters, () => true),
      workerLoop(h, fx, witness.adapters, () => true),
    ]).finally(() => (finished = true));
    const [[a, b]] = await Promise.all([loops, armLostAnswer(fx, externalIds, o.loseAnswer, () => finished)]);
    o.diagnostic?.(`worker A claimed ${claimedBy(a)}, worker B ${claimedBy(b)}; ${sum(witness.lost)} answers lost`);
    assert.equal(claimedBy(a) + claimedBy(b), total, 'every post claimed once');
  } finally {
    fx.sandbox.clearFaults();
    fx.sandbox.configure({ ignoreIdempotencyKeys: false });
  }

  const statuses = await h.db
    .selectFrom('scheduled_posts')
    .select(['id', 'status', 'external_id', 'last_error'])
    .where('id', 'in', ids)
    .execute();
  assert.deepEqual(
    [...new Set(statuses.map((s) => s.status))],
    ['published'],
    JSON.stringify(statuses.filter((s) => s.status !== 'published').slice(0, 3)),
  );
  const calls = publishCalls(fx, externalIds);
  assert.deepEqual(
    calls.filter((c) => c.status !== 200 && c.fault !== 'timeout_after_effect'),
    [],
    'every publish was accepted (but an answer we lost on purpose)',
  );
  assertPublishedOnce(calls, statuses, [], witness.lost);
  assert.equal(new Set(statuses.map((s) => s.external_id)).size, total);
}
