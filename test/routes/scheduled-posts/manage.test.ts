import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { assertEnvelope, assertValidation } from '../../assertions.js';
import { createContainer } from '../../content-fixtures.js';
import { describeEachDb, json, type Tenant } from '../../harness.js';

type Post = { id: string; scheduledFor: string; status: string; socialAccountId: string };

describeEachDb('scheduled posts', (h) => {
  const get = (t: Tenant, id: string) => h.inject({ method: 'GET', url: `/v1/scheduled-posts/${id}`, headers: t.auth });
  const list = (t: Tenant, query = '', projectId = t.projectId) =>
    h.inject({ method: 'GET', url: `/v1/projects/${projectId}/scheduled-posts${query}`, headers: t.auth });
  const reschedule = (t: Tenant, id: string, payload: unknown) =>
    h.inject({
      method: 'POST',
      url: `/v1/scheduled-posts/${id}/reschedule`,
      headers: t.auth,
      payload: payload as object,
    });
  const cancel = (t: Tenant, id: string, payload?: unknown) =>
    h.inject({
      method: 'DELETE',
      url: `/v1/scheduled-posts/${id}`,
      headers: t.auth,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  /** Schedules the container to `accounts` at `when` through the API; returns the post ids in target order. */
  async function scheduleVia(t: Tenant, accounts: string[], when: string, containerId?: string) {
    const cnt = containerId ?? (await createContainer(h, t));
    const res = await h.inject({
      method: 'POST',
      url: `/v1/content/${cnt}/schedule`,
      headers: t.auth,
      payload: {
        scheduledFor: when,
        targets: accounts.map((socialAccountId) => ({ socialAccountId, mode: 'publish' })),
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    return (json(res).scheduledPosts as Post[]).map((p) => p.id);
  }
  const events = (organizationId: string, type: string) =>
    h.db
      .selectFrom('outbox_events')
      .select('data')
      .where('organization_id', '=', organizationId)
      .where('type', '=', type)
      .orderBy('seq')
      .execute();
  const audits = (organizationId: string, type: string) =>
    h.db
      .selectFrom('audit_log')
      .select(['project_id', 'api_key_id', 'data'])
      .where('organization_id', '=', organizationId)
      .where('event_type', '=', type)
      .orderBy('id')
      .execute();

  describe('GET /v1/scheduled-posts/:id', () => {
    it('GET: every field of a queued post, and of a published and a failed one', async () => {
      const t = await h.tenant();
      const sa = await h.account(t, { platform: 'instagram' });
      const cnt = await createContainer(h, t);
      const [id] = await h.atTime('2026-04-18T19:15:02.500Z', () => scheduleVia(t, [sa], '2026-04-19T08:00:00Z', cnt));
      const res = await get(t, id!);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(json(res), {
        id,
        containerId: cnt,
        socialAccountId: sa,
        platform: 'instagram',
        mode: 'publish',
        status: 'queued',
        externalId: null,
        externalUrl: null,
        scheduledFor: '2026-04-19T08:00:00Z',
        attemptedAt: null,
        publishedAt: null,
        canceledAt: null,
        lastError: null,
        reconciliation: null,
        createdAt: '2026-04-18T19:15:02Z',
        updatedAt: '2026-04-18T19:15:02Z',
      });
      assert.deepEqual(Object.keys(json(res)), [
        'id',
        'containerId',
        'socialAccountId',
        'platform',
        'mode',
        'status',
        'externalId',
        'externalUrl',
        'scheduledFor',
        'attemptedAt',
        'publishedAt',
        'canceledAt',
        'lastError',
        'reconciliation',
        'createdAt',
        'updatedAt',
      ]);
      // What the publisher will record (written directly here: the publisher is not part of this API).
      const [published] = await h.postsWithStatus(t, sa, 'published', 1);
      await h.db
        .updateTable('scheduled_posts')
        .set({ external_url: 'https://instagram.example/p/1', attempted_at: new Date('2026-04-19T08:00:01.200Z') })
        .where('id', '=', published!)
        .execute();
      const p = json(await get(t, published!));
      assert.equal(p.status, 'published');
      assert.equal(p.externalId, 'ext_1');
      assert.equal(p.externalUrl, 'https://instagram.example/p/1');
      assert.equal(p.attemptedAt, '2026-04-19T08:00:01Z');
      assert.match(p.publishedAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      const [failed] = await h.postsWithStatus(t, sa, 'failed', 1);
      await h.db
        .updateTable('scheduled_posts')
        .set({ last_error: JSON.stringify({ code: 'MEDIA_REJECTED', message: 'Video too long' }) })
        .where('id', '=', failed!)
        .execute();
      assert.deepEqual(json(await get(t, failed!)).lastError, { code: 'MEDIA_REJECTED', message: 'Video too long' });
      // What the publisher records when it had to ask the platform whether it had the post.
      await h.db
        .updateTable('scheduled_posts')
        .set({
          reconcile_cause: 'no_answer',
          reconcile_result: 'found',
          reconcile_lookups: 1,
          reconciled_at: new Date('2026-04-19T08:00:03.700Z'),
        })
        .where('id', '=', published!)
        .execute();
      assert.deepEqual(json(await get(t, published!)).reconciliation, {
        cause: 'no_answer',
        result: 'found',
        decidedBy: 'platform_lookup',
        lookups: 1,
        checkedAt: '2026-04-19T08:00:03Z',
      });
      await h.db
        .updateTable('scheduled_posts')
        .set({ reconcile_cause: 'worker_stopped', reconcile_result: 'undecided', reconcile_lookups: 0 })
        .where('id', '=', failed!)
        .execute();
      assert.deepEqual(json(await get(t, failed!)).reconciliation, {
        cause: 'worker_stopped',
        result: 'undecided',
        decidedBy: null,
        lookups: 0,
        checkedAt: null,
      });
    });

    it('GET: another organization’s post or an unknown one → 404; a malformed id → 400', async () => {
      const t = await h.tenant();
      const stranger = await h.tenant();
      const [theirs] = await h.queuedPosts(await h.account(stranger), 1);
      assertEnvelope(await get(t, theirs!), 404, 'NOT_FOUND');
      assertEnvelope(await get(t, `sp_${randomUUID()}`), 404, 'NOT_FOUND');
      assertValidation(await get(t, 'sp_1'), 400, 'id');
    });
  });

  describe('GET /v1/projects/:projectId/scheduled-posts', () => {
    it('list: scheduledFor desc then id desc; filters status (repeatable), socialAccountId, since/until; other projects excluded', async () => {
      const t = await h.tenant();
      const stranger = await h.tenant();
      await h.queuedPosts(await h.account(stranger), 2);
      const [a, b] = [await h.account(t), await h.account(t)];
      const day1 = await scheduleVia(t, [a!, b!], '2030-01-01T10:00:00Z');
      const day2 = await scheduleVia(t, [a!], '2030-01-02T10:00:00Z');
      const day3 = await scheduleVia(t, [a!, b!], '2030-01-03T10:00:00Z');
      assert.equal((await cancel(t, day3[1]!)).statusCode, 200);
      const [failed] = await h.postsWithStatus(t, b!, 'failed', 1);
      await h.db
        .updateTable('scheduled_posts')
        .set({ scheduled_for: new Date('2029-12-31T10:00:00Z') })
        .where('id', '=', failed!)
        .execute();

      const all = json(await list(t));
      assert.equal(all.nextCursor, null);
      const ids = (page: { items: Post[] }) => page.items.map((p) => p.id);
      const desc = (x: string[]) => [...x].sort().reverse();
      assert.deepEqual(ids(all), [...desc(day3), ...day2, ...desc(day1), failed]);
      assert.deepEqual(all.items[0], json(await get(t, all.items[0].id)), 'list items are the GET shape');

      assert.deepEqual(ids(json(await list(t, '?status=canceled'))), [day3[1]]);
      assert.deepEqual(ids(json(await list(t, '?status=canceled&status=failed'))), [day3[1], failed]);
      assert.deepEqual(ids(json(await list(t, `?socialAccountId=${b}`))), [day3[1], day1[1], failed]);
      assert.deepEqual(ids(json(await list(t, `?socialAccountId=${b}&status=queued`))), [day1[1]]);
      assert.deepEqual(
        ids(json(await list(t, '?since=2030-01-02T10:00:00Z'))),
        [...desc(day3), ...day2],
        'since is inclusive',
      );
      assert.deepEqual(
        ids(json(await list(t, '?until=2030-01-02T10:00:00Z'))),
        [...desc(day1), failed],
        'until is exclusive',
      );
      assert.deepEqual(ids(json(await list(t, '?since=2030-01-01T00:00:00Z&until=2030-01-03T00:00:00%2B01:00'))), [
        ...day2,
        ...desc(day1),
      ]);
      assert.deepEqual(ids(json(await list(t, `?socialAccountId=sa_${randomUUID()}`))), []);
    });

    it('list: a keyset walk at every page size sees every post exactly once, ties on scheduledFor included', async () => {
      const t = await h.tenant();
      const accounts = await Promise.all([1, 2, 3].map(() => h.account(t)));
      const expected: string[] = [];
      for (const when of ['2030-02-03T00:00:00Z', '2030-02-02T00:00:00Z', '2030-02-01T00:00:00Z']) {
        expected.push(...[...(await scheduleVia(t, accounts, when))].sort().reverse());
      }
      for (const limit of [1, 2, 4, 9, 100]) {
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const res = await list(t, `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
          assert.equal(res.statusCode, 200, res.body);
          const p = json(res);
          seen.push(...p.items.map((x: Post) => x.id));
          cursor = p.nextCursor;
          pages++;
        } while (cursor);
        assert.deepEqual(seen, expected, `limit ${limit}: no gap, no duplicate, in order`);
        assert.equal(pages, Math.ceil(9 / limit), 'a full last page ends the walk (no empty extra page)');
      }
      const filtered: string[] = [];
      let cursor: string | null = null;
      do {
        const p = json(await list(t, `?limit=2&socialAccountId=${accounts[0]}${cursor ? `&cursor=${cursor}` : ''}`));
        filtered.push(...p.items.map((x: Post) => x.id));
        cursor = p.nextCursor;
      } while (cursor);
      assert.equal(filtered.length, 3);
    });

    it('list: 422 for a bad status, limit, date, cursor or unknown parameter; 404 for another organization’s project', async () => {
      const t = await h.tenant();
      const stranger = await h.tenant();
      const cases: [string, string][] = [
        ['?status=done', 'status.0'],
        ['?status=queued&status=nope', 'status.1'],
        ['?limit=0', 'limit'],
        ['?limit=101', 'limit'],
        ['?since=yesterday', 'since'],
        ['?until=2030-01-01', 'until'],
        ['?cursor=abc', 'cursor'],
        ['?socialAccountId=sa_1', 'socialAccountId'],
        ['?sort=asc', 'sort'],
      ];
      for (const [query, path] of cases) assertValidation(await list(t, query), 422, path);
      assertEnvelope(await list(t, '', stranger.projectId), 404, 'NOT_FOUND');
      assertEnvelope(await list(t, '', `prj_${randomUUID()}`), 404, 'NOT_FOUND');
    });
  });

  describe('POST /v1/scheduled-posts/:id/reschedule', () => {
    it('reschedule: a queued post moves, the GET shape comes back, post.rescheduled and an audit row are written', async () => {
      const t = await h.tenant();
      const sa = await h.account(t);
      const [id] = await h.atTime('2026-04-18T19:00:00Z', () => scheduleVia(t, [sa], '2026-04-19T08:00:00Z'));
      const res = await h.atTime('2026-04-18T19:15:02.400Z', () =>
        reschedule(t, id!, { scheduledFor: '2026-04-20T09:30:00.900Z' }),
      );
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(json(res), {
        ...json(await get(t, id!)),
        scheduledFor: '2026-04-20T09:30:00Z',
        updatedAt: '2026-04-18T19:15:02Z',
      });
      assert.equal(json(res).createdAt, '2026-04-18T19:00:00Z');
      assert.deepEqual(await events(t.organizationId, 'post.rescheduled'), [
        {
          data: {
            id,
            projectId: t.projectId,
            socialAccountId: sa,
            status: 'queued',
            scheduledFor: '2026-04-20T09:30:00Z',
            previousScheduledFor: '2026-04-19T08:00:00Z',
          },
        },
      ]);
      assert.deepEqual(await audits(t.organizationId, 'scheduled_post.rescheduled'), [
        {
          project_id: t.projectId,
          api_key_id: t.apiKeyId,
          data: {
            scheduledPostId: id,
            socialAccountId: sa,
            scheduledFor: '2026-04-20T09:30:00Z',
            previousScheduledFor: '2026-04-19T08:00:00Z',
          },
        },
      ]);
    });

    it('reschedule: past time → 422 scheduledFor; not queued → 409 not_queued; unknown/other org → 404; strict body', async () => {
      const t = await h.tenant();
      const stranger = await h.tenant();
      const sa = await h.account(t);
      const [queued] = await h.queuedPosts(sa, 1);
      const future = { scheduledFor: new Date(Date.now() + 86_400_000).toISOString() };
      assertValidation(
        await reschedule(t, queued!, { scheduledFor: new Date(Date.now() - 60_000).toISOString() }),
        422,
        'scheduledFor',
      );
      assertValidation(await reschedule(t, queued!, {}), 422, 'scheduledFor');
      assertValidation(await reschedule(t, queued!, { ...future, mode: 'draft' }), 422, 'mode');
      for (const status of ['publishing', 'published', 'failed', 'canceled', 'draft'] as const) {
        const [id] = await h.postsWithStatus(t, sa, status, 1);
        assertEnvelope(await reschedule(t, id!, future), 409, 'CONFLICT', { reason: 'not_queued', status });
      }
      assertEnvelope(
        await reschedule(t, (await h.queuedPosts(await h.account(stranger), 1))[0]!, future),
        404,
        'NOT_FOUND',
      );
      assertEnvelope(await reschedule(t, `sp_${randomUUID()}`, future), 404, 'NOT_FOUND');
      assert.deepEqual(await events(t.organizationId, 'post.rescheduled'), [], 'no failed attempt wrote an event');
    });
  });

  describe('DELETE /v1/scheduled-posts/:id', () => {
    it('cancel: {id, status, canceledAt}, then GET shows it; the partner’s reason is kept in the audit row and event', async () => {
      const t = await h.tenant();
      const sa = await h.account(t);
      const [a, b] = await h.queuedPosts(sa, 2);
      const res = await h.atTime('2026-04-18T19:15:02.700Z', () =>
        cancel(t, a!, { reason: 'Client pulled the campaign' }),
      );
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(json(res), { id: a, status: 'canceled', canceledAt: '2026-04-18T19:15:02Z' });
      const got = json(await get(t, a!));
      assert.equal(got.status, 'canceled');
      assert.equal(got.canceledAt, '2026-04-18T19:15:02Z');
      assert.equal(got.updatedAt, '2026-04-18T19:15:02Z');
      const bare = await cancel(t, b!); // no body at all
      assert.equal(bare.statusCode, 200, bare.body);
      const row = await h.db
        .selectFrom('scheduled_posts')
        .select(['cancel_reason'])
        .where('id', '=', a!)
        .executeTakeFirstOrThrow();
      assert.equal(row.cancel_reason, 'canceled_by_partner');
      assert.deepEqual(await audits(t.organizationId, 'scheduled_post.canceled'), [
        {
          project_id: t.projectId,
          api_key_id: t.apiKeyId,
          data: {
            scheduledPostId: a,
            socialAccountId: sa,
            reason: 'canceled_by_partner',
            note: 'Client pulled the campaign',
          },
        },
        {
          project_id: t.projectId,
          api_key_id: t.apiKeyId,
          data: { scheduledPostId: b, socialAccountId: sa, reason: 'canceled_by_partner', note: null },
        },
      ]);
      const evts = await events(t.organizationId, 'post.canceled');
      assert.deepEqual(evts[0], {
        data: {
          id: a,
          projectId: t.projectId,
          socialAccountId: sa,
          status: 'canceled',
          cancelReason: 'canceled_by_partner',
          canceledAt: '2026-04-18T19:15:02Z',
          note: 'Client pulled the campaign',
        },
      });
      assert.equal(evts.length, 2);
      // A revoke afterwards counts only what is still queued.
      await h.queuedPosts(sa, 1);
      assert.equal(
        json(await h.inject({ method: 'DELETE', url: `/v1/social-accounts/${sa}`, headers: t.auth }))
          .canceledScheduledPosts,
        1,
      );
    });

    it('cancel: publishing or terminal → 409 not_queued (twice included); unknown/other org → 404; strict body', async () => {
      const t = await h.tenant();
      const stranger = await h.tenant();
      const sa = await h.account(t);
      const [queued] = await h.queuedPosts(sa, 1);
      assertValidation(await cancel(t, queued!, { reason: 'x', force: true }), 422, 'force');
      assertValidation(await cancel(t, queued!, { reason: 'x'.repeat(501) }), 422, 'reason');
      assertValidation(await cancel(t, queued!, { reason: 7 }), 422, 'reason');
      assert.equal((await cancel(t, queued!)).statusCode, 200);
      assertEnvelope(await cancel(t, queued!), 409, 'CONFLICT', { reason: 'not_queued', status: 'canceled' });
      for (const status of ['publishing', 'published', 'failed', 'draft'] as const) {
        const [id] = await h.postsWithStatus(t, sa, status, 1);
        assertEnvelope(await cancel(t, id!), 409, 'CONFLICT', { reason: 'not_queued', status });
        assert.equal(json(await get(t, id!)).status, status, 'unchanged');
      }
      assertEnvelope(await cancel(t, (await h.queuedPosts(await h.account(stranger), 1))[0]!), 404, 'NOT_FOUND');
      assertEnvelope(await cancel(t, `sp_${randomUUID()}`), 404, 'NOT_FOUND');
      assert.equal((await events(t.organizationId, 'post.canceled')).length, 1);
    });
  });

  describe('flows', () => {
    it('cancel or reschedule ∥ revoke, 60 times: no deadlock, and the counts add up', async () => {
      const t = await h.tenant();
      const future = { scheduledFor: new Date(Date.now() + 86_400_000).toISOString() };
      for (let i = 0; i < 60; i++) {
        const sa = await h.account(t);
        const [id] = await h.queuedPosts(sa, 1);
        const write = i % 2 === 0 ? cancel(t, id!) : reschedule(t, id!, future);
        const [w, r] = await Promise.all([
          write,
          h.inject({ method: 'DELETE', url: `/v1/social-accounts/${sa}`, headers: t.auth }),
        ]);
        assert.equal(r.statusCode, 200, r.body);
        const revoked = json(r).canceledScheduledPosts;
        if (w.statusCode === 200) assert.equal(revoked, i % 2 === 0 ? 0 : 1, `iteration ${i}: ${w.body}`);
        else {
          assertEnvelope(w, 409, 'CONFLICT', { reason: 'not_queued', status: 'canceled' });
          assert.equal(revoked, 1, `iteration ${i}`);
        }
        assert.deepEqual(await h.postStatuses(sa), { canceled: 1 });
      }
    });
  });
});
