import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { assertEnvelope, assertValidation } from '../assertions.js';
import { createContainer } from '../content-fixtures.js';
import { describeEachDb, json, type Tenant } from '../harness.js';

const MEDIA = ['https://cdn.example.com/clip.mp4', 'https://cdn.example.com/cover.jpg'];

describeEachDb('content', (h) => {
  const upload = (t: Tenant, payload: unknown, extra: Record<string, string> = {}, projectId = t.projectId) =>
    h.inject({
      method: 'POST',
      url: `/v1/projects/${projectId}/content/upload`,
      headers: { ...t.auth, ...extra },
      payload: payload as object,
    });
  const get = (t: Tenant, id: string) => h.inject({ method: 'GET', url: `/v1/content/${id}`, headers: t.auth });
  const list = (t: Tenant, query = '', projectId = t.projectId) =>
    h.inject({ method: 'GET', url: `/v1/projects/${projectId}/content${query}`, headers: t.auth });

  describe('POST /v1/projects/:projectId/content/upload', () => {
    it('upload: 201 with the completed, uploaded container, readable by GET, audited', async () => {
      const t = await h.tenant();
      const res = await h.atTime('2026-04-18T19:15:02.789Z', () =>
        upload(t, { media: MEDIA, caption: 'Launch day 🚀' }),
      );
      assert.equal(res.statusCode, 201, res.body);
      const c = json(res);
      assert.match(c.id, /^cnt_[0-9a-f-]{36}$/);
      assert.deepEqual(c, {
        id: c.id,
        projectId: t.projectId,
        status: 'completed',
        creativeType: 'uploaded',
        media: MEDIA,
        // Plain URLs declare nothing; the probe could not resolve the test hosts (the harness's DNS knows none).
        mediaDetails: MEDIA.map((url) => ({
          url,
          contentType: null,
          sizeBytes: null,
          durationMs: null,
          width: null,
          height: null,
          probe: { probed: false, contentType: null, sizeBytes: null, note: 'network error (ENOTFOUND)' },
        })),
        caption: 'Launch day 🚀',
        approvalStatus: 'not_required',
        approvalDecidedAt: null,
        approvalNote: null,
        rejectionReason: null,
        createdAt: '2026-04-18T19:15:02Z',
        updatedAt: '2026-04-18T19:15:02Z',
      });
      assert.deepEqual(Object.keys(c), [
        'id',
        'projectId',
        'status',
        'creativeType',
        'media',
        'mediaDetails',
        'caption',
        'approvalStatus',
        'approvalDecidedAt',
        'approvalNote',
        'rejectionReason',
        'createdAt',
        'updatedAt',
      ]);
      const got = await get(t, c.id);
      assert.equal(got.statusCode, 200, got.body);
      assert.deepEqual(json(got), c);
      const audit = await h.db
        .selectFrom('audit_log')
        .select(['event_type', 'project_id', 'request_id', 'api_key_id', 'data'])
        .where('organization_id', '=', t.organizationId)
        .execute();
      assert.deepEqual(audit, [
        {
          event_type: 'content_container.created',
          project_id: t.projectId,
          request_id: res.headers['x-request-id'],
          api_key_id: t.apiKeyId,
          data: { containerId: c.id, creativeType: 'uploaded', mediaCount: 2, approvalStatus: 'not_required' },
        },
      ]);
    });

    it('caption is optional (null); 10 media and a 2,200-character caption (counted in characters) are accepted', async () => {
      const t = await h.tenant();
      const bare = await upload(t, { media: [MEDIA[0]] });
      assert.equal(bare.statusCode, 201, bare.body);
      assert.equal(json(bare).caption, null);
      const ten = Array.from({ length: 10 }, (_, i) => `https://cdn.example.com/${i}.jpg`);
      const emoji = '😀'.repeat(2200); // 4,400 UTF-16 units, 2,200 characters
      const full = await upload(t, { media: ten, caption: emoji });
      assert.equal(full.statusCode, 201, full.body);
      assert.deepEqual(json(full).media, ten);
      assert.equal(json(full).caption, emoji);
    });

    it('422 VALIDATION at the offending field: media count and scheme, caption length and NUL, unknown fields', async () => {
      const t = await h.tenant();
      const cases: [unknown, string][] = [
        [{}, 'media'],
        [{ media: [] }, 'media'],
        [{ media: Array.from({ length: 11 }, (_, i) => `https://cdn.example.com/${i}.jpg`) }, 'media'],
        [{ media: ['http://cdn.example.com/a.mp4'] }, 'media.0'],
        [{ media: [MEDIA[0], 'ftp://cdn.example.com/a.mp4'] }, 'media.1'],
        [{ media: ['https://127.0.0.1/a.mp4'] }, 'media.0'],
        [{ media: ['https://cdn.example.com/a b.mp4'] }, 'media.0'],
        [{ media: ['https://cdn.example.com/a\u0000.mp4'] }, 'media.0'],
        [{ media: [`https://cdn.example.com/${'a'.repeat(2048)}`] }, 'media.0'],
        [{ media: 'https://cdn.example.com/a.mp4' }, 'media'],
        [{ media: MEDIA, caption: 'x'.repeat(2201) }, 'caption'],
        [{ media: MEDIA, caption: '😀'.repeat(2201) }, 'caption'],
        [{ media: MEDIA, caption: 'nul\u0000byte' }, 'caption'],
        [{ media: MEDIA, caption: 42 }, 'caption'],
        [{ media: MEDIA, title: 'x' }, 'title'],
      ];
      for (const [payload, path] of cases) assertValidation(await upload(t, payload), 422, path);
      const rows = await h.db
        .selectFrom('content_containers')
        .select('id')
        .where('organization_id', '=', t.organizationId)
        .execute();
      assert.deepEqual(rows, [], 'nothing was written');
    });

    it('404 for a project of another organization or an unknown one; 400 for a malformed id', async () => {
      const t = await h.tenant();
      const other = await h.tenant();
      assertEnvelope(await upload(t, { media: MEDIA }, {}, other.projectId), 404, 'NOT_FOUND');
      assertEnvelope(await upload(t, { media: MEDIA }, {}, `prj_${randomUUID()}`), 404, 'NOT_FOUND');
      assertEnvelope(await list(t, '', other.projectId), 404, 'NOT_FOUND');
      assertEnvelope(await get(t, await createContainer(h, other)), 404, 'NOT_FOUND');
      assertEnvelope(await get(t, `cnt_${randomUUID()}`), 404, 'NOT_FOUND');
      assertValidation(await get(t, 'cnt_123'), 400, 'containerId');
      assertValidation(await upload(t, { media: MEDIA }, {}, 'prj_nope'), 400, 'projectId');
    });

    it('409 CONFLICT project_archived on upload to an archived project; its content stays readable', async () => {
      const t = await h.tenant();
      const c = json(await upload(t, { media: MEDIA }));
      const archived = await h.inject({ method: 'DELETE', url: `/v1/projects/${t.projectId}`, headers: t.auth });
      assert.equal(archived.statusCode, 200, archived.body);
      assertEnvelope(await upload(t, { media: MEDIA }), 409, 'CONFLICT', {
        reason: 'project_archived',
        projectId: t.projectId,
      });
      assert.deepEqual(json(await get(t, c.id)), c);
      assert.deepEqual(json(await list(t)).items, [c]);
    });

    it('an Idempotency-Key replays the upload: one container, the same bytes', async () => {
      const t = await h.tenant();
      const first = await upload(t, { media: MEDIA }, { 'idempotency-key': 'up-1' });
      const again = await upload(t, { media: MEDIA }, { 'idempotency-key': 'up-1' });
      assert.equal(first.statusCode, 201, first.body);
      assert.equal(again.statusCode, 201, again.body);
      assert.equal(again.body, first.body);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(json(await list(t)).items.length, 1);
    });
  });

  describe('GET /v1/projects/:projectId/content', () => {
    it('list: newest first, paginated without gaps or dupes (ties on createdAt included); bad cursor or limit → 422', async () => {
      const t = await h.tenant();
      const other = await h.tenant();
      await upload(other, { media: MEDIA });
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        // three share each createdAt
        await h.atTime(`2026-05-0${1 + Math.floor(i / 3)}T10:00:00Z`, async () => {
          ids.push(json(await upload(t, { media: MEDIA, caption: `#${i}` })).id);
        });
      }
      const all = json(await list(t));
      assert.equal(all.nextCursor, null);
      assert.equal(all.items.length, 7);
      const expected = [...all.items].sort((a, b) =>
        a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1,
      );
      assert.deepEqual(all.items, expected, 'createdAt desc, then id desc');
      assert.deepEqual([...ids].sort(), all.items.map((c: { id: string }) => c.id).sort());
      for (const limit of [1, 2, 3]) {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const res = await list(t, `?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
          assert.equal(res.statusCode, 200, res.body);
          const p = json(res);
          assert.ok(p.items.length <= limit);
          seen.push(...p.items.map((c: { id: string }) => c.id));
          cursor = p.nextCursor;
        } while (cursor);
        assert.deepEqual(
          seen,
          all.items.map((c: { id: string }) => c.id),
          `limit ${limit}`,
        );
      }
      for (const [query, path] of [
        ['?cursor=bogus', 'cursor'],
        ['?limit=0', 'limit'],
        ['?limit=201', 'limit'],
        ['?status=x', 'status'],
      ]) {
        assertValidation(await list(t, query!), 422, path!);
      }
    });
  });
});
