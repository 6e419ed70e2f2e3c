import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MAX_QUOTA_WAIT_MS } from '../../src/worker/publish-quota.js';
import { runPublisher } from '../../src/worker/publisher.js';
import { describeEachDb, json, type Tenant } from '../harness.js';
import { sandboxAccount, useSandbox, workerDeps } from '../support/sandbox.js';

// The publisher never spends a call the platform will refuse (docs/platform-rules.md,
// "Publishing quotas"): before the call it reads the budget (Instagram: content_publishing_limit,
// posts made outside the API included) and counts its own posts; a spent budget re-queues the post
// to the next free slot, up to MAX_QUOTA_WAIT_MS past its scheduled time, then fails it.

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

describeEachDb('worker: publishing quotas', (h) => {
  const fx = useSandbox();
  const deps = () => workerDeps(h, fx, { random: () => 0.5 });
  const publishNow = async (t: Tenant, socialAccountId: string) => {
    const up = await h.inject({
      method: 'POST',
      url: `/v1/projects/${t.projectId}/content/upload`,
      headers: t.auth,
      payload: { media: ['https://cdn.example.com/clip.mp4'], caption: 'Hello' },
    });
    const res = await h.inject({
      method: 'POST',
      url: `/v1/content/${json(up).id}/publish`,
      headers: t.auth,
      payload: { targets: [{ socialAccountId, mode: 'publish' }] },
    });
    assert.equal(res.statusCode, 201, res.body);
    return json(res).scheduledPosts[0].id as string;
  };
  const getPost = async (t: Tenant, id: string) =>
    json(await h.inject({ method: 'GET', url: `/v1/scheduled-posts/${id}`, headers: t.auth }));
  const row = (id: string) =>
    h.db.selectFrom('scheduled_posts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('Instagram budget spent outside our API: 0 refused calls, re-queued with why it waits; past the bound failed PLATFORM_QUOTA_EXHAUSTED with post.failed and its audit row', async () => {
    const t = await h.tenant();
    const account = await sandboxAccount(h, t, fx, 'instagram', new Date(Date.now() + 30 * DAY));
    // The creator posted twice from elsewhere today; Meta's budget for the account is 2.
    fx.sandbox.setQuota({
      platform: 'instagram',
      externalAccountId: account.externalAccountId,
      limit: 2,
      usedOutside: 2,
    });
    const start = new Date(Math.ceil(Date.now() / 1000) * 1000);
    const id = await h.atTime(start, () => publishNow(t, account.id));
    const ours = (endpoint: string) => fx.sandbox.calls(endpoint).filter((c) => c.token === account.token.accessToken);

    const first = await h.atTime(start, () => runPublisher(deps()));
    assert.equal(first.deferred, 1, JSON.stringify(first));
    assert.equal(ours('instagram.publishing_limit').length, 1, 'the budget was read once');
    assert.deepEqual([ours('instagram.media').length, ours('instagram.publish').length], [0, 0], 'nothing sent');
    const waiting = await getPost(t, id);
    assert.equal(waiting.status, 'queued');
    assert.equal(waiting.lastError.code, 'PLATFORM_QUOTA_EXHAUSTED');
    assert.match(waiting.lastError.message, /2 posts per 24 h.*2 made outside this API.*waiting until/);
    // Outside posts leave the window at unknown times: ask the platform again in an hour.
    assert.equal((await row(id)).retry_at?.toISOString(), new Date(start.getTime() + HOUR).toISOString());
    const stored = await h.db
      .selectFrom('social_accounts')
      .select(['publish_quota_limit', 'publish_quota_source', 'publish_quota_platform_used'])
      .where('id', '=', account.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(stored, {
      publish_quota_limit: 2,
      publish_quota_source: 'platform',
      publish_quota_platform_used: 2,
    });
    const view = json(
      await h.atTime(start, () =>
        h.inject({ method: 'GET', url: `/v1/social-accounts/${account.id}/quota`, headers: t.auth }),
      ),
    );
    assert.deepEqual([view.limit, view.source, view.current.used, view.current.usedOutsideApi], [2, 'platform', 2, 2]);

    assert.equal((await h.atTime(start, () => runPublisher(deps()))).claimed, 0, 'not due before its retry time');
    // Still spent when it comes back after the bound: it fails, unsent.
    const late = new Date(start.getTime() + MAX_QUOTA_WAIT_MS + HOUR);
    const last = await h.atTime(late, () => runPublisher(deps()));
    assert.equal(last.failed, 1, JSON.stringify(last));
    assert.deepEqual([ours('instagram.media').length, ours('instagram.publish').length], [0, 0], 'never sent');
    const failed = await getPost(t, id);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.lastError.code, 'PLATFORM_QUOTA_EXHAUSTED');
    assert.equal(failed.attemptedAt, null, 'the platform was never asked to publish it');
    const events = await h.db
      .selectFrom('outbox_events')
      .select(['type', 'data'])
      .where('organization_id', '=', t.organizationId)
      .where('type', '=', 'post.failed')
      .execute();
    assert.equal(events.length, 1);
    const data = (typeof events[0]!.data === 'string' ? JSON.parse(events[0]!.data) : events[0]!.data) as {
      id: string;
      lastError: { code: string };
    };
    assert.deepEqual([data.id, data.lastError.code], [id, 'PLATFORM_QUOTA_EXHAUSTED']);
    const audit = await h.db
      .selectFrom('audit_log')
      .select('event_type')
      .where('organization_id', '=', t.organizationId)
      .where('event_type', '=', 'scheduled_post.failed')
      .execute();
    assert.equal(audit.length, 1);
  });

  it('the platform refuses for its budget after all (a post made elsewhere between our read and the call): the post waits, not failed', async () => {
    const t = await h.tenant();
    const account = await sandboxAccount(h, t, fx, 'instagram', new Date(Date.now() + 30 * DAY));
    const { externalAccountId } = account;
    fx.sandbox.setQuota({ platform: 'instagram', externalAccountId, limit: 1 });
    const start = new Date(Math.ceil(Date.now() / 1000) * 1000);
    const id = await h.atTime(start, () => publishNow(t, account.id));
    const raced = workerDeps(h, fx, {
      fault: async (point) => {
        if (point === 'publisher:before-call')
          fx.sandbox.setQuota({ platform: 'instagram', externalAccountId, usedOutside: 1 });
      },
    });
    const pass = await h.atTime(start, () => runPublisher(raced));
    assert.equal(pass.deferred, 1, JSON.stringify(pass));
    const refused = fx.sandbox.calls('instagram.publish').filter((c) => c.token === account.token.accessToken);
    assert.deepEqual(
      refused.map((c) => c.status),
      [400],
      'one call, refused by the platform',
    );
    const post = await getPost(t, id);
    assert.deepEqual([post.status, post.lastError.code], ['queued', 'PLATFORM_QUOTA_EXHAUSTED'], JSON.stringify(post));
    assert.match(post.lastError.message, /media_publish.*9.*waiting until/);
    assert.equal((await row(id)).retry_at?.toISOString(), new Date(start.getTime() + HOUR).toISOString());
  });

  it('TikTok (no quota endpoint): our own count; the post over the budget waits for the first one to leave the window, then goes out', async () => {
    const t = await h.tenant();
    const account = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
    // A budget of 1 (as if the stored one were lowered after these were queued): two due posts.
    await h.db.updateTable('social_accounts').set({ publish_quota_limit: 1 }).where('id', '=', account.id).execute();
    const start = new Date(Math.ceil(Date.now() / 1000) * 1000);
    const [a, b] = await h.atTime(start, () => h.queuedPosts(account.id, 2));
    await h.db.updateTable('scheduled_posts').set({ scheduled_for: start }).where('id', 'in', [a!, b!]).execute();
    const sent = () =>
      fx.sandbox.calls('tiktok.publish').filter((c) => c.externalAccountId === account.externalAccountId);

    const pass = await h.atTime(start, () => runPublisher(deps()));
    assert.deepEqual([pass.published, pass.deferred], [1, 1], JSON.stringify(pass));
    assert.equal(sent().length, 1, 'one call: the second would be refused');
    const [pub, wait] = [await row(a!), await row(b!)].sort((x, y) =>
      x.status === 'published' ? -1 : y.status === 'published' ? 1 : 0,
    );
    assert.equal(pub!.status, 'published');
    assert.equal(wait!.status, 'queued');
    const freeAt = Math.ceil((pub!.published_at!.getTime() + DAY) / 1000) * 1000;
    assert.equal(wait!.retry_at?.getTime(), freeAt, 'waits for exactly the next free slot');

    const after = await h.atTime(new Date(freeAt), () => runPublisher(deps()));
    assert.equal(after.published, 1, JSON.stringify(after));
    assert.equal(sent().length, 2);
    const done = await row(wait!.id);
    assert.deepEqual([done.status, done.last_error], ['published', null]);
  });
});
