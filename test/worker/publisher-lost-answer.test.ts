import assert from 'node:assert/strict';
import net from 'node:net';
import { afterEach, beforeEach, it } from 'node:test';
import { createSandboxAdapters } from '../../src/platforms/index.js';
import * as admin from '../../src/services/admin.js';
import { MAX_LOOKUPS } from '../../src/worker/publish-policy.js';
import { RETRY_BASE_MS, RETRY_CAP_MS } from '../../src/worker/publish-post.js';
import { runPublisher } from '../../src/worker/publisher.js';
import { describeEachDb, json, type Tenant } from '../harness.js';
import { sandboxAccount, useSandbox, workerDeps } from '../support/sandbox.js';

// A publish whose answer never arrives (a timeout, a connection lost after sending) or is a 5xx
// although the platform acted on it. The post may be on the platform: before anything is sent
// again the platform is asked, under the account lock, whether it has the post we sent with our
// reference (src/worker/publish-reconcile.ts). The sandbox ignores idempotency keys here, as the
// real platforms do, so a re-send would really make a second post: only the lookup keeps it to one.

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;
// The sandbox holds a faulted answer forever; the caller gives up after this. It also bounds the
// re-send's answer, which must arrive in time for the "published" case: 300 ms was missed once on
// a machine at load 19 (the re-send timed out too → PUBLISH_OUTCOME_UNKNOWN, correct but not the case under test).
const SHORT_TIMEOUT_MS = 2_000;

/** A loopback port nobody listens on (just released). */
async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describeEachDb('worker: publisher, an answer lost after the platform acted', (h) => {
  const fx = useSandbox();
  beforeEach(() => fx.sandbox.configure({ ignoreIdempotencyKeys: true }));
  afterEach(() => fx.sandbox.configure({ ignoreIdempotencyKeys: false }));
  const deps = (overrides: Parameters<typeof workerDeps>[2] = {}) =>
    workerDeps(h, fx, {
      adapters: createSandboxAdapters(fx.sandbox.url, { timeoutMs: SHORT_TIMEOUT_MS }),
      random: () => 0.5,
      ...overrides,
    });
  /** A pass `ms` from now (the pinned clock moves; the sandbox's does not matter). */
  const passIn = (ms: number, d = deps()) => h.atTime(new Date(Date.now() + ms), () => runPublisher(d));

  async function duePost(t: Tenant, env: 'test' | 'live', platform: 'tiktok' | 'instagram' = 'tiktok') {
    const account = await sandboxAccount(h, t, fx, platform, new Date(Date.now() + DAY));
    await h.db.updateTable('social_accounts').set({ env }).where('id', '=', account.id).execute();
    const [id] = (
      await admin.createQueuedPosts(h.adminCtx(), {
        socialAccountId: account.id,
        count: 1,
        firstDueAt: new Date(Date.now() - HOUR),
      })
    ).scheduledPostIds;
    return { account, id: id! };
  }
  const calls = (key: string, endpoint = 'tiktok.publish') =>
    fx.sandbox.log.filter((c) => c.endpoint === endpoint && c.idempotencyKey === key);
  /** The account's lookups (answered or faulted: a faulted call is known by the token it presented). */
  const lookups = (a: { externalAccountId: string; token: { accessToken: string } }) =>
    fx.sandbox.log.filter(
      (c) =>
        (c.endpoint === 'tiktok.publish_status' || c.endpoint === 'instagram.media_list') &&
        (c.externalAccountId === a.externalAccountId || c.token === a.token.accessToken),
    );
  const row = (id: string) =>
    h.db.selectFrom('scheduled_posts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const view = async (t: Tenant, id: string) => {
    const res = await h.inject({ method: 'GET', url: `/v1/scheduled-posts/${id}`, headers: t.auth });
    assert.equal(res.statusCode, 200, res.body);
    return json(res);
  };
  const reconciledAudits = (id: string) =>
    h.db
      .selectFrom('audit_log')
      .select('data')
      .where('event_type', '=', 'scheduled_post.reconciled')
      .where(h.sql<boolean>`data->>'scheduledPostId' = ${id}`)
      .orderBy('id')
      .execute()
      .then((rows) => rows.map((r) => r.data as Record<string, unknown>));
  const revoke = async (t: Tenant, id: string) => {
    const res = await h.inject({ method: 'DELETE', url: `/v1/social-accounts/${id}`, headers: t.auth });
    assert.equal(res.statusCode, 200, res.body);
    return json(res) as { canceledScheduledPosts: number };
  };
  const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

  for (const mode of ['timeout_after_effect', 'lost_response'] as const) {
    it(`${mode}: the platform made the post; it is looked up, found and recorded published with its id — one post on the platform, never sent again; a revoke after it cancels nothing`, async () => {
      const t = await h.tenant();
      const { account, id } = await duePost(t, 'test');
      fx.sandbox.setFault({ endpoint: 'tiktok.publish', mode, count: 1 });
      const summary = await runPublisher(deps());
      assert.deepEqual([summary.published, summary.retry], [1, undefined], JSON.stringify(summary));
      const onPlatform = fx.sandbox.posts(id);
      assert.equal(onPlatform.length, 1, `exactly one post on the platform: ${JSON.stringify(onPlatform)}`);
      assert.deepEqual(
        calls(id).map((c) => [c.status, c.fault]),
        [[mode === 'timeout_after_effect' ? 0 : 503, mode]],
        'sent once',
      );
      assert.deepEqual(
        lookups(account).map((c) => [c.endpoint, c.status, c.found]),
        [['tiktok.publish_status', 200, true]],
      );
      const post = await view(t, id);
      assert.deepEqual(
        [post.status, post.externalId, post.lastError, (await row(id)).publish_attempts],
        ['published', onPlatform[0]!.externalId, null, 1],
      );
      assert.match(post.reconciliation?.checkedAt ?? '', TIMESTAMP, JSON.stringify(post));
      assert.deepEqual(post.reconciliation, {
        cause: mode === 'timeout_after_effect' ? 'no_answer' : 'server_error',
        result: 'found',
        decidedBy: 'platform_lookup',
        lookups: 1,
        checkedAt: post.reconciliation.checkedAt,
      });
      const audits = await reconciledAudits(id);
      assert.deepEqual(
        audits.map((a) => [a.cause, a.result, a.decidedBy, a.lookups, a.externalId]),
        [[post.reconciliation.cause, 'found', 'platform_lookup', 1, post.externalId]],
      );
      assert.equal((await revoke(t, account.id)).canceledScheduledPosts, 0);
      assert.equal((await row(id)).status, 'published');
      await passIn(2 * RETRY_CAP_MS);
      assert.equal(fx.sandbox.posts(id).length, 1, 'still one post');
    });
  }

  it('instagram, timeout_after_effect on media_publish: found in the user’s media by our reference; one post', async () => {
    const t = await h.tenant();
    const { account, id } = await duePost(t, 'test', 'instagram');
    fx.sandbox.setFault({ endpoint: 'instagram.publish', mode: 'timeout_after_effect', count: 1 });
    assert.equal((await runPublisher(deps())).published, 1);
    const onPlatform = fx.sandbox.posts(id);
    assert.equal(onPlatform.length, 1, JSON.stringify(onPlatform));
    assert.equal(calls(id, 'instagram.publish').length, 1);
    assert.deepEqual(
      lookups(account).map((c) => [c.endpoint, c.status, c.found]),
      [['instagram.media_list', 200, true]],
    );
    const post = await view(t, id);
    assert.deepEqual(
      [post.status, post.externalId, post.reconciliation.result],
      ['published', onPlatform[0]!.externalId, 'found'],
    );
  });

  it('timeout without effect: the lookup says not found, the post is queued with a back-off and sent again — one post on the platform', async () => {
    const t = await h.tenant();
    const { account, id } = await duePost(t, 'test');
    fx.sandbox.setFault({ endpoint: 'tiktok.publish', mode: 'timeout', count: 1 });
    assert.equal((await runPublisher(deps())).retry, 1);
    let post = await view(t, id);
    assert.deepEqual([post.status, post.lastError.code], ['queued', 'PLATFORM_UNAVAILABLE'], JSON.stringify(post));
    assert.match(post.lastError.message, /timed out; the platform does not have the post/);
    assert.deepEqual(
      [post.reconciliation.cause, post.reconciliation.result, post.reconciliation.decidedBy],
      ['no_answer', 'not_found', 'platform_lookup'],
    );
    assert.equal(fx.sandbox.posts(id).length, 0);
    assert.equal((await passIn(0)).claimed, 0, 'backed off as a failed call');
    assert.equal((await passIn(2 * RETRY_BASE_MS)).published, 1);
    post = await view(t, id);
    assert.equal(fx.sandbox.posts(id).length, 1, 'sent again, once');
    assert.deepEqual(
      [post.status, post.externalId, post.lastError, post.reconciliation.result],
      ['published', fx.sandbox.posts(id)[0]!.externalId, null, 'not_found'],
    );
    assert.deepEqual(
      calls(id).map((c) => [c.status, c.fault]),
      [
        [0, 'timeout'],
        [200, undefined],
      ],
    );
    assert.deepEqual(
      lookups(account).map((c) => c.found),
      [false],
    );
    assert.deepEqual(
      (await reconciledAudits(id)).map((a) => [a.result, a.externalId]),
      [['not_found', null]],
    );
  });

  it('the lookup fails (platform down): the post stays publishing (a revoke leaves it alone), asked again after a back-off, found — one post', async () => {
    const t = await h.tenant();
    const { account, id } = await duePost(t, 'test');
    fx.sandbox.setFault({ endpoint: 'tiktok.publish', mode: 'timeout_after_effect', count: 1 });
    fx.sandbox.setFault({ endpoint: 'tiktok.publish_status', mode: '5xx', count: 1 });
    assert.equal((await runPublisher(deps())).lookup_later, 1);
    let post = await view(t, id);
    assert.deepEqual(
      [post.status, post.reconciliation.result, post.reconciliation.lookups, post.reconciliation.decidedBy],
      ['publishing', 'pending', 1, null],
      JSON.stringify(post),
    );
    assert.equal((await passIn(0)).recovered, 0, 'not asked again before the back-off');
    const summary = await passIn(2 * RETRY_BASE_MS);
    assert.deepEqual([summary.recovered, summary.published, summary.claimed], [1, 1, 0], JSON.stringify(summary));
    post = await view(t, id);
    assert.equal(fx.sandbox.posts(id).length, 1);
    assert.deepEqual(
      [post.status, post.externalId, post.reconciliation.result, post.reconciliation.lookups],
      ['published', fx.sandbox.posts(id)[0]!.externalId, 'found', 2],
    );
    assert.deepEqual(
      lookups(account).map((c) => [c.status, c.found]),
      [
        [503, undefined],
        [200, true],
      ],
    );
    assert.equal(calls(id).length, 1, 'never sent again');
  });

  it('revoked while a lookup is pending: the revoke cancels nothing it cannot; no token left to ask with → failed PUBLISH_OUTCOME_UNKNOWN, never sent again', async () => {
    const t = await h.tenant();
    const { account, id } = await duePost(t, 'test');
    fx.sandbox.setFault({ endpoint: 'tiktok.publish', mode: 'timeout_after_effect', count: 1 });
    fx.sandbox.setFault({ endpoint: 'tiktok.publish_status', mode: '5xx', count: 1 });
    assert.equal((await runPublisher(deps())).lookup_later, 1);
    assert.equal((await revoke(t, account.id)).canceledScheduledPosts, 0, 'a publishing post is not canceled');
    assert.equal((await passIn(2 * RETRY_BASE_MS)).failed, 1);
    const post = await view(t, id);
    assert.deepEqual(
      [post.status, post.lastError.code, post.reconciliation.result],
      ['failed', 'PUBLISH_OUTCOME_UNKNOWN', 'undecided'],
      JSON.stringify(post),
    );
    assert.equal(calls(id).length, 1);
  });

  it('the lookup fails again and again: asked MAX_LOOKUPS times with back-off, then failed PUBLISH_OUTCOME_UNKNOWN, never sent again', async () => {
    const t = await h.tenant();
    const { account, id } = await duePost(t, 'test');
    fx.sandbox.setFault({ endpoint: 'tiktok.publish', mode: 'timeout_after_effect', count: 1 });
    fx.sandbox.setFault({ endpoint: 'tiktok.publish_status', mode: '5xx', count: 100 });
    assert.equal((await runPublisher(deps())).lookup_later, 1);
    assert.equal((await passIn(0)).recovered, 0, 'not asked again before the back-off');
    for (let i = 2; i <= MAX_LOOKUPS; i++) await passIn(i * RETRY_CAP_MS);
    const post = await view(t, id);
    assert.deepEqual(
      [post.status, post.lastError.code, post.reconciliation.result, post.reconciliation.lookups],
      ['failed', 'PUBLISH_OUTCOME_UNKNOWN', 'undecided', MAX_LOOKUPS],
      JSON.stringify(post),
    );
    assert.match(post.lastError.message, /6 lookups got no answer/);
    assert.equal(lookups(account).length, MAX_LOOKUPS);
    assert.equal(calls(id).length, 1, 'never sent again');
    assert.equal(fx.sandbox.posts(id).length, 1);
    assert.deepEqual(
      (await reconciledAudits(id)).map((a) => [a.result, a.decidedBy, a.lookups]),
      [['undecided', null, MAX_LOOKUPS]],
    );
  });

  it('a platform without lookup (live, as TikTok and Instagram): failed PUBLISH_OUTCOME_UNKNOWN after one call, with its post.failed event; later passes send nothing', async () => {
    const t = await h.tenant();
    const { account, id } = await duePost(t, 'live');
    fx.sandbox.setFault({ endpoint: 'tiktok.publish', mode: 'timeout_after_effect', count: 1 });
    const adapters = createSandboxAdapters(fx.sandbox.url, { timeoutMs: SHORT_TIMEOUT_MS, reconcile: 'none' });
    assert.equal((await runPublisher(deps({ adapters }))).failed, 1);
    const post = await row(id);
    assert.deepEqual(
      [post.status, (post.last_error as { code: string }).code, post.publish_attempts],
      ['failed', 'PUBLISH_OUTCOME_UNKNOWN', 1],
    );
    assert.match((post.last_error as { message: string }).message, /timed out; tiktok offers no lookup by reference/);
    assert.deepEqual(
      [post.reconcile_cause, post.reconcile_result, post.reconcile_lookups, post.reconciled_at],
      ['no_answer', 'undecided', 0, null],
    );
    const failed = await h.db
      .selectFrom('outbox_events')
      .selectAll()
      .where('type', '=', 'post.failed')
      .where(h.sql<boolean>`data->>'id' = ${id}`)
      .execute();
    assert.equal(failed.length, 1);
    await passIn(2 * RETRY_CAP_MS, deps({ adapters }));
    assert.equal(calls(id).length, 1, 'a live platform ignores keys: never sent twice');
    assert.equal(lookups(account).length, 0);
  });

  it('a call that never connected (refused) is known unsent: queued again for a retry, as before, without a lookup', async () => {
    const t = await h.tenant();
    const { id } = await duePost(t, 'live');
    const adapters = createSandboxAdapters(`http://127.0.0.1:${await closedPort()}`, { timeoutMs: SHORT_TIMEOUT_MS });
    assert.equal((await runPublisher(workerDeps(h, fx, { adapters }))).retry, 1);
    const post = await row(id);
    assert.deepEqual(
      [post.status, (post.last_error as { code: string }).code, post.reconcile_result],
      ['queued', 'PLATFORM_UNAVAILABLE', null],
    );
  });
});
