import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { type SandboxPlatform, startSandboxPlatform } from '../../src/platforms/sandbox/server.js';
import { crashSite } from './crash-site.js';
import { admin, call, DATABASES, type Server, show, sleep, stopServer, type Tenant } from './support.js';

// Exactly once across kill -9 of the worker between the platform call and its record. A real
// `layers serve` publishes to a sandbox platform running in this test process (so the platform
// outlives the server), which ignores idempotency keys as the real platforms do: a re-send would
// make a second post. The worker is held at `publisher:after-call` (the sandbox has the post, our
// database nothing) or `publisher:before-call` (the call marker committed, nothing sent) and killed;
// the claim's lease is then run out on disk (what ten minutes would do) and the server restarted:
// its worker asks the platform before anything is sent again. Exactly one post on the platform.

type Pause = 'publisher:after-call' | 'publisher:before-call';

for (const kind of DATABASES) {
  describe(`kill -9 of the worker mid-publish, then restart: exactly one post on the platform [${kind}]`, {
    timeout: 300_000,
  }, () => {
    const site = crashSite(kind, 'publish');
    let sandbox: SandboxPlatform;
    let server: Server | undefined;

    before(async () => {
      sandbox = await startSandboxPlatform({ port: 0 });
      sandbox.configure({ ignoreIdempotencyKeys: true });
    });
    after(() => sandbox.close());

    /** What ten minutes would do to the dead worker's claim (read and written with the server dead). */
    async function runOutLease(postId: string) {
      const handle = await site.open();
      try {
        const row = await handle.db
          .selectFrom('scheduled_posts')
          .select(['status', 'call_started_at'])
          .where('id', '=', postId)
          .executeTakeFirstOrThrow();
        await sql`UPDATE scheduled_posts SET claim_expires_at = now() - interval '1 second' WHERE id = ${postId}`.execute(
          handle.db,
        );
        return row;
      } finally {
        await handle.close();
      }
    }

    /** A test-key tenant whose TikTok account was connected through OAuth with the sandbox. */
    async function connectedTenant(base: string): Promise<Tenant & { socialAccountId: string }> {
      const org = await admin(base, 'POST', '/organizations', { name: `Kill mid-publish ${kind}` });
      const key = await admin(base, 'POST', '/api-keys', {
        organizationId: org.organizationId,
        scopes: ['*'],
        tier: 'partner',
        env: 'test',
        returnUrls: ['app.partner.test'],
      });
      const project = await admin(base, 'POST', '/projects', { organizationId: org.organizationId, name: 'P' });
      const auth = `Bearer ${key.key}`;
      const url = await call(base, 'POST', `/v1/projects/${project.projectId}/social/oauth-url`, {
        auth,
        body: { platform: 'tiktok', returnUrl: 'https://app.partner.test/connected' },
      });
      assert.equal(url.status, 200, show(url.text));
      const authorize = new URL(url.body.authorizeUrl);
      assert.equal(authorize.origin, sandbox.url, 'a test key connects through the sandbox of this test');
      authorize.searchParams.set('sandbox_user', `u_${org.organizationId.slice(-8)}`);
      const consent = await fetch(authorize, { redirect: 'manual' });
      const callback = new URL(consent.headers.get('location')!);
      const landed = await fetch(new URL(callback.pathname + callback.search, base), { redirect: 'manual' });
      assert.equal(landed.status, 302, await landed.text());
      const socialAccountId = new URL(landed.headers.get('location')!).searchParams.get('socialAccountId');
      assert.ok(socialAccountId, landed.headers.get('location') ?? '');
      return {
        organizationId: org.organizationId,
        apiKeyId: key.apiKeyId,
        key: key.key,
        auth,
        projectId: project.projectId,
        socialAccountId,
      };
    }

    async function publishNow(base: string, t: Tenant & { socialAccountId: string }) {
      const up = await call(base, 'POST', `/v1/projects/${t.projectId}/content/upload`, {
        auth: t.auth,
        body: { media: ['https://cdn.example.com/clip.mp4'], caption: 'Exactly once' },
      });
      assert.equal(up.status, 201, show(up.text));
      const res = await call(base, 'POST', `/v1/content/${up.body.id}/publish`, {
        auth: t.auth,
        body: { targets: [{ socialAccountId: t.socialAccountId, mode: 'publish' }] },
      });
      assert.equal(res.status, 201, show(res.text));
      return res.body.scheduledPosts[0].id as string;
    }

    /** The post through the API once it left `publishing` (the restarted worker decided it). */
    async function settled(base: string, t: Tenant, id: string) {
      for (let i = 0; ; i++) {
        const res = await call(base, 'GET', `/v1/scheduled-posts/${id}`, { auth: t.auth });
        assert.equal(res.status, 200, show(res.text));
        if (res.body.status !== 'publishing' && res.body.status !== 'queued') return res.body;
        assert.ok(i < 600, `not settled within 60 s: ${show(JSON.stringify(res.body))} ${show(server!.output())}`);
        await sleep(100);
      }
    }

    const publishCalls = (id: string) =>
      sandbox.log.filter((c) => c.endpoint === 'tiktok.publish' && c.idempotencyKey === id);
    const lookups = (id: string) =>
      sandbox.log.filter((c) => c.endpoint === 'tiktok.publish_status' && c.seq > (firstSeq.get(id) ?? 0));
    const firstSeq = new Map<string, number>();

    /** Publish, hold the worker at `pause`, kill -9, run the lease out, restart; the settled post. */
    async function killAt(pause: Pause) {
      server = await site.start({ LAYERS_SANDBOX_URL: sandbox.url, LAYERS_TEST_PAUSE: pause });
      const t = await connectedTenant(server.url);
      const id = await publishNow(server.url, t);
      firstSeq.set(id, sandbox.log.at(-1)?.seq ?? 0);
      await server.waitForLine(new RegExp(`"testPause":"${pause}"`));
      await server.kill9();
      const stuck = await runOutLease(id);
      assert.equal(stuck.status, 'publishing', 'nothing was recorded');
      assert.ok(stuck.call_started_at, 'but the call marker says the platform may have seen it');
      server = await site.start({ LAYERS_SANDBOX_URL: sandbox.url });
      const post = await settled(server.url, t, id);
      const audit = await call(server.url, 'GET', '/v1/audit-log?eventType=scheduled_post.reconciled&limit=10', {
        auth: t.auth,
      });
      assert.equal(audit.status, 200, show(audit.text));
      assert.deepEqual(await stopServer(server), { code: 0, signal: null }, show(server.output()));
      server = undefined;
      return { id, post, audits: audit.body.items.map((a: { data: Record<string, unknown> }) => a.data) };
    }

    it('killed after the platform took the post: the restarted worker finds it there and records it — never sent again', async () => {
      const { id, post, audits } = await killAt('publisher:after-call');
      const onPlatform = sandbox.posts(id);
      assert.equal(onPlatform.length, 1, `exactly one post on the platform: ${JSON.stringify(onPlatform)}`);
      assert.equal(publishCalls(id).length, 1, 'sent once, by the killed worker');
      assert.deepEqual(
        lookups(id).map((c) => [c.status, c.found]),
        [[200, true]],
      );
      assert.deepEqual(
        [post.status, post.externalId, post.lastError],
        ['published', onPlatform[0]!.externalId, null],
        JSON.stringify(post),
      );
      assert.deepEqual(
        [post.reconciliation.cause, post.reconciliation.result, post.reconciliation.decidedBy],
        ['worker_stopped', 'found', 'platform_lookup'],
      );
      assert.deepEqual(
        audits.map((a: Record<string, unknown>) => [a.scheduledPostId, a.result, a.externalId]),
        [[id, 'found', post.externalId]],
      );
    });

    it('killed between the call marker and the call: the restarted worker finds nothing there and sends it, once', async () => {
      const { id, post, audits } = await killAt('publisher:before-call');
      const onPlatform = sandbox.posts(id);
      assert.equal(onPlatform.length, 1, `exactly one post on the platform: ${JSON.stringify(onPlatform)}`);
      assert.equal(publishCalls(id).length, 1, 'sent once, by the restarted worker');
      assert.deepEqual(
        lookups(id).map((c) => [c.status, c.found]),
        [[400, false]],
      );
      assert.deepEqual(
        [post.status, post.externalId, post.reconciliation.result],
        ['published', onPlatform[0]!.externalId, 'not_found'],
        JSON.stringify(post),
      );
      assert.deepEqual(
        audits.map((a: Record<string, unknown>) => [a.scheduledPostId, a.result]),
        [[id, 'not_found']],
      );
    });
  });
}
