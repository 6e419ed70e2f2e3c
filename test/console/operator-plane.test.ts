import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { OPERATOR_EVENTS } from '../../src/events/catalogue.js';
import { assertEnvelope } from '../assertions.js';
import { ADMIN_TOKEN, describeEachDb, json } from '../harness.js';

// What the console reads and does, as /admin/v1 answers it: the same service functions. Revoke
// and replay are the partner's own services run as the operator; every change is on the
// operator's audit trail.

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

describeEachDb('operator plane (console data)', (h) => {
  const get = async (url: string) => {
    const res = await h.inject({ method: 'GET', url, headers: admin });
    assert.equal(res.statusCode, 200, res.body);
    return json(res);
  };
  const operatorRows = (action: string, target: string) =>
    h.db
      .selectFrom('operator_audit_log')
      .selectAll()
      .where('action', '=', action)
      .where('target', '=', target)
      .execute();

  describe('POST /admin/v1/social-accounts/:socialAccountId/revoke', () => {
    it('answers what the partner’s DELETE answers, with the count; a second time 404', async () => {
      const t = await h.tenant();
      const byOperator = await h.account(t);
      const byPartner = await h.account(t);
      await h.queuedPosts(byOperator, 3);
      await h.queuedPosts(byPartner, 2);
      const res = await h.inject({
        method: 'POST',
        url: `/admin/v1/social-accounts/${byOperator}/revoke`,
        headers: admin,
      });
      assert.equal(res.statusCode, 200, res.body);
      const partner = json(
        await h.inject({ method: 'DELETE', url: `/v1/social-accounts/${byPartner}`, headers: t.auth }),
      );
      const body = json(res);
      assert.deepEqual(Object.keys(body), Object.keys(partner), 'the same answer');
      assert.deepEqual(
        { ...body, disconnectedAt: undefined },
        {
          socialAccountId: byOperator,
          status: 'disconnected',
          disconnectedReason: 'revoked_by_partner',
          canceledScheduledPosts: 3,
          disconnectedAt: undefined,
        },
      );
      assert.deepEqual(await h.postStatuses(byOperator), { canceled: 3 });
      assertEnvelope(
        await h.inject({ method: 'POST', url: `/admin/v1/social-accounts/${byOperator}/revoke`, headers: admin }),
        404,
        'NOT_FOUND',
      );
      // The partner's audit log shows the revoke with no key of theirs; the operator's names the request.
      const audit = json(
        await h.inject({ method: 'GET', url: '/v1/audit-log?eventType=social_account.revoked', headers: t.auth }),
      );
      const mine = audit.items.find(
        (r: { data: { socialAccountId: string } }) => r.data.socialAccountId === byOperator,
      );
      assert.ok(mine, JSON.stringify(audit.items));
      assert.equal(mine.apiKeyId, null);
      const [row, ...more] = await operatorRows('social_account.revoked', byOperator);
      assert.equal(more.length, 0);
      assert.equal(row?.via, 'api');
      assert.equal(row?.request_id, res.headers['x-request-id']);
      assert.equal(row?.organization_id, t.organizationId);
      assert.deepEqual(OPERATOR_EVENTS['social_account.revoked'].strict().parse(row?.data), {
        canceledScheduledPosts: 3,
      });
    });
  });

  describe('GET /admin/v1/social-accounts', () => {
    it('finds accounts of any organization by id or handle; the detail has queued posts and upstream status', async () => {
      const t = await h.tenant();
      const id = await h.account(t);
      await h.queuedPosts(id, 2);
      const { handle } = await h.db
        .selectFrom('social_accounts')
        .select('handle')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      for (const q of [`@${handle.toUpperCase()}`, id.toUpperCase()]) {
        const found = await get(`/admin/v1/social-accounts?q=${encodeURIComponent(q)}`);
        assert.deepEqual(
          found.items.map((a: { socialAccountId: string }) => a.socialAccountId),
          [id],
          q,
        );
      }
      const before = await get(`/admin/v1/social-accounts/${id}`);
      assert.equal(before.queuedScheduledPosts, 2);
      assert.equal(before.queuedPosts.length, 2);
      assert.equal(before.upstreamRevocation, null);
      assert.equal(before.organizationId, t.organizationId);
      await h.inject({ method: 'POST', url: `/admin/v1/social-accounts/${id}/revoke`, headers: admin });
      const after = await get(`/admin/v1/social-accounts/${id}`);
      assert.equal(after.status, 'disconnected');
      assert.deepEqual(after.queuedPosts, []);
      assert.equal(after.upstreamRevocation.status, 'pending');
      assertEnvelope(
        await h.inject({ method: 'GET', url: `/admin/v1/social-accounts/sa_${randomUUID()}`, headers: admin }),
        404,
        'NOT_FOUND',
      );
      assertEnvelope(
        await h.inject({ method: 'GET', url: `/admin/v1/social-accounts?q=${handle}` }),
        401,
        'UNAUTHENTICATED',
      );
    });
  });

  describe('GET /admin/v1/organizations', () => {
    it('searches by name or id; the detail masks keys, lists projects, and kill switches are audited', async () => {
      const t = await h.tenant();
      const { name } = await h.db
        .selectFrom('organizations')
        .select('name')
        .where('id', '=', t.organizationId)
        .executeTakeFirstOrThrow();
      for (const q of [name.slice(-6).toUpperCase(), t.organizationId]) {
        const found = await get(`/admin/v1/organizations?q=${encodeURIComponent(q)}`);
        assert.deepEqual(
          found.items.map((o: { organizationId: string }) => o.organizationId),
          [t.organizationId],
          q,
        );
      }
      const none = await get(`/admin/v1/organizations?q=${encodeURIComponent('%_')}`);
      assert.ok(
        none.items.every((o: { name: string }) => o.name.includes('%_')),
        'LIKE wildcards are literal',
      );
      const detail = await get(`/admin/v1/organizations/${t.organizationId}`);
      assert.equal(detail.apiKeys.length, 1);
      assert.equal(detail.apiKeys[0].masked, `lp_test_${t.apiKeyId}_…${t.key.slice(-4)}`);
      assert.ok(!JSON.stringify(detail).includes(t.key));
      assert.deepEqual(
        detail.projects.map((p: { projectId: string }) => p.projectId),
        [t.projectId],
      );
      const flip = await h.inject({
        method: 'PUT',
        url: '/admin/v1/kill-switches',
        headers: admin,
        payload: { scope: 'key', target: t.apiKeyId, on: true },
      });
      assert.equal(json(flip).organizationId, t.organizationId, 'a key’s switch names its organization');
      const [row] = await operatorRows('kill_switch.set', t.apiKeyId);
      assert.equal(row?.via, 'api');
      assert.deepEqual(row?.data, { scope: 'key', on: true });
    });
  });

  describe('GET /admin/v1/overview', () => {
    it('counts the last hour’s failures and places older ones in their hour', async () => {
      const t = await h.tenant();
      const id = await h.account(t);
      const before = await get('/admin/v1/overview');
      await h.postsWithStatus(t, id, 'failed', 2);
      await h.atTime(new Date(Date.now() - 3 * 3600_000 - 60_000), () => h.postsWithStatus(t, id, 'failed', 1));
      const after = await get('/admin/v1/overview');
      const posts = (o: typeof before) => o.queues.find((q: { queue: string }) => q.queue === 'due_posts');
      assert.equal(posts(after).failedLastHour - posts(before).failedLastHour, 2);
      assert.equal(posts(after).failuresByHour[20] - posts(before).failuresByHour[20], 1, 'three hours ago');
      assert.equal(posts(after).failuresByHour.length, 24);
      assert.deepEqual(
        after.queues.map((q: { queue: string }) => q.queue),
        ['due_posts', 'webhook_deliveries', 'upstream_revocations', 'outbox', 'canceled_posts'],
      );
      assert.equal(after.queues[3].failedLastHour, null, 'the outbox cannot fail');
      assert.equal(after.queues[4].failedLastHour, null, 'the expansion of canceled posts cannot fail');
    });
  });

  describe('POST /admin/v1/webhook-deliveries/:deliveryId/replay', () => {
    it('lists the failing endpoint and replays its delivery as the partner’s replay does', async () => {
      const t = await h.tenant();
      const created = json(
        await h.inject({
          method: 'POST',
          url: '/v1/webhook-endpoints',
          headers: t.auth,
          payload: { url: 'http://127.0.0.1:9/h', events: ['*'] },
        }),
      );
      const ping = json(
        await h.inject({ method: 'POST', url: `/v1/webhook-endpoints/${created.id}/test`, headers: t.auth }),
      );
      await h.db
        .updateTable('webhook_endpoints')
        .set({ consecutive_failures: 2 })
        .where('id', '=', created.id)
        .execute();
      const failing = await get('/admin/v1/webhook-endpoints/failing');
      const mine = failing.items.find((e: { webhookEndpointId: string }) => e.webhookEndpointId === created.id);
      assert.equal(mine.consecutiveFailures, 2);
      assert.deepEqual(
        mine.lastDeliveries.map((d: { id: string }) => d.id),
        [ping.id],
      );
      const res = await h.inject({
        method: 'POST',
        url: `/admin/v1/webhook-deliveries/${ping.id}/replay`,
        headers: admin,
      });
      assert.equal(res.statusCode, 200, res.body);
      const replay = json(res);
      assert.equal(replay.webhookEndpointId, created.id);
      assert.equal(replay.status, 'pending');
      assert.ok(replay.replayOf, 'a new event naming the original');
      const [row] = await operatorRows('webhook_delivery.replayed', ping.id);
      assert.deepEqual(row?.data, { replayDeliveryId: replay.id });
      assertEnvelope(
        await h.inject({
          method: 'POST',
          url: `/admin/v1/webhook-deliveries/dlv_${randomUUID()}/replay`,
          headers: admin,
        }),
        404,
        'NOT_FOUND',
      );
    });
  });
});
