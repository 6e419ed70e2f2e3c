import assert from 'node:assert/strict';
import { afterEach, it } from 'node:test';
import * as admin from '../../src/services/admin.js';
import { runPublisher } from '../../src/worker/publisher.js';
import { deliverDue } from '../../src/worker/webhook-delivery.js';
import { describeEachDb, json, type Tenant } from '../harness.js';
import { childTenant } from '../support/child-organizations.js';
import { sandboxAccount, useSandbox, workerDeps } from '../support/sandbox.js';
import { Receiver, workerDeps as webhookDeps } from '../webhooks/receiver.js';

// A child organization switched off — suspended by its parent, or its parent switched off by the
// operator: the same holds as the operator's organization kill switch on the child itself
// (test/worker/publisher.test.ts, test/webhooks/delivery.test.ts) — due posts stay queued,
// deliveries stay pending, nothing sent or counted — and turning it back on lets both go.

const DAY = 24 * 3600_000;

describeEachDb('worker: a child organization switched off', (h) => {
  const fx = useSandbox();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
    h.clock.set(undefined);
  });
  const suspend = async (parent: Tenant, child: Tenant, on: boolean) => {
    const res = await h.inject({
      method: 'POST',
      url: `/v1/organizations/${child.organizationId}/${on ? 'suspend' : 'resume'}`,
      headers: parent.auth,
    });
    assert.equal(res.statusCode, 200, res.body);
  };
  const parentSwitch = async (parent: Tenant, child: Tenant, on: boolean) => {
    await admin.setKillSwitch(h.adminCtx(), { scope: 'organization', target: parent.organizationId, on });
    if (on) cleanup.push(() => parentSwitch(parent, child, false));
  };
  // How the child is switched off, and whether its parent is off with it.
  const ways = [
    { way: 'suspended by its parent', setOff: suspend, parentOff: false },
    { way: 'its parent switched off by the operator', setOff: parentSwitch, parentOff: true },
  ];
  const row = (id: string) =>
    h.db.selectFrom('scheduled_posts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const publishCalls = (id: string) =>
    fx.sandbox.log.filter((c) => c.endpoint.endsWith('.publish') && c.idempotencyKey === id);

  for (const { way, setOff, parentOff } of ways) {
    it(`${way}: its due posts hold (queued, nothing sent); back on: they publish`, async () => {
      const parent = await h.tenant();
      const child = await childTenant(h, parent);
      const due = new Date(Date.now() - 3600_000);
      const queued = async (t: Tenant) => {
        const account = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
        const { scheduledPostIds } = await admin.createQueuedPosts(h.adminCtx(), {
          socialAccountId: account.id,
          count: 1,
          firstDueAt: due,
        });
        return scheduledPostIds[0]!;
      };
      const childPost = await queued(child);
      const parentPost = await queued(parent);

      await setOff(parent, child, true);
      await runPublisher(workerDeps(h, fx));
      assert.equal((await row(childPost)).status, 'queued');
      assert.equal((await row(childPost)).claim_count, 0, 'never claimed');
      assert.equal(publishCalls(childPost).length, 0);
      assert.equal((await row(parentPost)).status, parentOff ? 'queued' : 'published', 'the parent holds only if off');

      await setOff(parent, child, false);
      await runPublisher(workerDeps(h, fx));
      assert.equal((await row(childPost)).status, 'published');
      assert.equal(publishCalls(childPost).length, 1);
    });

    it(`${way}: its webhook deliveries wait (pending, not attempted); back on: delivered`, async () => {
      const r = await new Receiver().start();
      cleanup.push(() => r.stop());
      const parent = await h.tenant();
      const child = await childTenant(h, parent);
      const created = await h.inject({
        method: 'POST',
        url: '/v1/webhook-endpoints',
        headers: child.auth,
        payload: { url: r.url, events: ['*'] },
      });
      assert.equal(created.statusCode, 201, created.body);
      const ping = await h.inject({
        method: 'POST',
        url: `/v1/webhook-endpoints/${json(created).id}/test`,
        headers: child.auth,
      });
      assert.equal(ping.statusCode, 202, ping.body);
      const deliveryId = json(ping).id as string;
      const delivery = () =>
        h.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', deliveryId).executeTakeFirstOrThrow();

      await setOff(parent, child, true);
      h.clock.set(new Date(Date.now() + 3600_000));
      await deliverDue(webhookDeps(h));
      assert.equal(r.requests.length, 0);
      const held = await delivery();
      assert.deepEqual([held.status, held.attempts, held.last_error], ['pending', 0, null]);

      await setOff(parent, child, false);
      await deliverDue(webhookDeps(h));
      assert.equal(r.events.size, 1);
      const sent = await delivery();
      assert.deepEqual([sent.status, sent.attempts], ['succeeded', 1]);
    });
  }

  it('its parent switched off between the claim and the call: the re-check puts the post back to queued, unsent', async () => {
    const parent = await h.tenant();
    const child = await childTenant(h, parent);
    const account = await sandboxAccount(h, child, fx, 'tiktok', new Date(Date.now() + DAY));
    const { scheduledPostIds } = await admin.createQueuedPosts(h.adminCtx(), {
      socialAccountId: account.id,
      count: 1,
      firstDueAt: new Date(Date.now() - 3600_000),
    });
    const id = scheduledPostIds[0]!;
    const flip = async (point: string) => {
      if (point === 'publisher:after-claim') await parentSwitch(parent, child, true);
    };
    const summary = await runPublisher(workerDeps(h, fx, { fault: flip }));
    assert.deepEqual([summary.claimed, summary.held], [1, 1], JSON.stringify(summary));
    const r = await row(id);
    assert.deepEqual([r.status, r.call_started_at, r.publish_attempts], ['queued', null, 0]);
    assert.equal(publishCalls(id).length, 0);
  });
});
