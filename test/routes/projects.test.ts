import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { assertEnvelope, assertValidation } from '../assertions.js';
import { describeEachDb, json } from '../harness.js';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describeEachDb('projects', (h) => {
  const create = (auth: Record<string, string>, payload: object, extra: Record<string, string> = {}) =>
    h.inject({ method: 'POST', url: '/v1/projects', headers: { ...auth, ...extra }, payload });

  describe('POST /v1/projects', () => {
    it('creates a project: 201 with every field, readable by GET, audited', async () => {
      const t = await h.tenant();
      const res = await h.atTime('2026-03-01T08:00:00.500Z', () =>
        create(t.auth, {
          name: ' Acme ',
          timezone: 'Europe/Paris',
          customerExternalId: 'crm-42',
          ownerEmail: 'owner@acme.test',
          metadata: { plan: 'gold' },
        }),
      );
      assert.equal(res.statusCode, 201, res.body);
      const p = json(res);
      assert.match(p.id, /^prj_[0-9a-f-]{36}$/);
      assert.deepEqual(
        { ...p, id: undefined },
        {
          id: undefined,
          name: 'Acme',
          timezone: 'Europe/Paris',
          customerExternalId: 'crm-42',
          ownerEmail: 'owner@acme.test',
          metadata: { plan: 'gold' },
          status: 'active',
          archivedAt: null,
          createdAt: '2026-03-01T08:00:00Z',
          updatedAt: '2026-03-01T08:00:00Z',
        },
      );
      const got = await h.inject({ method: 'GET', url: `/v1/projects/${p.id}`, headers: t.auth });
      assert.deepEqual(json(got), p);
      const audit = await h.db
        .selectFrom('audit_log')
        .select(['event_type', 'project_id'])
        .where('organization_id', '=', t.organizationId)
        .execute();
      assert.deepEqual(audit, [{ event_type: 'project.created', project_id: p.id }]);
    });

    it('create is idempotent by key: one project, replayed bytes', async () => {
      const t = await h.tenant();
      const [a, b] = await Promise.all(
        [1, 2].map(() => create(t.auth, { name: 'Once', timezone: 'UTC' }, { 'idempotency-key': 'create-once' })),
      );
      assert.equal(a!.statusCode, 201, a!.body);
      assert.equal(b!.statusCode, 201, b!.body);
      assert.equal(a!.body, b!.body);
      const list = json(await h.inject({ method: 'GET', url: '/v1/projects?limit=200', headers: t.auth }));
      assert.equal(list.items.filter((p: { name: string }) => p.name === 'Once').length, 1);
    });

    it('422 with the field path for bad bodies; unknown fields rejected', async () => {
      const t = await h.tenant();
      assertValidation(await create(t.auth, { timezone: 'UTC' }), 422, 'name');
      assertValidation(await create(t.auth, { name: 'x', timezone: 'Mars/Olympus' }), 422, 'timezone');
      assertValidation(await create(t.auth, { name: 'x', timezone: 'UTC', ownerEmail: 'nope' }), 422, 'ownerEmail');
      assertValidation(await create(t.auth, { name: 'x', timezone: 'UTC', color: 'red' }), 422, 'color');
      assertValidation(await create(t.auth, { name: 'x', timezone: 'UTC', metadata: { k: 5 } }), 422, 'metadata.k');
      assertEnvelope(
        await h.inject({
          method: 'POST',
          url: '/v1/projects',
          headers: { ...t.auth, 'content-type': 'application/json' },
          payload: '{"name":',
        }),
        400,
        'VALIDATION',
      );
    });
  });

  describe('GET /v1/projects', () => {
    it('lists newest first with filters and a cursor walk without gaps or dupes', async () => {
      const t = await h.tenant();
      const made: string[] = [t.projectId];
      for (let i = 0; i < 7; i++) {
        // equal created_at on purpose: the id breaks ties
        await h.atTime(new Date(Date.UTC(2026, 0, 1, 0, 0, i % 3)), async () => {
          made.push(
            json(await create(t.auth, { name: `P${i}`, timezone: 'UTC', customerExternalId: i % 2 ? 'odd' : 'even' }))
              .id,
          );
        });
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = json(
          await h.inject({
            method: 'GET',
            url: `/v1/projects?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
            headers: t.auth,
          }),
        );
        assert.ok(res.items.length <= 3);
        seen.push(...res.items.map((p: { id: string }) => p.id));
        cursor = res.nextCursor;
      } while (cursor);
      assert.equal(seen.length, 8);
      assert.deepEqual([...seen].sort(), [...made].sort());
      const odd = json(await h.inject({ method: 'GET', url: '/v1/projects?customerExternalId=odd', headers: t.auth }));
      assert.equal(odd.items.length, 3);
      assertValidation(
        await h.inject({ method: 'GET', url: '/v1/projects?cursor=abc', headers: t.auth }),
        422,
        'cursor',
      );
      const other = await h.tenant();
      const theirs = json(await h.inject({ method: 'GET', url: '/v1/projects?limit=200', headers: other.auth }));
      assert.deepEqual(
        theirs.items.map((p: { id: string }) => p.id),
        [other.projectId],
      );
    });
  });

  describe('PATCH /v1/projects/:projectId', () => {
    it('PATCH changes only the given fields; null clears optional ones', async () => {
      const t = await h.tenant();
      const p = json(
        await create(t.auth, { name: 'Before', timezone: 'UTC', customerExternalId: 'c1', ownerEmail: 'a@b.test' }),
      );
      const res = await h.inject({
        method: 'PATCH',
        url: `/v1/projects/${p.id}`,
        headers: t.auth,
        payload: { name: 'After', ownerEmail: null },
      });
      assert.equal(res.statusCode, 200, res.body);
      const after = json(res);
      assert.equal(after.name, 'After');
      assert.equal(after.ownerEmail, null);
      assert.equal(after.customerExternalId, 'c1');
      assert.equal(after.timezone, 'UTC');
      assertValidation(
        await h.inject({
          method: 'PATCH',
          url: `/v1/projects/${p.id}`,
          headers: t.auth,
          payload: { status: 'archived' },
        }),
        422,
        'status',
      );
      assertEnvelope(
        await h.inject({
          method: 'PATCH',
          url: `/v1/projects/prj_${randomUUID()}`,
          headers: t.auth,
          payload: { name: 'x' },
        }),
        404,
        'NOT_FOUND',
      );
    });
  });

  describe('DELETE /v1/projects/:projectId', () => {
    it('DELETE archives and cancels the project’s queued posts in one transaction; 200 again; PATCH un-archives', async () => {
      const t = await h.tenant();
      const a = await h.account(t);
      const b = await h.account(t);
      await h.queuedPosts(a, 3);
      await h.queuedPosts(b, 2);
      await h.postsWithStatus(t, a, 'published', 1);
      const other = await h.tenant();
      const theirs = await h.account(other);
      await h.queuedPosts(theirs, 2);

      const res = await h.inject({ method: 'DELETE', url: `/v1/projects/${t.projectId}`, headers: t.auth });
      assert.equal(res.statusCode, 200, res.body);
      const body = json(res);
      assert.deepEqual(Object.keys(body), ['id', 'status', 'archivedAt', 'canceledScheduledPosts']);
      assert.equal(body.id, t.projectId);
      assert.equal(body.status, 'archived');
      assert.match(body.archivedAt, TIMESTAMP);
      assert.equal(body.canceledScheduledPosts, 5);
      assert.deepEqual(await h.postStatuses(a), { canceled: 3, published: 1 });
      assert.deepEqual(await h.postStatuses(b), { canceled: 2 });
      assert.deepEqual(await h.postStatuses(theirs), { queued: 2 });
      const reasons = await h.db
        .selectFrom('scheduled_posts')
        .select('cancel_reason')
        .distinct()
        .where('project_id', '=', t.projectId)
        .where('status', '=', 'canceled')
        .execute();
      assert.deepEqual(reasons, [{ cancel_reason: 'project_archived' }]);

      const again = await h.inject({ method: 'DELETE', url: `/v1/projects/${t.projectId}`, headers: t.auth });
      assert.deepEqual(json(again), { ...body, canceledScheduledPosts: 0 });
      const restored = json(
        await h.inject({
          method: 'PATCH',
          url: `/v1/projects/${t.projectId}`,
          headers: t.auth,
          payload: { status: 'active' },
        }),
      );
      assert.equal(restored.status, 'active');
      assert.equal(restored.archivedAt, null);
      assert.deepEqual(await h.postStatuses(b), { canceled: 2 }, 'un-archiving does not resurrect posts');
      const events = await h.db
        .selectFrom('audit_log')
        .select('event_type')
        .where('project_id', '=', t.projectId)
        .orderBy('id')
        .execute();
      assert.deepEqual(
        events.map((e) => e.event_type).filter((e) => e.startsWith('project.')),
        ['project.archived', 'project.unarchived'],
      );
    });

    it('a fault during the archive changes nothing', async () => {
      const t = await h.tenant();
      const a = await h.account(t);
      await h.queuedPosts(a, 2);
      const db = h.db;
      // A real database fault after the cancel statement: the archive's audit insert violates a constraint.
      const before = await db
        .selectFrom('projects')
        .selectAll()
        .where('id', '=', t.projectId)
        .executeTakeFirstOrThrow();
      await h.sql`ALTER TABLE audit_log ADD CONSTRAINT no_archive CHECK (event_type <> 'project.archived') NOT VALID`.execute(
        db,
      );
      try {
        assertEnvelope(
          await h.inject({ method: 'DELETE', url: `/v1/projects/${t.projectId}`, headers: t.auth }),
          500,
          'INTERNAL',
        );
      } finally {
        await h.sql`ALTER TABLE audit_log DROP CONSTRAINT no_archive`.execute(db);
      }
      assert.deepEqual(
        await db.selectFrom('projects').selectAll().where('id', '=', t.projectId).executeTakeFirstOrThrow(),
        before,
      );
      assert.deepEqual(await h.postStatuses(a), { queued: 2 });
    });
  });
});
