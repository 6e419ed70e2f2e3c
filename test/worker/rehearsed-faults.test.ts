import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createPlatformAdapters, createSandboxAdapters, type PlatformAdapters } from '../../src/platforms/index.js';
import { SANDBOX_CLIENTS } from '../../src/platforms/sandbox/clients.js';
import { type SandboxPlatform, startSandboxPlatform } from '../../src/platforms/sandbox/server.js';
import { MAX_PUBLISH_ATTEMPTS, RETRY_BASE_MS, RETRY_CAP_MS } from '../../src/worker/publish-post.js';
import { runPublisher } from '../../src/worker/publisher.js';
import { describeEachDb, json, type Tenant } from '../harness.js';
import { sandboxAccount, workerDeps } from '../support/sandbox.js';

const DAY = 24 * 3600 * 1000;
const VIDEO = 'https://cdn.example.com/clip.mp4';
const IMAGE = 'https://cdn.example.com/photo.jpg';

// Each rehearsable fault (docs/platform-rules.md "Rehearsing faults"), armed through the API on a
// test account, met by the real publisher against the real sandbox platform: the post's state,
// its lastError, the account, the webhooks, and the sandbox's own log as the witness.
describeEachDb('worker: rehearsed faults on test accounts', (h) => {
  // The sandbox runs on the harness clock, so a slow moderation ends when the test says.
  const fx = {} as { sandbox: SandboxPlatform; adapters: PlatformAdapters };
  before(async () => {
    fx.sandbox = await startSandboxPlatform({ port: 0, now: () => h.clock.now().getTime() });
    fx.adapters = createSandboxAdapters(fx.sandbox.url, { timeoutMs: 500 });
  });
  after(() => fx.sandbox.close());
  const deps = () => workerDeps(h, fx, { random: () => 0.5 });

  async function publishNow(t: Tenant, socialAccountId: string, media = VIDEO) {
    const up = await h.inject({
      method: 'POST',
      url: `/v1/projects/${t.projectId}/content/upload`,
      headers: t.auth,
      payload: { media: [media], caption: 'Rehearsal' },
    });
    assert.equal(up.statusCode, 201, up.body);
    const res = await h.inject({
      method: 'POST',
      url: `/v1/content/${json(up).id}/publish`,
      headers: t.auth,
      payload: { targets: [{ socialAccountId, mode: 'publish' }] },
    });
    assert.equal(res.statusCode, 201, res.body);
    return json(res).scheduledPosts[0].id as string;
  }
  async function arm(t: Tenant, id: string, faults: unknown[]) {
    const res = await h.inject({
      method: 'PUT',
      url: `/v1/social-accounts/${id}/test-faults`,
      headers: t.auth,
      payload: { faults },
    });
    assert.equal(res.statusCode, 200, res.body);
  }
  const armed = async (t: Tenant, id: string) =>
    json(await h.inject({ method: 'GET', url: `/v1/social-accounts/${id}/test-faults`, headers: t.auth })).faults;
  const getPost = async (t: Tenant, id: string) =>
    json(await h.inject({ method: 'GET', url: `/v1/scheduled-posts/${id}`, headers: t.auth }));
  const row = (id: string) =>
    h.db.selectFrom('scheduled_posts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const accountStatus = async (id: string) =>
    (await h.db.selectFrom('social_accounts').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
  const events = (type: string, key: string, id: string) =>
    h.db
      .selectFrom('outbox_events')
      .selectAll()
      .where('type', '=', type)
      .where(h.sql<boolean>`data->>${key} = ${id}`)
      .execute();
  const calls = (endpoint: string, key: string) =>
    fx.sandbox.log.filter((c) => c.endpoint === endpoint && c.idempotencyKey === key);

  for (const [fault, platform, pattern] of [
    ['token_expired', 'tiktok', /access_token_invalid.*expired/],
    ['token_invalid', 'tiktok', /access_token_invalid/],
    ['token_expired', 'instagram', /190 .*expired/],
    ['token_invalid', 'instagram', /190/],
  ] as const) {
    it(`${fault} (${platform}): the post fails CREDENTIAL_INVALID, the account turns reauth_required, needs_reauth and post.failed webhooks`, async () => {
      const t = await h.tenant();
      const account = await sandboxAccount(h, t, fx, platform, new Date(Date.now() + 30 * DAY));
      await arm(t, account.id, [{ fault }]);
      const id = await publishNow(t, account.id);
      assert.equal((await runPublisher(deps())).failed, 1);

      const post = await getPost(t, id);
      assert.equal(post.status, 'failed');
      assert.equal(post.lastError.code, 'CREDENTIAL_INVALID');
      assert.match(post.lastError.message, pattern);
      assert.equal(await accountStatus(account.id), 'reauth_required');
      const reauth = await events('social_account.needs_reauth', 'socialAccountId', account.id);
      assert.deepEqual(
        reauth.map((e) => (e.data as { reason: string }).reason),
        ['publish_rejected'],
      );
      assert.deepEqual(
        (await events('post.failed', 'id', id)).map((e) => (e.data as { lastError: unknown }).lastError),
        [post.lastError],
      );
      const first = platform === 'tiktok' ? calls('tiktok.publish', id) : calls('instagram.media', `${id}:0`);
      assert.deepEqual(
        first.map((c) => [c.status, c.rehearsal]),
        [[platform === 'tiktok' ? 401 : 400, fault]],
      );
      assert.deepEqual(await armed(t, account.id), [], 'consumed by the one attempt');
    });
  }

  it('rate_limited: 429 with Retry-After; the post waits max(back-off, Retry-After), then publishes with the same key', async () => {
    const t = await h.tenant();
    const account = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
    await arm(t, account.id, [{ fault: 'rate_limited', count: 2, retryAfterSeconds: 1200 }]);
    assert.deepEqual(await armed(t, account.id), [{ fault: 'rate_limited', remaining: 2, retryAfterSeconds: 1200 }]);
    const id = await publishNow(t, account.id);
    const start = new Date(Date.now() + 1000);
    await h.atTime(start, async () => {
      assert.equal((await runPublisher(deps())).retry, 1);
      const post = await getPost(t, id);
      assert.equal(post.status, 'queued');
      assert.equal(post.lastError.code, 'PLATFORM_UNAVAILABLE');
      assert.match(post.lastError.message, /429 rate_limit_exceeded/);
      const wait = (await row(id)).retry_at!.getTime() - start.getTime();
      assert.equal(wait, 1200_000, 'Retry-After (20 min) beats the 1-min back-off');
    });
    assert.deepEqual(await armed(t, account.id), [{ fault: 'rate_limited', remaining: 1, retryAfterSeconds: 1200 }]);
    // Just before Retry-After ends nothing is sent; at it, the second 429 (Retry-After 1200 s again).
    await h.atTime(new Date(start.getTime() + 1199_000), () => runPublisher(deps()));
    assert.equal(calls('tiktok.publish', id).length, 1);
    await h.atTime(new Date(start.getTime() + 1200_000), () => runPublisher(deps()));
    await h.atTime(new Date(start.getTime() + 2400_000), () => runPublisher(deps()));
    const post = await getPost(t, id);
    assert.equal(post.status, 'published', JSON.stringify(post));
    assert.equal(post.lastError, null);
    assert.deepEqual(
      calls('tiktok.publish', id).map((c) => [c.status, c.rehearsal]),
      [
        [429, 'rate_limited; retry-after=1200'],
        [429, 'rate_limited; retry-after=1200'],
        [200, undefined],
      ],
    );
    assert.equal((await events('post.published', 'id', id)).length, 1);
  });

  it('server_error: 503s are retried with back-off, then failed PLATFORM_UNAVAILABLE after MAX_PUBLISH_ATTEMPTS, one post.failed', async () => {
    const t = await h.tenant();
    const account = await sandboxAccount(h, t, fx, 'instagram', new Date(Date.now() + 30 * DAY));
    await arm(t, account.id, [{ fault: 'server_error', count: MAX_PUBLISH_ATTEMPTS }]);
    const id = await publishNow(t, account.id, IMAGE);
    const start = Date.now() + 1000;
    await h.atTime(new Date(start), async () => {
      assert.equal((await runPublisher(deps())).retry, 1);
      assert.equal((await getPost(t, id)).status, 'queued');
    });
    for (let pass = 1; pass < MAX_PUBLISH_ATTEMPTS + 2; pass++) {
      await h.atTime(new Date(start + pass * (RETRY_CAP_MS + 60_000)), () => runPublisher(deps()));
    }
    const post = await getPost(t, id);
    assert.equal(post.status, 'failed');
    assert.equal(post.lastError.code, 'PLATFORM_UNAVAILABLE');
    assert.match(post.lastError.message, /503/);
    assert.equal((await row(id)).publish_attempts, MAX_PUBLISH_ATTEMPTS);
    assert.deepEqual(
      calls('instagram.media', `${id}:0`).map((c) => c.status),
      Array(MAX_PUBLISH_ATTEMPTS).fill(503),
    );
    assert.equal(calls('instagram.publish', id).length, 0);
    assert.equal((await events('post.failed', 'id', id)).length, 1);
    assert.equal(await accountStatus(account.id), 'connected', 'an outage is not a dead grant');
    assert.deepEqual(await armed(t, account.id), []);
  });

  for (const media of [VIDEO, IMAGE]) {
    it(`slow_moderation (Instagram ${media === VIDEO ? 'reel' : 'image'}): queued while the container is IN_PROGRESS, published once it is FINISHED; one container, one post`, async () => {
      const t = await h.tenant();
      const account = await sandboxAccount(h, t, fx, 'instagram', new Date(Date.now() + 30 * DAY));
      await arm(t, account.id, [{ fault: 'slow_moderation', delaySeconds: 300 }]);
      const id = await publishNow(t, account.id, media);
      const start = Date.now() + 1000;
      await h.atTime(new Date(start), async () => {
        assert.equal((await runPublisher(deps())).retry, 1);
        const post = await getPost(t, id);
        assert.equal(post.status, 'queued');
        assert.equal(post.lastError.code, 'PLATFORM_UNAVAILABLE');
        assert.match(post.lastError.message, media === VIDEO ? /still processing/ : /9007 .*not ready/);
      });
      // Still moderating 2 minutes later: another retry, nothing published, no new container.
      await h.atTime(new Date(start + 2 * RETRY_BASE_MS), () => runPublisher(deps()));
      assert.equal((await getPost(t, id)).status, 'queued');
      await h.atTime(new Date(start + 10 * RETRY_BASE_MS), () => runPublisher(deps()));
      const post = await getPost(t, id);
      assert.equal(post.status, 'published', JSON.stringify(post));
      const containers = calls('instagram.media', `${id}:0`);
      assert.equal(new Set(containers.map((c) => c.externalId)).size, 1, 'the container is made once, then replayed');
      assert.deepEqual(
        containers.map((c) => c.replayed),
        [false, true, true],
      );
      const published = calls('instagram.publish', id).filter((c) => c.status === 200);
      assert.deepEqual(
        published.map((c) => c.externalId),
        [post.externalId],
      );
      if (media === VIDEO) {
        const statuses = fx.sandbox.log.filter(
          (c) => c.endpoint === 'instagram.media_status' && c.path.endsWith(containers[0]!.externalId!),
        );
        assert.ok(statuses.length > 5, 'polled while IN_PROGRESS');
      } else {
        assert.deepEqual(
          calls('instagram.publish', id).map((c) => c.status),
          [400, 400, 200],
          'media_publish refused 9007 until moderation ended',
        );
      }
      assert.equal((await events('post.published', 'id', id)).length, 1);
    });
  }

  for (const platform of ['tiktok', 'instagram'] as const) {
    it(`timeout_after_accept (${platform}): the platform makes the post and never answers; the outcome is settled without a second post`, async () => {
      const t = await h.tenant();
      const account = await sandboxAccount(h, t, fx, platform, new Date(Date.now() + 30 * DAY));
      await arm(t, account.id, [{ fault: 'timeout_after_accept' }]);
      const id = await publishNow(t, account.id, IMAGE);
      await runPublisher(deps());
      const sent = calls(`${platform}.publish`, id);
      assert.deepEqual(
        sent.map((c) => [c.status, c.fault, c.rehearsal]).slice(0, 1),
        [[0, 'timeout_after_effect', 'timeout_after_accept']],
        'the first call took effect and was never answered',
      );
      // Exactly one post exists on the platform: every later call for this key found the first one.
      const created = sent.filter((c) => c.externalId && !c.replayed);
      assert.equal(created.length, 1, JSON.stringify(sent));
      const post = await getPost(t, id);
      assert.notEqual(post.status, 'queued', 'the outcome is settled, never left to a blind retry');
      if (post.status === 'published') assert.equal(post.externalId, created[0]!.externalId);
      assert.deepEqual(await armed(t, account.id), []);
    });
  }

  it('a live account never carries a rehearsal: its adapters cannot send the header, and the publisher never reads its list', async () => {
    const t = await h.tenant({ env: 'live' });
    const account = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
    // Impossible through the API (403 TEST_MODE_ONLY): a hand-written row, as a bug could make one.
    await h.db
      .insertInto('social_account_test_faults')
      .values({
        social_account_id: account.id,
        faults: JSON.stringify([{ fault: 'server_error', remaining: 5 }]),
        updated_at: new Date(),
      })
      .execute();
    // Live adapters as production builds them, pointed at the sandbox (as in development).
    const live = createPlatformAdapters({
      tiktok: { baseUrl: fx.sandbox.url, ...SANDBOX_CLIENTS.tiktok },
      instagram: { baseUrl: fx.sandbox.url, ...SANDBOX_CLIENTS.instagram },
      sandbox: { start: false, port: 0, url: fx.sandbox.url },
      timeoutMs: 2000,
      missingCredentials: [],
    });
    const id = await publishNow(t, account.id);
    await runPublisher({ ...deps(), adapters: live, testAdapters: fx.adapters });
    const post = await getPost(t, id);
    assert.equal(post.status, 'published', JSON.stringify(post));
    assert.deepEqual(
      calls('tiktok.publish', id).map((c) => [c.status, c.rehearsal, c.fault]),
      [[200, undefined, undefined]],
    );
    const stored = await h.db
      .selectFrom('social_account_test_faults')
      .select('faults')
      .where('social_account_id', '=', account.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(stored.faults, [{ fault: 'server_error', remaining: 5 }], 'never taken for a live account');
    assert.equal(
      fx.sandbox.log.filter((c) => c.token === account.token.accessToken && c.rehearsal !== undefined).length,
      0,
    );
  });
});
