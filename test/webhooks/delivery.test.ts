import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { afterEach, it } from 'node:test';
import { MAX_ATTEMPTS, RETRY_CAP_MS } from '../../src/webhooks/retry-policy.js';
import { expandPostCancellations } from '../../src/worker/post-cancellations.js';
import { deliverDue, dispatchOutbox } from '../../src/worker/webhook-delivery.js';
import { assertEnvelope } from '../assertions.js';
import { ADMIN_TOKEN, describeEachDb, json, type Tenant } from '../harness.js';
import { Receiver, workerDeps } from './receiver.js';

const T0 = '2026-04-18T19:15:02.345Z';
const T0_UNIX = 1776539702;
const at = (ms: number) => new Date(Date.parse(T0) + ms);
const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describeEachDb('webhook delivery', (h) => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
    h.clock.set(undefined);
    h.setFault(undefined);
  });

  async function receiver() {
    const r = await new Receiver().start();
    cleanup.push(() => r.stop());
    return r;
  }

  /** An endpoint created through the API; deleted after the test so its rows never leak into the next. */
  async function endpoint(t: Tenant, url: string, events: string[] = ['*']) {
    const res = await h.inject({
      method: 'POST',
      url: '/v1/webhook-endpoints',
      headers: t.auth,
      payload: { url, events },
    });
    assert.equal(res.statusCode, 201, res.body);
    const body = json(res);
    cleanup.push(() => h.inject({ method: 'DELETE', url: `/v1/webhook-endpoints/${body.id}`, headers: t.auth }));
    return body as { id: string; secret: string };
  }

  const ping = async (t: Tenant, id: string) => {
    const res = await h.inject({ method: 'POST', url: `/v1/webhook-endpoints/${id}/test`, headers: t.auth });
    assert.equal(res.statusCode, 202, res.body);
    return json(res);
  };
  const delivery = async (id: string) =>
    h.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const endpointRow = async (id: string) =>
    h.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const deliver = (overrides = {}) => deliverDue(workerDeps(h, overrides));
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const setSwitch = async (scope: string, on: boolean, target?: string) =>
    assert.equal(
      (
        await h.inject({
          method: 'PUT',
          url: '/admin/v1/kill-switches',
          headers: admin,
          payload: { scope, target, on },
        })
      ).statusCode,
      200,
    );

  it('a revoke reaches a signature-verifying receiver: social_account.revoked and one post.canceled per post, exact payloads', async () => {
    const r = await receiver();
    const t = await h.tenant();
    const other = await h.tenant();
    const e = await endpoint(t, r.url, ['social_account.revoked', 'post.canceled']);
    r.secrets = [e.secret];
    const unsubscribed = await receiver();
    await endpoint(t, unsubscribed.url, ['post.published']);
    const stranger = await receiver();
    await endpoint(other, stranger.url);
    const account = await h.account(t);
    const posts = await h.queuedPosts(account, 3);

    h.clock.set(T0);
    const revoke = await h.inject({ method: 'DELETE', url: `/v1/social-accounts/${account}`, headers: t.auth });
    assert.equal(revoke.statusCode, 200, revoke.body);
    assert.equal(r.requests.length, 0, 'nothing is sent inside the request');
    await h.expandCancellations(); // the worker's pass: each post's event, then the dispatch
    await dispatchOutbox(workerDeps(h));
    await deliver();

    assert.deepEqual(r.signatureFailures, []);
    assert.equal(r.events.size, 4, JSON.stringify([...r.events.keys()]));
    const [revoked] = r.ofType('social_account.revoked');
    const outbox = await h.db
      .selectFrom('outbox_events')
      .select(['id', 'type'])
      .where('organization_id', '=', t.organizationId)
      .execute();
    assert.deepEqual(revoked!.envelope, {
      id: outbox.find((o) => o.type === 'social_account.revoked')!.id,
      type: 'social_account.revoked',
      createdAt: '2026-04-18T19:15:02Z',
      data: {
        socialAccountId: account,
        status: 'disconnected',
        disconnectedReason: 'revoked_by_partner',
        canceledScheduledPosts: 3,
        disconnectedAt: '2026-04-18T19:15:02Z',
        projectId: t.projectId,
        platform: 'tiktok',
        leased: false,
      },
    });
    const canceled = r
      .ofType('post.canceled')
      .map((x) => x.envelope)
      .sort((a, b) => a.data.id.localeCompare(b.data.id));
    assert.deepEqual(
      canceled.map((c) => c.data),
      [...posts].sort().map((id) => ({
        id,
        projectId: t.projectId,
        socialAccountId: account,
        status: 'canceled',
        cancelReason: 'revoked_by_partner',
        canceledAt: '2026-04-18T19:15:02Z',
        note: null,
      })),
    );
    for (const c of canceled) {
      assert.deepEqual(Object.keys(c), ['id', 'type', 'createdAt', 'data']);
      assert.equal(c.createdAt, '2026-04-18T19:15:02Z');
      assert.ok(outbox.some((o) => o.id === c.id && o.type === 'post.canceled'));
    }
    for (const req of r.requests) {
      assert.equal(req.headers['content-type'], 'application/json');
      assert.equal(req.headers['x-layers-event-id'], req.envelope.id);
      assert.equal(req.headers['x-layers-event-type'], req.envelope.type);
      assert.match(String(req.headers['x-layers-delivery-id']), /^dlv_/);
      assert.equal(req.t, T0_UNIX, 'the signature time comes from the clock');
      assert.equal(req.v1.length, 1, 'one secret, one v1=');
      assert.equal(req.path, '/hooks');
    }
    assert.equal(unsubscribed.requests.length, 0, 'an endpoint not subscribed to these types gets nothing');
    assert.equal(stranger.requests.length, 0, 'another organization’s endpoint gets nothing');

    const list = json(
      await h.inject({ method: 'GET', url: `/v1/webhook-endpoints/${e.id}/deliveries`, headers: t.auth }),
    );
    assert.equal(list.items.length, 4);
    for (const d of list.items) {
      assert.deepEqual(
        { ...d, id: undefined, eventId: undefined, eventType: undefined },
        {
          id: undefined,
          eventId: undefined,
          eventType: undefined,
          webhookEndpointId: e.id,
          replayOf: null,
          status: 'succeeded',
          attempts: 1,
          lastStatusCode: 200,
          lastError: null,
          nextAttemptAt: null,
          lastAttemptAt: '2026-04-18T19:15:02Z',
          deliveredAt: '2026-04-18T19:15:02Z',
          createdAt: '2026-04-18T19:15:02Z',
          updatedAt: '2026-04-18T19:15:02Z',
        },
      );
    }
    assert.equal((await deliver()).claimed, 0, 'a delivered event is not sent again');
  });

  it('events exist only if the change commits: a revoke that fails sends nothing; its retry sends once', async () => {
    const r = await receiver();
    const t = await h.tenant();
    r.secrets = [(await endpoint(t, r.url)).secret];
    const account = await h.account(t);
    await h.queuedPosts(account, 2);
    h.setFault((point) => {
      if (point === 'revoke:before-commit') throw new Error('injected fault');
    });
    assertEnvelope(
      await h.inject({ method: 'DELETE', url: `/v1/social-accounts/${account}`, headers: t.auth }),
      500,
      'INTERNAL',
    );
    h.setFault(undefined);
    await h.expandCancellations();
    await dispatchOutbox(workerDeps(h));
    await deliver();
    assert.equal(r.requests.length, 0);
    assert.deepEqual(
      await h.db.selectFrom('outbox_events').select('id').where('organization_id', '=', t.organizationId).execute(),
      [],
    );

    assert.equal(
      (await h.inject({ method: 'DELETE', url: `/v1/social-accounts/${account}`, headers: t.auth })).statusCode,
      200,
    );
    await h.expandCancellations();
    await dispatchOutbox(workerDeps(h));
    await deliver();
    assert.deepEqual([...r.events.values()].map((x) => x.envelope.type).sort(), [
      'post.canceled',
      'post.canceled',
      'social_account.revoked',
    ]);
    assert.deepEqual(r.signatureFailures, []);
  });

  it('receiver down (refused, then 503) → retried with exponential backoff on the clock, then delivered; same event id throughout', async () => {
    const r = await receiver();
    const t = await h.tenant();
    const e = await endpoint(t, r.url);
    r.secrets = [e.secret];
    h.clock.set(T0);
    const d = await ping(t, e.id);
    await r.stop();

    const expectRetry = async (attempts: number, nextAt: Date, error: RegExp, code: number | null) => {
      const row = await delivery(d.id);
      assert.equal(row.status, 'pending');
      assert.equal(row.attempts, attempts);
      assert.equal(row.next_attempt_at?.toISOString(), nextAt.toISOString());
      assert.match(row.last_error ?? '', error);
      assert.equal(row.last_status_code, code);
    };
    await deliver();
    // Jitter pinned at 0.5: each wait is 3/4 of a step that doubles from 60 s.
    await expectRetry(1, at(45_000), /connection refused \(ECONNREFUSED\)/, null);
    h.clock.set(at(44_000));
    await deliver();
    await expectRetry(1, at(45_000), /ECONNREFUSED/, null);
    h.clock.set(at(45_000));
    await deliver();
    await expectRetry(2, at(45_000 + 90_000), /ECONNREFUSED/, null);

    await r.start();
    r.behaviour = 503;
    h.clock.set(at(135_000));
    await deliver();
    await expectRetry(3, at(135_000 + 180_000), /^receiver answered 503$/, 503);
    assert.equal((await endpointRow(e.id)).consecutive_failures, 3);

    r.behaviour = { status: 429, headers: { 'retry-after': '3600' } };
    h.clock.set(at(315_000));
    await deliver();
    await expectRetry(4, at(315_000 + 3_600_000), /^receiver answered 429$/, 429); // Retry-After beats the 360 s step

    r.behaviour = 200;
    h.clock.set(at(3_915_000));
    await deliver();
    const done = await delivery(d.id);
    assert.equal(done.status, 'succeeded');
    assert.equal(done.attempts, 5);
    assert.equal(done.last_status_code, 200);
    assert.equal(done.next_attempt_at, null);
    assert.equal(done.delivered_at?.toISOString(), at(3_915_000).toISOString());
    assert.equal((await endpointRow(e.id)).consecutive_failures, 0, 'a success resets the count');
    assert.equal(r.events.size, 1);
    assert.equal(r.requests.length, 3, '503, 429, 200');
    assert.equal(r.duplicates, 2, 'every retry carried the same event id');
    assert.deepEqual(new Set(r.requests.map((x) => x.body)).size, 1, 'the same bytes every time');
    assert.deepEqual(r.signatureFailures, []);
  });

  it('a receiver that processes but answers too late is sent the event again (at-least-once) and dedupes it by id', async () => {
    const r = await receiver();
    const t = await h.tenant();
    const e = await endpoint(t, r.url);
    h.clock.set(T0);
    const d = await ping(t, e.id);
    r.behaviour = 'hang';
    await deliver({ webhookTimeoutMs: 200 });
    const row = await delivery(d.id);
    assert.equal(row.status, 'pending');
    assert.equal(row.last_error, 'no response within 0.2 s');
    r.behaviour = 200;
    h.clock.set(at(45_000));
    await deliver();
    assert.equal((await delivery(d.id)).status, 'succeeded');
    assert.equal(r.requests.length, 2);
    assert.equal(r.events.size, 1);
    assert.equal(r.duplicates, 1);
  });

  it(`gives up after ${MAX_ATTEMPTS} attempts: abandoned, with the schedule documented in docs/webhooks.md`, async () => {
    const r = await receiver();
    r.behaviour = 500;
    const t = await h.tenant();
    const e = await endpoint(t, r.url);
    h.clock.set(T0);
    const d = await ping(t, e.id);
    let now = Date.parse(T0);
    const waits: number[] = [];
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      h.clock.set(new Date(now));
      await deliver();
      const row = await delivery(d.id);
      assert.equal(row.attempts, attempt);
      if (attempt < MAX_ATTEMPTS) {
        waits.push(row.next_attempt_at!.getTime() - now);
        now = row.next_attempt_at!.getTime();
      } else {
        assert.equal(row.status, 'abandoned');
        assert.equal(row.next_attempt_at, null);
        assert.equal(row.last_error, `receiver answered 500; gave up after ${MAX_ATTEMPTS} attempts`);
      }
    }
    const steps = waits.map((_, i) => Math.min(RETRY_CAP_MS, 60_000 * 2 ** i));
    assert.deepEqual(
      waits,
      steps.map((s) => s * 0.75),
    );
    assert.equal(r.requests.length, MAX_ATTEMPTS);
    h.clock.set(new Date(now + 7 * 24 * 3600_000));
    await deliver();
    assert.equal(r.requests.length, MAX_ATTEMPTS, 'never again');
    const ep = await endpointRow(e.id);
    assert.equal(ep.consecutive_failures, MAX_ATTEMPTS);
    assert.equal(ep.status, 'active', `${MAX_ATTEMPTS} < 20 failures: still active`);
  });

  for (const answer of [400, 404, 410, 301]) {
    it(`${answer} is final: failed, never retried${answer === 301 ? ', and the redirect is not followed' : ''}`, async () => {
      const r = await receiver();
      const t = await h.tenant();
      const e = await endpoint(t, r.url);
      r.behaviour = answer === 301 ? { status: 301, headers: { location: `${r.url}/moved` } } : answer;
      h.clock.set(T0);
      const d = await ping(t, e.id);
      await deliver();
      const row = await delivery(d.id);
      assert.deepEqual(
        {
          status: row.status,
          attempts: row.attempts,
          code: row.last_status_code,
          next: row.next_attempt_at,
          error: row.last_error,
        },
        {
          status: 'failed',
          attempts: 1,
          code: answer,
          next: null,
          error: answer === 301 ? 'receiver answered 301: redirects are not followed' : `receiver answered ${answer}`,
        },
      );
      h.clock.set(at(48 * 3600_000));
      await deliver();
      assert.equal(r.requests.length, 1);
      assert.deepEqual(
        r.requests.map((x) => x.path),
        ['/hooks'],
        'nothing went to the Location',
      );
      assert.equal((await endpointRow(e.id)).consecutive_failures, 1);
    });
  }

  it('20 consecutive failures pause the endpoint (held, not sent); re-activating resets the count and sends the backlog', async () => {
    const r = await receiver();
    r.behaviour = 503;
    const t = await h.tenant();
    const e = await endpoint(t, r.url);
    h.clock.set(T0);
    const deliveries = [];
    for (let i = 0; i < 20; i++) deliveries.push(await ping(t, e.id));
    await deliver();
    const paused = json(await h.inject({ method: 'GET', url: `/v1/webhook-endpoints/${e.id}`, headers: t.auth }));
    assert.deepEqual(
      {
        status: paused.status,
        pausedReason: paused.pausedReason,
        pausedAt: paused.pausedAt,
        failures: paused.consecutiveFailures,
      },
      { status: 'paused', pausedReason: 'consecutive_failures', pausedAt: '2026-04-18T19:15:02Z', failures: 20 },
    );
    const audit = await h.db
      .selectFrom('audit_log')
      .selectAll()
      .where('organization_id', '=', t.organizationId)
      .where('event_type', '=', 'webhook_endpoint.paused')
      .execute();
    assert.equal(audit.length, 1);
    assert.deepEqual(audit[0]!.data, {
      webhookEndpointId: e.id,
      reason: 'consecutive_failures',
      consecutiveFailures: 20,
    });
    assert.equal(audit[0]!.api_key_id, null);
    assertEnvelope(
      await h.inject({ method: 'POST', url: `/v1/webhook-endpoints/${e.id}/test`, headers: t.auth }),
      409,
      'CONFLICT',
      { reason: 'endpoint_paused' },
    );

    r.behaviour = 200;
    h.clock.set(at(24 * 3600_000));
    await deliver();
    assert.equal(r.requests.length, 20, 'held while paused');
    for (const d of deliveries)
      assert.deepEqual([(await delivery(d.id)).status, (await delivery(d.id)).attempts], ['pending', 1]);

    const res = await h.inject({
      method: 'PATCH',
      url: `/v1/webhook-endpoints/${e.id}`,
      headers: t.auth,
      payload: { status: 'active' },
    });
    assert.deepEqual(
      { ...json(res), updatedAt: undefined },
      { ...paused, status: 'active', pausedReason: null, pausedAt: null, consecutiveFailures: 0, updatedAt: undefined },
    );
    await deliver();
    for (const d of deliveries) assert.equal((await delivery(d.id)).status, 'succeeded');
    assert.equal(r.events.size, 20);
  });

  for (const scope of ['organization', 'global'] as const) {
    it(`the ${scope} kill switch holds deliveries (not sent, not counted); off → delivered`, async () => {
      const r = await receiver();
      const t = await h.tenant();
      const e = await endpoint(t, r.url);
      h.clock.set(T0);
      const d = await ping(t, e.id);
      await setSwitch(scope, true, scope === 'organization' ? t.organizationId : undefined);
      try {
        h.clock.set(at(3600_000));
        await deliver();
        assert.equal(r.requests.length, 0);
        const held = await delivery(d.id);
        assert.deepEqual([held.status, held.attempts, held.last_error], ['pending', 0, null]);
      } finally {
        await setSwitch(scope, false, scope === 'organization' ? t.organizationId : undefined);
      }
      await deliver();
      assert.equal(r.events.size, 1);
      assert.deepEqual([(await delivery(d.id)).status, (await delivery(d.id)).attempts], ['succeeded', 1]);
    });
  }

  it('two workers fan out and deliver concurrently without doubling anything (SKIP LOCKED, fenced records)', async () => {
    const r = await receiver();
    const t = await h.tenant();
    const e = await endpoint(t, r.url, ['post.canceled']);
    const account = await h.account(t);
    await h.queuedPosts(account, 45);
    assert.equal(
      (await h.inject({ method: 'DELETE', url: `/v1/social-accounts/${account}`, headers: t.auth })).statusCode,
      200,
    );
    // Two workers expand the revoke's record at once: one writes the 45 events, the other skips it.
    await Promise.all([0, 1].map(() => expandPostCancellations({ db: h.db, clock: h.clock })));
    await Promise.all([dispatchOutbox(workerDeps(h)), dispatchOutbox(workerDeps(h))]);
    const rows = await h.db
      .selectFrom('webhook_deliveries')
      .select('event_id')
      .where('endpoint_id', '=', e.id)
      .execute();
    assert.equal(rows.length, 45);
    const [a, b] = await Promise.all([deliver(), deliver()]);
    assert.equal(r.requests.length, 45, `one send per delivery (${a.claimed} + ${b.claimed} claimed)`);
    assert.equal(r.duplicates, 0);
  });
});

describeEachDb('webhook delivery: signing secrets', (h) => {
  afterEach(() => h.clock.set(undefined));

  it('after a rotation both secrets sign for 24 h (newest first); then only the new one', async () => {
    const r = await new Receiver().start();
    try {
      const t = await h.tenant();
      h.clock.set(T0);
      const created = json(
        await h.inject({
          method: 'POST',
          url: '/v1/webhook-endpoints',
          headers: t.auth,
          payload: { url: r.url, events: ['*'] },
        }),
      );
      const rotated = await h.inject({
        method: 'POST',
        url: `/v1/webhook-endpoints/${created.id}/rotate-secret`,
        headers: t.auth,
      });
      assert.equal(rotated.statusCode, 200, rotated.body);
      const { secret, ...view } = json(rotated);
      assert.match(secret, /^whsec_[A-Za-z0-9_-]{43}$/);
      assert.notEqual(secret, created.secret);
      const { secret: firstSecret, ...createdView } = created;
      assert.deepEqual(view, { ...createdView, previousSecretExpiresAt: '2026-04-19T19:15:02Z' });

      r.secrets = [secret, firstSecret];
      await h.inject({ method: 'POST', url: `/v1/webhook-endpoints/${created.id}/test`, headers: t.auth });
      await deliverDue(workerDeps(h));
      assert.equal(r.requests.length, 1);
      const first = r.requests[0]!;
      const sign = (k: string) => createHmac('sha256', k).update(`${first.t}.${first.body}`).digest('hex');
      assert.deepEqual(first.v1, [sign(secret), sign(firstSecret)], 'newest secret first');
      assert.deepEqual(r.signatureFailures, []);

      h.clock.set(at(24 * 3600_000 + 1000));
      r.secrets = [secret];
      await h.inject({ method: 'POST', url: `/v1/webhook-endpoints/${created.id}/test`, headers: t.auth });
      await deliverDue(workerDeps(h));
      assert.equal(r.requests.length, 2);
      assert.equal(r.requests[1]!.v1.length, 1, 'the old secret has expired');
      assert.deepEqual(r.signatureFailures, []);
      assert.equal(
        json(await h.inject({ method: 'GET', url: `/v1/webhook-endpoints/${created.id}`, headers: t.auth }))
          .previousSecretExpiresAt,
        null,
      );
      assert.match(String(r.requests[1]!.t), /^\d+$/);
      assert.match(r.requests[1]!.envelope.createdAt, TS);
    } finally {
      await r.stop();
    }
  });
});
