import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, it } from 'node:test';
import { sql } from 'kysely';
import { MAX_ENDPOINTS_PER_ORGANIZATION } from '../../src/services/webhook-endpoints.js';
import { secretContext } from '../../src/webhooks/signature.js';
import { deliverDue, dispatchOutbox } from '../../src/worker/webhook-delivery.js';
import { assertEnvelope, assertValidation } from '../assertions.js';
import { describeEachDb, json, REQUEST_ID, type Tenant } from '../harness.js';
import { Receiver, workerDeps } from '../webhooks/receiver.js';

const T0 = '2026-04-18T19:15:02.345Z';
const URL_A = 'https://hooks.example.com/layers';

describeEachDb('webhook endpoints API', (h) => {
  afterEach(() => h.clock.set(undefined));

  const create = (t: Tenant, payload: unknown, headers: Record<string, string> = {}) =>
    h.inject({
      method: 'POST',
      url: '/v1/webhook-endpoints',
      headers: { ...t.auth, ...headers },
      payload: payload as object,
    });
  const call = (t: Tenant, method: 'GET' | 'PATCH' | 'DELETE' | 'POST', url: string, payload?: object) =>
    h.inject({ method, url, headers: t.auth, ...(payload ? { payload } : {}) });
  const audit = (t: Tenant, eventType: string) =>
    h.db
      .selectFrom('audit_log')
      .selectAll()
      .where('organization_id', '=', t.organizationId)
      .where('event_type', '=', eventType)
      .orderBy('id')
      .execute();

  describe('POST /v1/webhook-endpoints', () => {
    it('POST creates an endpoint: 201 with the secret shown once, sealed at rest, audited', async () => {
      const t = await h.tenant();
      h.clock.set(T0);
      const res = await create(t, {
        url: URL_A,
        description: 'CRM sync',
        events: ['social_account.revoked', 'post.canceled', 'post.canceled'],
      });
      assert.equal(res.statusCode, 201, res.body);
      const body = json(res);
      assert.match(body.id, /^whe_[0-9a-f-]{36}$/);
      assert.match(body.secret, /^whsec_[A-Za-z0-9_-]{43}$/);
      assert.deepEqual(body, {
        id: body.id,
        url: URL_A,
        description: 'CRM sync',
        events: ['social_account.revoked', 'post.canceled'],
        status: 'active',
        scope: 'organization',
        pausedReason: null,
        pausedAt: null,
        consecutiveFailures: 0,
        previousSecretExpiresAt: null,
        createdAt: '2026-04-18T19:15:02Z',
        updatedAt: '2026-04-18T19:15:02Z',
        secret: body.secret,
      });
      const row = await h.db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('id', '=', body.id)
        .executeTakeFirstOrThrow();
      assert.ok(!Buffer.from(row.secret).toString('latin1').includes(body.secret), 'not stored in plaintext');
      assert.equal(
        h.deps.tokenCrypto.openSecret(secretContext(body.id), row.secret),
        body.secret,
        'but recoverable for signing',
      );
      assert.throws(
        () => h.deps.tokenCrypto.openSecret(secretContext(`whe_${randomUUID()}`), row.secret),
        'bound to its endpoint',
      );

      const got = json(await call(t, 'GET', `/v1/webhook-endpoints/${body.id}`));
      const { secret: _secret, ...view } = body;
      assert.deepEqual(got, view, 'GET never shows the secret');
      const [a] = await audit(t, 'webhook_endpoint.created');
      assert.deepEqual(a!.data, {
        webhookEndpointId: body.id,
        url: URL_A,
        events: ['social_account.revoked', 'post.canceled'],
      });
      assert.equal(a!.api_key_id, t.apiKeyId);
      assert.equal(a!.request_id, res.headers['x-request-id']);
      assert.match(a!.request_id!, REQUEST_ID);
    });

    it('422 VALIDATION for bodies that break the schema, at the offending path', async () => {
      const t = await h.tenant();
      const cases: [unknown, string][] = [
        [{ url: URL_A, events: [] }, 'events'],
        [{ url: URL_A }, 'events'],
        [{ url: URL_A, events: ['post.cancelled'] }, 'events.0'],
        [{ url: URL_A, events: ['post.canceled', 'test.ping'] }, 'events.1'],
        [{ url: URL_A, events: ['*', 'post.canceled'] }, 'events'],
        [{ events: ['*'] }, 'url'],
        [{ url: '', events: ['*'] }, 'url'],
        [{ url: URL_A, events: ['*'], description: 'x'.repeat(501) }, 'description'],
        [{ url: URL_A, events: ['*'], secret: 'whsec_mine' }, 'secret'],
        [{ url: 'ftp://hooks.example.com/x', events: ['*'] }, 'url'],
        [{ url: 'hooks.example.com/x', events: ['*'] }, 'url'],
      ];
      for (const [payload, path] of cases) assertValidation(await create(t, payload), 422, path);
      assert.deepEqual(json(await call(t, 'GET', '/v1/webhook-endpoints')).items, [], 'nothing was created');
    });

    it('the event list is `events`: the former name `eventTypes` is an unknown field (422), on create and on update', async () => {
      const t = await h.tenant();
      const old = assertValidation(await create(t, { url: URL_A, eventTypes: ['*'] }), 422, 'events');
      assert.deepEqual(old.map((i) => i.path).sort(), ['eventTypes', 'events']);
      assert.equal(old.find((i) => i.path === 'eventTypes')!.message, 'is not a known field');
      const { id } = json(await create(t, { url: URL_A, events: ['*'] }));
      const issues = assertValidation(
        await call(t, 'PATCH', `/v1/webhook-endpoints/${id}`, { eventTypes: ['post.canceled'] }),
        422,
        'eventTypes',
      );
      assert.equal(issues[0]!.message, 'is not a known field');
      assert.deepEqual(json(await call(t, 'GET', `/v1/webhook-endpoints/${id}`)).events, ['*'], 'unchanged');
    });

    it(`at most ${MAX_ENDPOINTS_PER_ORGANIZATION} live endpoints per organization: 409 endpoint_limit, freed by a delete`, async () => {
      const t = await h.tenant();
      const ids = [];
      for (let i = 0; i < MAX_ENDPOINTS_PER_ORGANIZATION; i++)
        ids.push(json(await create(t, { url: URL_A, events: ['*'] })).id);
      assertEnvelope(await create(t, { url: URL_A, events: ['*'] }), 409, 'CONFLICT', {
        reason: 'endpoint_limit',
        limit: MAX_ENDPOINTS_PER_ORGANIZATION,
      });
      await call(t, 'DELETE', `/v1/webhook-endpoints/${ids[0]}`);
      assert.equal((await create(t, { url: URL_A, events: ['*'] })).statusCode, 201);
    });
  });

  describe('GET /v1/webhook-endpoints', () => {
    it('GET /v1/webhook-endpoints: newest first, cursor pages, no deleted or foreign endpoints, 422 on a bad cursor', async () => {
      const t = await h.tenant();
      await create(await h.tenant(), { url: URL_A, events: ['*'] });
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        h.clock.set(new Date(Date.parse(T0) + (i < 2 ? 0 : i) * 1000)); // two share a createdAt: id breaks the tie
        ids.push(json(await create(t, { url: `${URL_A}/${i}`, events: ['*'] })).id);
      }
      await call(t, 'DELETE', `/v1/webhook-endpoints/${ids[2]}`);
      const expected = [ids[3], ...[ids[0], ids[1]].sort().reverse()];
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await call(t, 'GET', `/v1/webhook-endpoints?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(res.statusCode, 200, res.body);
        const page = json(res);
        assert.deepEqual(Object.keys(page), ['items', 'nextCursor']);
        seen.push(...page.items.map((i: { id: string }) => i.id));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(seen, expected);
      assertValidation(await call(t, 'GET', '/v1/webhook-endpoints?cursor=not-ours'), 422, 'cursor');
      assertValidation(await call(t, 'GET', '/v1/webhook-endpoints?limit=201'), 422, 'limit');
    });
  });

  describe('GET /v1/webhook-endpoints/:webhookEndpointId', () => {
    it('GET/PATCH/DELETE: 404 for another organization’s, an unknown or a deleted endpoint; 400 for a malformed id', async () => {
      const owner = await h.tenant();
      const stranger = await h.tenant();
      const id = json(await create(owner, { url: URL_A, events: ['*'] })).id;
      for (const [method, suffix, payload] of [
        ['GET', ''],
        ['PATCH', '', { description: 'x' }],
        ['DELETE', ''],
        ['POST', '/rotate-secret'],
        ['POST', '/test'],
        ['GET', '/deliveries'],
      ] as const) {
        assertEnvelope(await call(stranger, method, `/v1/webhook-endpoints/${id}${suffix}`, payload), 404, 'NOT_FOUND');
        assertEnvelope(
          await call(owner, method, `/v1/webhook-endpoints/whe_${randomUUID()}${suffix}`, payload),
          404,
          'NOT_FOUND',
        );
        assertEnvelope(
          await call(owner, method, `/v1/webhook-endpoints/sa_${randomUUID()}${suffix}`, payload),
          400,
          'VALIDATION',
          {
            issues: [{ path: 'webhookEndpointId', message: 'must be a whe_<uuid> id' }],
          },
        );
      }
      assert.equal(
        json(await call(owner, 'GET', `/v1/webhook-endpoints/${id}`)).description,
        null,
        'the stranger changed nothing',
      );
      assert.equal((await call(owner, 'DELETE', `/v1/webhook-endpoints/${id}`)).statusCode, 200);
      for (const [method, suffix] of [
        ['GET', ''],
        ['DELETE', ''],
        ['POST', '/rotate-secret'],
        ['GET', '/deliveries'],
      ] as const) {
        assertEnvelope(await call(owner, method, `/v1/webhook-endpoints/${id}${suffix}`), 404, 'NOT_FOUND');
      }
    });
  });

  describe('PATCH /v1/webhook-endpoints/:webhookEndpointId', () => {
    it('PATCH changes url, description, events and status; pausing is manual, re-activating resets failures; audited', async () => {
      const t = await h.tenant();
      h.clock.set(T0);
      const created = json(await create(t, { url: URL_A, description: 'old', events: ['post.canceled'] }));
      await h.db
        .updateTable('webhook_endpoints')
        .set({ consecutive_failures: 7 })
        .where('id', '=', created.id)
        .execute();
      h.clock.set('2026-04-18T20:00:00Z');
      const res = await call(t, 'PATCH', `/v1/webhook-endpoints/${created.id}`, {
        url: 'https://hooks.example.com/v2',
        description: null,
        events: ['*'],
        status: 'paused',
      });
      assert.equal(res.statusCode, 200, res.body);
      const { secret: _s, ...view } = created;
      assert.deepEqual(json(res), {
        ...view,
        url: 'https://hooks.example.com/v2',
        description: null,
        events: ['*'],
        status: 'paused',
        pausedReason: 'manual',
        pausedAt: '2026-04-18T20:00:00Z',
        consecutiveFailures: 7,
        updatedAt: '2026-04-18T20:00:00Z',
      });
      const active = json(await call(t, 'PATCH', `/v1/webhook-endpoints/${created.id}`, { status: 'active' }));
      assert.deepEqual(
        [active.status, active.pausedReason, active.pausedAt, active.consecutiveFailures],
        ['active', null, null, 0],
      );
      const again = json(await call(t, 'PATCH', `/v1/webhook-endpoints/${created.id}`, { description: 'same status' }));
      assert.equal(again.status, 'active');

      assertValidation(await call(t, 'PATCH', `/v1/webhook-endpoints/${created.id}`, {}), 422, '');
      assertValidation(
        await call(t, 'PATCH', `/v1/webhook-endpoints/${created.id}`, { status: 'disabled' }),
        422,
        'status',
      );
      assertValidation(await call(t, 'PATCH', `/v1/webhook-endpoints/${created.id}`, { events: [] }), 422, 'events');
      assertValidation(
        await call(t, 'PATCH', `/v1/webhook-endpoints/${created.id}`, { url: 'http://hooks.example.com' }),
        422,
        'url',
      );
      const rows = await audit(t, 'webhook_endpoint.updated');
      assert.deepEqual(
        rows.map((r) => r.data),
        [
          {
            webhookEndpointId: created.id,
            changes: { url: 'https://hooks.example.com/v2', description: null, events: ['*'], status: 'paused' },
          },
          { webhookEndpointId: created.id, changes: { status: 'active' } },
          { webhookEndpointId: created.id, changes: { description: 'same status' } },
        ],
      );
    });
  });

  describe('DELETE /v1/webhook-endpoints/:webhookEndpointId', () => {
    it('DELETE soft-deletes: {id, deleted, deletedAt}, gone from the API, pending deliveries abandoned, audited', async () => {
      const t = await h.tenant();
      const { id } = json(await create(t, { url: URL_A, events: ['*'] }));
      const pending = json(await call(t, 'POST', `/v1/webhook-endpoints/${id}/test`));
      h.clock.set(T0);
      const res = await call(t, 'DELETE', `/v1/webhook-endpoints/${id}`);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(json(res), { id, deleted: true, deletedAt: '2026-04-18T19:15:02Z' });
      const row = await h.db
        .selectFrom('webhook_endpoints')
        .select(['deleted_at'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.equal(row.deleted_at?.toISOString(), T0, 'kept, marked deleted');
      const d = await h.db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('id', '=', pending.id)
        .executeTakeFirstOrThrow();
      assert.deepEqual([d.status, d.last_error, d.next_attempt_at], ['abandoned', 'endpoint deleted', null]);
      assertEnvelope(await call(t, 'POST', `/v1/webhook-deliveries/${pending.id}/replay`), 404, 'NOT_FOUND');
      assert.deepEqual(
        (await audit(t, 'webhook_endpoint.deleted')).map((r) => r.data),
        [{ webhookEndpointId: id, url: URL_A }],
      );
    });
  });

  describe('POST /v1/webhook-endpoints/:webhookEndpointId/test', () => {
    it('POST …/test enqueues one test.ping delivery for that endpoint only, 202 with the delivery; audited', async () => {
      const t = await h.tenant();
      const { id } = json(await create(t, { url: URL_A, events: ['post.canceled'] }));
      const bystander = json(await create(t, { url: `${URL_A}/other`, events: ['*'] })).id;
      h.clock.set(T0);
      const res = await call(t, 'POST', `/v1/webhook-endpoints/${id}/test`);
      assert.equal(res.statusCode, 202, res.body);
      const d = json(res);
      assert.match(d.id, /^dlv_[0-9a-f-]{36}$/);
      assert.match(d.eventId, /^evt_[0-9a-f-]{36}$/);
      assert.deepEqual(d, {
        id: d.id,
        webhookEndpointId: id,
        eventId: d.eventId,
        eventType: 'test.ping',
        replayOf: null,
        status: 'pending',
        attempts: 0,
        lastStatusCode: null,
        lastError: null,
        nextAttemptAt: '2026-04-18T19:15:02Z',
        lastAttemptAt: null,
        deliveredAt: null,
        createdAt: '2026-04-18T19:15:02Z',
        updatedAt: '2026-04-18T19:15:02Z',
      });
      const event = await h.db
        .selectFrom('outbox_events')
        .selectAll()
        .where('id', '=', d.eventId)
        .executeTakeFirstOrThrow();
      assert.deepEqual(event.data, {
        webhookEndpointId: id,
        message: 'A test event from Layers: your endpoint is reachable and verifies signatures.',
      });
      assert.equal(event.dispatched_at?.toISOString(), T0, 'never fanned out');
      await dispatchOutbox(workerDeps(h));
      assert.deepEqual(
        await h.db.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', bystander).execute(),
        [],
      );
      assert.deepEqual(
        (await audit(t, 'webhook_endpoint.tested')).map((r) => r.data),
        [{ webhookEndpointId: id, webhookDeliveryId: d.id, eventId: d.eventId }],
      );
    });
  });

  describe('GET /v1/webhook-endpoints/:webhookEndpointId/deliveries', () => {
    it('GET …/deliveries: newest first, cursor pages, status filter, 422 on bad query', async () => {
      const t = await h.tenant();
      const { id } = json(await create(t, { url: URL_A, events: ['*'] }));
      h.clock.set(T0);
      const made: string[] = [];
      for (let i = 0; i < 5; i++) made.push(json(await call(t, 'POST', `/v1/webhook-endpoints/${id}/test`)).id);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = json(
          await call(t, 'GET', `/v1/webhook-endpoints/${id}/deliveries?limit=2${cursor ? `&cursor=${cursor}` : ''}`),
        );
        seen.push(...page.items.map((i: { id: string }) => i.id));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(seen, [...made].reverse(), 'newest first even within one instant');
      assert.equal(json(await call(t, 'GET', `/v1/webhook-endpoints/${id}/deliveries?status=pending`)).items.length, 5);
      assert.deepEqual(json(await call(t, 'GET', `/v1/webhook-endpoints/${id}/deliveries?status=succeeded`)), {
        items: [],
        nextCursor: null,
      });
      assertValidation(await call(t, 'GET', `/v1/webhook-endpoints/${id}/deliveries?status=sent`), 422, 'status');
      assertValidation(await call(t, 'GET', `/v1/webhook-endpoints/${id}/deliveries?cursor=eyJ4Ijox`), 422, 'cursor');
    });
  });

  describe('POST /v1/webhook-deliveries/:webhookDeliveryId/replay', () => {
    it('POST /v1/webhook-deliveries/:id/replay re-sends the event as a new event to the same endpoint only; audited', async () => {
      const r = await new Receiver().start();
      const bystander = await new Receiver().start();
      try {
        const t = await h.tenant();
        const e = json(await create(t, { url: r.url, events: ['social_account.revoked'] }));
        await create(t, { url: bystander.url, events: ['*'] });
        r.secrets = [e.secret];
        const account = await h.account(t);
        await h.inject({ method: 'DELETE', url: `/v1/social-accounts/${account}`, headers: t.auth });
        await dispatchOutbox(workerDeps(h));
        await deliverDue(workerDeps(h));
        assert.equal(bystander.events.size, 1, 'the bystander got the original revoke');
        const [original] = json(await call(t, 'GET', `/v1/webhook-endpoints/${e.id}/deliveries`)).items;
        assert.equal(original.status, 'succeeded');

        h.clock.set(T0);
        const res = await call(t, 'POST', `/v1/webhook-deliveries/${original.id}/replay`);
        assert.equal(res.statusCode, 202, res.body);
        const replay = json(res);
        assert.notEqual(replay.eventId, original.eventId);
        assert.deepEqual(replay, {
          id: replay.id,
          webhookEndpointId: e.id,
          eventId: replay.eventId,
          eventType: 'social_account.revoked',
          replayOf: original.eventId,
          status: 'pending',
          attempts: 0,
          lastStatusCode: null,
          lastError: null,
          nextAttemptAt: '2026-04-18T19:15:02Z',
          lastAttemptAt: null,
          deliveredAt: null,
          createdAt: '2026-04-18T19:15:02Z',
          updatedAt: '2026-04-18T19:15:02Z',
        });
        const sent = bystander.requests.length;
        await deliverDue(workerDeps(h));
        assert.equal(bystander.requests.length, sent, 'the replay goes to its endpoint only');
        const first = r.events.get(original.eventId)!.envelope;
        assert.deepEqual(r.events.get(replay.eventId)!.envelope, {
          ...first,
          id: replay.eventId,
          createdAt: '2026-04-18T19:15:02Z',
          replayOf: original.eventId,
        });
        assert.deepEqual(r.signatureFailures, []);

        const again = json(await call(t, 'POST', `/v1/webhook-deliveries/${replay.id}/replay`));
        assert.equal(again.replayOf, original.eventId, 'a replay of a replay names the first event');
        assert.deepEqual(
          (await audit(t, 'webhook_delivery.replayed')).map((x) => x.data),
          [
            {
              webhookDeliveryId: original.id,
              replayDeliveryId: replay.id,
              eventId: replay.eventId,
              replayOf: original.eventId,
            },
            {
              webhookDeliveryId: replay.id,
              replayDeliveryId: again.id,
              eventId: again.eventId,
              replayOf: original.eventId,
            },
          ],
        );
        await call(t, 'PATCH', `/v1/webhook-endpoints/${e.id}`, { status: 'paused' });
        assertEnvelope(await call(t, 'POST', `/v1/webhook-deliveries/${replay.id}/replay`), 409, 'CONFLICT', {
          reason: 'endpoint_paused',
        });
        assertEnvelope(
          await call(await h.tenant(), 'POST', `/v1/webhook-deliveries/${replay.id}/replay`),
          404,
          'NOT_FOUND',
        );
        assertEnvelope(await call(t, 'POST', `/v1/webhook-deliveries/dlv_${randomUUID()}/replay`), 404, 'NOT_FOUND');
        assertEnvelope(await call(t, 'POST', `/v1/webhook-deliveries/evt_${randomUUID()}/replay`), 400, 'VALIDATION', {
          issues: [{ path: 'webhookDeliveryId', message: 'must be a dlv_<uuid> id' }],
        });
      } finally {
        await r.stop();
        await bystander.stop();
      }
    });
  });

  describe('flows', () => {
    it('signing secrets never rest in plaintext: not in any row of any table, idempotent replays included', async () => {
      const t = await h.tenant();
      const first = await create(t, { url: URL_A, events: ['*'] }, { 'idempotency-key': 'create-1' });
      const replayed = await create(t, { url: URL_A, events: ['*'] }, { 'idempotency-key': 'create-1' });
      assert.equal(replayed.headers['idempotent-replayed'], 'true');
      assert.equal(replayed.body, first.body, 'the replay shows the same secret, verbatim');
      const { id, secret } = json(first);
      const rotate = () =>
        h.inject({
          method: 'POST',
          url: `/v1/webhook-endpoints/${id}/rotate-secret`,
          headers: { ...t.auth, 'idempotency-key': 'rotate-1' },
        });
      const rotated = json(await rotate());
      assert.equal(json(await rotate()).secret, rotated.secret);
      const tables = await sql<{ table_name: string }>`SELECT table_name FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`.execute(h.db);
      for (const { table_name } of tables.rows) {
        const rows = await sql<{ row: string }>`SELECT t::text AS row FROM ${sql.table(table_name)} t`.execute(h.db);
        for (const s of [secret, rotated.secret, secret.slice(6), rotated.secret.slice(6)]) {
          for (const form of [s, Buffer.from(s).toString('hex')]) {
            const hit = rows.rows.find((r) => r.row.includes(form));
            assert.equal(hit, undefined, `a signing secret in ${table_name}: ${hit?.row.slice(0, 200)}`);
          }
        }
      }
    });
  });
});
