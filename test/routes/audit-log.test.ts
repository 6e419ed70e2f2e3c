import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertValidation } from '../assertions.js';
import { describeEachDb, json } from '../harness.js';

describeEachDb('audit log', (h) => {
  describe('GET /v1/audit-log', () => {
    it('lists the organization’s entries newest first, filtered, paginated without gaps or dupes', async () => {
      const t = await h.tenant();
      const stranger = await h.tenant();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const id = await h.account(t);
        await h.queuedPosts(id, 2);
        ids.push(id);
        await h.atTime(`2026-01-0${i + 1}T10:00:00Z`, async () => {
          assert.equal(
            (await h.inject({ method: 'DELETE', url: `/v1/social-accounts/${id}`, headers: t.auth })).statusCode,
            200,
          );
        });
        await h.expandCancellations(); // the worker's pass after each revoke writes its posts' rows
      }
      await h
        .account(stranger)
        .then((id) => h.inject({ method: 'DELETE', url: `/v1/social-accounts/${id}`, headers: stranger.auth }));

      const all = json(await h.inject({ method: 'GET', url: '/v1/audit-log?limit=200', headers: t.auth }));
      assert.equal(all.items.length, 9, 'three revokes × (1 + 2 posts)');
      assert.equal(all.nextCursor, null);
      const ordered = [...all.items].sort((a: { id: string }, b: { id: string }) => Number(b.id) - Number(a.id));
      assert.deepEqual(all.items, ordered, 'newest first');
      assert.deepEqual(Object.keys(all.items[0]), [
        'id',
        'eventType',
        'requestId',
        'apiKeyId',
        'organizationId',
        'projectId',
        'data',
        'createdAt',
      ]);
      assert.ok(all.items.every((e: { organizationId: string }) => e.organizationId === t.organizationId));

      const revokes = json(
        await h.inject({ method: 'GET', url: '/v1/audit-log?eventType=social_account.revoked', headers: t.auth }),
      );
      assert.deepEqual(
        revokes.items.map((e: { data: { socialAccountId: string } }) => e.data.socialAccountId),
        [...ids].reverse(),
      );
      const window = json(
        await h.inject({
          method: 'GET',
          url: '/v1/audit-log?eventType=social_account.revoked&since=2026-01-02T00:00:00Z&until=2026-01-03T00:00:00Z',
          headers: t.auth,
        }),
      );
      assert.deepEqual(
        window.items.map((e: { data: { socialAccountId: string } }) => e.data.socialAccountId),
        [ids[1]],
      );
      assert.equal(window.items[0].createdAt, '2026-01-02T10:00:00Z');
      const byProject = json(
        await h.inject({ method: 'GET', url: `/v1/audit-log?projectId=${t.projectId}&limit=200`, headers: t.auth }),
      );
      assert.equal(byProject.items.length, 9);

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/v1/audit-log?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const pageRes = json(await h.inject({ method: 'GET', url, headers: t.auth }));
        seen.push(...pageRes.items.map((e: { id: string }) => e.id));
        cursor = pageRes.nextCursor;
      } while (cursor);
      assert.deepEqual(
        seen,
        all.items.map((e: { id: string }) => e.id),
      );
    });

    it('422 VALIDATION with issues for a bad cursor, limit, date or unknown filter', async () => {
      const t = await h.tenant();
      const cases: [string, string][] = [
        ['cursor=not-a-cursor', 'cursor'],
        ['limit=0', 'limit'],
        ['limit=201', 'limit'],
        ['since=yesterday', 'since'],
        ['projectId=prj_1', 'projectId'],
        ['event_type=x', 'event_type'],
      ];
      for (const [query, path] of cases) {
        assertValidation(await h.inject({ method: 'GET', url: `/v1/audit-log?${query}`, headers: t.auth }), 422, path);
      }
    });
  });
});
