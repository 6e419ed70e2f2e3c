import assert from 'node:assert/strict';
import { it } from 'node:test';
import * as admin from '../../src/services/admin.js';
import { runPublisher, type PublisherSummary } from '../../src/worker/publisher.js';
import { describeEachDb, json, type Tenant } from '../harness.js';
import { sandboxAccount, useSandbox, workerDeps } from '../support/sandbox.js';

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

// The publisher under load, with two workers (two pass loops sharing the queue, as two processes
// would). The sandbox platform's call log is the witness of what reached a platform, and when.

describeEachDb('publisher: two workers, races', (h) => {
  const fx = useSandbox();

  /** `count` queued posts on the account, all due already (scheduled an hour apart, in the past). */
  async function duePosts(socialAccountId: string, count: number) {
    const firstDueAt = new Date(Date.now() - (count + 1) * HOUR);
    return (await admin.createQueuedPosts(h.adminCtx(), { socialAccountId, count, firstDueAt })).scheduledPostIds;
  }
  const publishCalls = (externalAccountId: string) =>
    fx.sandbox.log.filter((c) => c.endpoint.endsWith('.publish') && c.externalAccountId === externalAccountId);

  /** Runs publisher passes until `until()` holds and a pass finds nothing to claim. */
  async function workerLoop(until: () => boolean) {
    const passes: PublisherSummary[] = [];
    for (;;) {
      const pass = await runPublisher(workerDeps(h, fx));
      passes.push(pass);
      if (pass.claimed === 0 && until()) return passes;
      if (pass.claimed === 0) await new Promise((r) => setTimeout(r, 5));
    }
  }
  const claimedBy = (passes: PublisherSummary[]) => passes.reduce((n, p) => n + p.claimed, 0);

  it('1,000 posts due now, two workers, the seed’s revoke mid-way: none published after its commit, counts add up', async (tc) => {
    const t: Tenant = await h.tenant();
    const account = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
    const ids = await duePosts(account.id, 1000);

    // The sandbox log's length at the revoke's last step: it holds the account lock, its commit follows.
    let logAtCommit: number | undefined;
    h.setFault(async (p) => { if (p === 'revoke:before-commit') logAtCommit = fx.sandbox.log.length; });
    let revoked: { canceledScheduledPosts: number } | undefined;
    const revokeMidway = (async () => {
      while (publishCalls(account.externalAccountId).length < 100) await new Promise((r) => setTimeout(r, 2));
      const res = await h.inject({ method: 'DELETE', url: `/v1/social-accounts/${account.id}`, headers: t.auth });
      assert.equal(res.statusCode, 200, res.body);
      revoked = json(res);
    })();
    try {
      const [a, b] = await Promise.all([workerLoop(() => revoked !== undefined), workerLoop(() => revoked !== undefined), revokeMidway]);
      tc.diagnostic(`worker A claimed ${claimedBy(a!)}, worker B ${claimedBy(b!)}; revoke canceled ${revoked!.canceledScheduledPosts}`);
    } finally {
      h.setFault(undefined);
    }

    const rows = await h.db.selectFrom('scheduled_posts').select(['id', 'status', 'external_id', 'published_at', 'last_error'])
      .where('social_account_id', '=', account.id).execute();
    assert.equal(rows.length, ids.length);
    const by = (s: string) => rows.filter((r) => r.status === s);
    const [published, canceled, failed] = [by('published'), by('canceled'), by('failed')];
    const counts = { published: published.length, canceled: canceled.length, failed: failed.length };
    assert.equal(published.length + canceled.length + failed.length, 1000, `every post ends in one of three states: ${JSON.stringify(counts)}`);
    assert.equal(canceled.length, revoked!.canceledScheduledPosts, 'the revoke canceled exactly what it reported');
    assert.ok(published.length >= 100 && canceled.length > 0, `the revoke landed mid-way: ${JSON.stringify(counts)}`);
    for (const f of failed) assert.equal((f.last_error as { code: string }).code, 'ACCOUNT_DISCONNECTED', JSON.stringify(f));

    // The witness: what the platform saw.
    const calls = publishCalls(account.externalAccountId);
    assert.ok(logAtCommit !== undefined);
    const late = calls.filter((c) => c.seq > logAtCommit!);
    assert.deepEqual(late.map((c) => c.idempotencyKey), [], 'no publish reached the platform after the revoke took its final step');
    const disconnectedAt = (await h.db.selectFrom('social_accounts').select('disconnected_at').where('id', '=', account.id).executeTakeFirstOrThrow()).disconnected_at!;
    const afterCommit = calls.filter((c) => Date.parse(c.at) > disconnectedAt.getTime());
    assert.deepEqual(afterCommit.map((c) => c.at), [], `no publish call later than the revoke (${disconnectedAt.toISOString()})`);
    assert.equal(calls.length, published.length, 'one platform call per published post, none for the others');
    const keys = new Set(calls.map((c) => c.idempotencyKey));
    assert.equal(keys.size, calls.length, 'no post was sent twice');
    for (const p of published) assert.ok(keys.has(p.id), `published ${p.id} was seen by the platform`);
    for (const p of [...canceled, ...failed]) assert.ok(!keys.has(p.id), `${p.status} ${p.id} never reached the platform`);
    const externalIds = new Map(calls.map((c) => [c.idempotencyKey, c.externalId]));
    for (const p of published) assert.equal(p.external_id, externalIds.get(p.id));
  });

  it('two workers, 2,000 due posts on eight accounts: each published exactly once (one platform call per post)', async (tc) => {
    const t = await h.tenant();
    const accounts = [];
    for (let i = 0; i < 8; i++) accounts.push(await sandboxAccount(h, t, fx, i < 6 ? 'tiktok' : 'instagram', new Date(Date.now() + 30 * DAY)));
    const ids = (await Promise.all(accounts.map((a) => duePosts(a.id, 250)))).flat();
    const [a, b] = await Promise.all([workerLoop(() => true), workerLoop(() => true)]);
    tc.diagnostic(`worker A claimed ${claimedBy(a)}, worker B ${claimedBy(b)}`);
    assert.equal(claimedBy(a) + claimedBy(b), 2000, 'every post claimed once');

    const statuses = await h.db.selectFrom('scheduled_posts').select(['id', 'status', 'external_id']).where('id', 'in', ids).execute();
    assert.deepEqual([...new Set(statuses.map((s) => s.status))], ['published']);
    const calls = accounts.flatMap((acc) => publishCalls(acc.externalAccountId));
    assert.equal(calls.length, 2000);
    const perKey = new Map<string, number>();
    for (const c of calls) perKey.set(c.idempotencyKey!, (perKey.get(c.idempotencyKey!) ?? 0) + 1);
    assert.deepEqual([...perKey.values()].filter((n) => n !== 1), [], 'one publish per post id');
    assert.deepEqual(ids.filter((id) => !perKey.has(id)), [], 'every post was published');
    assert.ok(calls.every((c) => c.status === 200 && !c.replayed));
    assert.equal(new Set(statuses.map((s) => s.external_id)).size, 2000);
  });
});
