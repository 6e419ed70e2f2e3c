import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crashSite } from './crash-site.js';
import { call, createAccount, createTenant, DATABASES, type Res, type Server, show, stopServer } from './support.js';

// An acknowledged revoke is durable: the client has its 200, the server is killed -9 at that very
// moment (from the response callback, before anything else runs), and after a restart on the same
// data every acknowledged revoke is there with its count. Twenty revokes race concurrently; the kill
// lands when half are acknowledged, so the others are caught mid-flight (each all or nothing).
//
// On the embedded database this holds because PGlite writes the WAL with write(2) before COMMIT
// returns (synchronous_commit=on); it does not fsync, so an OS crash or power loss is another
// matter (docs/operations.md, "Durability of the embedded default").

const ACCOUNTS = 20;
const POSTS = 100;

for (const kind of DATABASES) {
  describe(`an acknowledged revoke survives kill -9 [${kind}]`, { timeout: 300_000 }, () => {
    const site = crashSite(kind, 'durable');
    let server: Server | undefined;

    it(`${ACCOUNTS} concurrent revokes, kill -9 the instant the ${ACCOUNTS / 2}th 200 arrives, restart: every acknowledged one is there`, async (t) => {
      server = await site.start();
      const tenant = await createTenant(server.url);
      const accounts: string[] = [];
      for (let i = 0; i < ACCOUNTS; i++) accounts.push(await createAccount(server.url, tenant, POSTS));

      const acked = new Map<string, Res>();
      let killedAt: number | undefined;
      const victim = server;
      await Promise.all(
        accounts.map((id) =>
          call(victim.url, 'DELETE', `/v1/social-accounts/${id}`, { auth: tenant.auth }).then(
            (res) => {
              if (killedAt !== undefined) return; // read after the kill: not counted as acknowledged before it
              assert.equal(res.status, 200, `revoke ${id}: ${show(res.text)}`);
              acked.set(id, res);
              if (acked.size === ACCOUNTS / 2) {
                victim.child.kill('SIGKILL');
                killedAt = performance.now();
              }
            },
            () => undefined, // cut off by the kill
          ),
        ),
      );
      await victim.exited;
      assert.equal(acked.size, ACCOUNTS / 2, 'the kill came on the planned acknowledgement');

      server = await site.start();
      let revoked = 0;
      for (const id of accounts) {
        const res = await call(server.url, 'GET', `/v1/social-accounts/${id}`, { auth: tenant.auth });
        assert.equal(res.status, 200, show(res.text));
        const { status, queuedScheduledPosts } = res.body;
        const whole =
          (status === 'disconnected' && queuedScheduledPosts === 0) ||
          (status === 'connected' && queuedScheduledPosts === POSTS);
        assert.ok(whole, `${id} after the crash is a mix: ${show(res.text)}`);
        if (acked.has(id)) {
          assert.equal(
            status,
            'disconnected',
            `${id} was acknowledged (${acked.get(id)!.text}) but is ${status} after the restart`,
          );
          assert.equal(acked.get(id)!.body.canceledScheduledPosts, POSTS);
        }
        if (status === 'disconnected') revoked++;
      }
      // The canceled posts behind each acknowledged count, by status.
      const tenantPosts = await call(
        server.url,
        'GET',
        `/v1/projects/${tenant.projectId}/scheduled-posts?status=canceled&limit=100&socialAccountId=${[...acked.keys()][0]}`,
        { auth: tenant.auth },
      );
      assert.equal(tenantPosts.status, 200, show(tenantPosts.text));
      assert.equal(
        tenantPosts.body.items.length,
        POSTS,
        `the first acknowledged account has all ${POSTS} posts canceled`,
      );
      assert.deepEqual(await stopServer(server), { code: 0, signal: null }, show(server.output()));
      t.diagnostic(
        `${acked.size} acknowledged before the kill, ${revoked} revoked after the restart (${revoked - acked.size} committed but unacknowledged), ${ACCOUNTS - revoked} untouched`,
      );
    });
  });
}
