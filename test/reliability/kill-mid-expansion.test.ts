import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXPANSION_BATCH } from '../../src/worker/post-cancellations.js';
import { crashSite } from './crash-site.js';
import {
  call,
  createAccount,
  createTenant,
  DATABASES,
  type Server,
  show,
  sleep,
  stopServer,
  type Tenant,
} from './support.js';

// A revoke commits its canceled posts and one record of them; the worker of a real `layers serve`
// process writes each post's audit row and post.canceled event afterwards, 1,000 posts per
// transaction. kill -9 of that process between the revoke's commit and the expansion, with one
// batch committed, and inside a batch's open transaction; after each restart on the same data,
// and at the end, every post has exactly one audit row and one event, in post id order.

const POSTS = 2 * EXPANSION_BATCH + 500; // three batches

type Pause = 'post-cancellations:before-batch' | 'post-cancellations:after-batch' | 'post-cancellations:in-batch';

for (const kind of DATABASES) {
  describe(`kill -9 of the worker expanding a ${POSTS}-post revoke, then restart [${kind}]`, {
    timeout: 600_000,
  }, () => {
    const site = crashSite(kind, 'fanout');
    let server: Server | undefined;

    /** A server whose in-process worker holds at `pause` (the first time it gets there). */
    async function serveHeldAt(pause: Pause) {
      server = await site.start({ LAYERS_TEST_PAUSE: pause });
      await server.waitForLine(new RegExp(`"testPause":"${pause}"`));
      return server;
    }

    /** What is on disk for the revoke's organization (read with the server dead). */
    async function onDisk(t: Tenant) {
      const handle = await site.open();
      try {
        const audit = await handle.db
          .selectFrom('audit_log')
          .select(['data', 'request_id', 'api_key_id'])
          .where('organization_id', '=', t.organizationId)
          .where('event_type', '=', 'scheduled_post.canceled')
          .orderBy('id')
          .execute();
        const events = await handle.db
          .selectFrom('outbox_events')
          .select('data')
          .where('organization_id', '=', t.organizationId)
          .where('type', '=', 'post.canceled')
          .orderBy('seq')
          .execute();
        const job = await handle.db
          .selectFrom('post_cancellations')
          .select(['posts', 'expanded', 'last_post_id', 'expanded_at'])
          .where('organization_id', '=', t.organizationId)
          .execute();
        const posts = await handle.db
          .selectFrom('scheduled_posts')
          .select('id')
          .where('organization_id', '=', t.organizationId)
          .where('status', '=', 'canceled')
          .orderBy('id')
          .execute();
        return {
          audit,
          auditPosts: audit.map((a) => (a.data as { scheduledPostId: string }).scheduledPostId),
          eventPosts: events.map((e) => (e.data as { id: string }).id),
          job: job.map((j) => ({ ...j, expanded_at: j.expanded_at !== null })),
          canceled: posts.map((p) => p.id),
        };
      } finally {
        await handle.close();
      }
    }

    it('between commit and expansion, with a batch committed, inside a batch: exactly once, in order', async (t) => {
      // 1. The worker is held before its first batch; the revoke commits; kill -9.
      await serveHeldAt('post-cancellations:before-batch');
      const tenant = await createTenant(server!.url);
      const accountId = await createAccount(server!.url, tenant, POSTS);
      const res = await call(server!.url, 'DELETE', `/v1/social-accounts/${accountId}`, { auth: tenant.auth });
      assert.equal(res.status, 200, show(res.text));
      assert.equal(res.body.canceledScheduledPosts, POSTS);
      const requestId = res.headers.get('x-request-id');
      await server!.kill9();
      let disk = await onDisk(tenant);
      const ids = disk.canceled;
      assert.equal(ids.length, POSTS, 'the revoke committed every post');
      assert.deepEqual([disk.auditPosts.length, disk.eventPosts.length], [0, 0], 'nothing expanded yet');
      assert.deepEqual(disk.job, [{ posts: POSTS, expanded: 0, last_post_id: null, expanded_at: false }]);

      // 2. Restarted: the worker commits one batch and is held after it; kill -9.
      await serveHeldAt('post-cancellations:after-batch');
      await server!.kill9();
      disk = await onDisk(tenant);
      assert.deepEqual(disk.auditPosts, ids.slice(0, EXPANSION_BATCH), 'the first batch, once, in order');
      assert.deepEqual(disk.eventPosts, ids.slice(0, EXPANSION_BATCH));
      assert.deepEqual(disk.job, [
        { posts: POSTS, expanded: EXPANSION_BATCH, last_post_id: ids[EXPANSION_BATCH - 1], expanded_at: false },
      ]);

      // 3. Restarted: the worker writes the second batch and is held before its commit; kill -9.
      await serveHeldAt('post-cancellations:in-batch');
      await server!.kill9();
      disk = await onDisk(tenant);
      assert.deepEqual(disk.auditPosts, ids.slice(0, EXPANSION_BATCH), 'the uncommitted batch left nothing');
      assert.deepEqual(disk.eventPosts, ids.slice(0, EXPANSION_BATCH));

      // 4. Restarted without a pause: the worker finishes; the newest audit row names the last post.
      server = await site.start();
      const last = ids.at(-1)!;
      for (let i = 0; ; i++) {
        const page = await call(server.url, 'GET', '/v1/audit-log?eventType=scheduled_post.canceled&limit=1', {
          auth: tenant.auth,
        });
        assert.equal(page.status, 200, show(page.text));
        if (page.body.items[0]?.data.scheduledPostId === last) break;
        assert.ok(i < 600, `the worker did not finish within 60 s: ${show(server.output())}`);
        await sleep(100);
      }
      assert.deepEqual(await stopServer(server), { code: 0, signal: null }, show(server.output()));
      disk = await onDisk(tenant);
      assert.deepEqual(disk.auditPosts, ids, 'one audit row per post, in post id order');
      assert.deepEqual(disk.eventPosts, ids, 'one post.canceled per post, in post id order');
      assert.deepEqual(disk.job, [{ posts: POSTS, expanded: POSTS, last_post_id: last, expanded_at: true }]);
      for (const a of disk.audit) {
        assert.equal(a.request_id, requestId, 'the revoke request’s id, whichever process wrote the row');
        assert.equal(a.api_key_id, tenant.apiKeyId);
      }
      t.diagnostic(`${POSTS} posts: 3 kills (before, between, inside batches), each post written once`);
    });
  });
}
