import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { assertEnvelope, assertValidation } from '../assertions.js';
import { createContainer } from '../content-fixtures.js';
import { describeEachDb, json, type Tenant } from '../harness.js';
import { httpsMediaHost } from '../support/https-media-host.js';

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

    it('media with metadata: objects and plain URLs mixed; `media` stays the URLs, `mediaDetails` what is known', async () => {
      const t = await h.tenant();
      const reel = {
        url: 'https://cdn.example.com/reel.mp4',
        contentType: 'video/mp4',
        sizeBytes: 52_428_800,
        durationMs: 30_500,
        width: 1080,
        height: 1920,
      };
      const res = await upload(t, { media: [reel, { url: MEDIA[1] }, MEDIA[0]] });
      assert.equal(res.statusCode, 201, res.body);
      const c = json(res);
      assert.deepEqual(c.media, [reel.url, MEDIA[1], MEDIA[0]]);
      const probe = { probed: false, contentType: null, sizeBytes: null, note: 'network error (ENOTFOUND)' };
      const nothing = { contentType: null, sizeBytes: null, durationMs: null, width: null, height: null };
      assert.deepEqual(c.mediaDetails, [
        { ...reel, probe },
        { url: MEDIA[1], ...nothing, probe },
        { url: MEDIA[0], ...nothing, probe },
      ]);
      assert.deepEqual(json(await get(t, c.id)).mediaDetails, c.mediaDetails, 'stored as shown');
      const cases: [unknown, string][] = [
        [{ media: [{ url: 'http://cdn.example.com/a.mp4' }] }, 'media.0.url'],
        [{ media: [{ contentType: 'video/mp4' }] }, 'media.0'],
        [{ media: [MEDIA[0], { ...reel, sizeBytes: -1 }] }, 'media.1.sizeBytes'],
        [{ media: [{ ...reel, contentType: 'mp4' }] }, 'media.0.contentType'],
        [{ media: [{ ...reel, width: 0 }] }, 'media.0.width'],
        [{ media: [{ ...reel, durationMs: 1.5 }] }, 'media.0'],
        [{ media: [{ ...reel, fps: 30 }] }, 'media.0.fps'],
      ];
      for (const [payload, path] of cases) assertValidation(await upload(t, payload), 422, path);
    });

    it('the probe at upload: a real HTTPS media host (loopback opt-in) — probed values stored; a disagreeing declared size is an issue on validate', async () => {
      const host = await httpsMediaHost((_req, res) => {
        res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': '400000000' }).end();
      });
      h.deps.mediaProbeCa = host.cert;
      try {
        const t = await h.tenant();
        const insta = await h.account(t, { platform: 'instagram' });
        const url = `https://media.localhost:${host.port}/reel.mp4`;
        const res = await upload(t, {
          media: [{ url, sizeBytes: 1_000_000, durationMs: 20_000, width: 1080, height: 1920 }],
        });
        assert.equal(res.statusCode, 201, res.body);
        assert.deepEqual(json(res).mediaDetails[0].probe, {
          probed: true,
          contentType: 'video/mp4',
          sizeBytes: 400_000_000,
          note: 'HEAD 200',
        });
        assert.deepEqual(host.seen, ['HEAD /reel.mp4']);
        const v = await h.inject({
          method: 'POST',
          url: `/v1/content/${json(res).id}/validate`,
          headers: t.auth,
          payload: { targets: [{ socialAccountId: insta, mode: 'publish' }] },
        });
        assert.equal(v.statusCode, 200, v.body);
        assert.deepEqual(
          json(v).targets[0].issues.map((i: { code: string; limit: number; actual: number }) => [
            i.code,
            i.limit,
            i.actual,
          ]),
          [
            ['MEDIA_SIZE_MISMATCH', 400_000_000, 1_000_000],
            ['MEDIA_TOO_LARGE', 300 * 1024 * 1024, 400_000_000],
          ],
          'the probed 400 MB is judged, not the declared 1 MB',
        );
        assert.deepEqual(json(v).targets[0].warnings, [], 'the type came from the probe');
      } finally {
        h.deps.mediaProbeCa = undefined;
        await host.close();
      }
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
  describe('POST /v1/content/:containerId/validate', () => {
    const validate = (t: Tenant, id: string, payload: unknown, extra: Record<string, string> = {}) =>
      h.inject({
        method: 'POST',
        url: `/v1/content/${id}/validate`,
        headers: { ...t.auth, ...extra },
        payload: payload as object,
      });
    const rows = async (t: Tenant) => ({
      posts: await h.db
        .selectFrom('scheduled_posts')
        .select('id')
        .where('organization_id', '=', t.organizationId)
        .execute(),
      events: await h.db
        .selectFrom('outbox_events')
        .select('id')
        .where('organization_id', '=', t.organizationId)
        .execute(),
      audit: await h.db.selectFrom('audit_log').select('id').where('organization_id', '=', t.organizationId).execute(),
      keys: await h.db.selectFrom('idempotency_keys').select('key').where('api_key_id', '=', t.apiKeyId).execute(),
    });

    it('200 per target: its platform, format, rulesVersion, issues and warnings; writes nothing, stores no Idempotency-Key', async () => {
      const t = await h.tenant();
      const tiktok = await h.account(t);
      const insta = await h.account(t, { platform: 'instagram' });
      const up = await upload(t, {
        media: [
          { url: 'https://cdn.example.com/long.mp4', contentType: 'video/mp4', sizeBytes: 1_000, durationMs: 900_001 },
        ],
        caption: 'Launch',
      });
      const id = json(up).id;
      const before = await rows(t);
      const mentions = Array.from({ length: 21 }, (_, i) => `@fan${i}`).join(' ');
      const body = {
        targets: [
          { socialAccountId: tiktok, mode: 'publish' },
          { socialAccountId: insta, mode: 'publish', captionOverride: mentions },
        ],
      };
      const res = await validate(t, id, body, { 'idempotency-key': 'v-1' });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['x-ratelimit-endpoint-class'], 'read-light');
      const v = json(res);
      const tiktokVersion = 'tiktok-2026-12-01';
      const instaVersion = 'instagram-2026-12-01';
      assert.deepEqual(v, {
        containerId: id,
        valid: false,
        targets: [
          {
            socialAccountId: tiktok,
            platform: 'tiktok',
            mode: 'publish',
            format: 'video',
            rulesVersion: tiktokVersion,
            valid: false,
            issues: [
              {
                code: 'MEDIA_TOO_LONG',
                path: 'media.0.durationMs',
                limit: 600_000,
                actual: 900_001,
                platform: 'tiktok',
                rulesVersion: tiktokVersion,
                message: 'at most 600000 ms',
              },
            ],
            warnings: [
              {
                code: 'UNKNOWN_DIMENSIONS',
                path: 'media.0.width',
                platform: 'tiktok',
                rulesVersion: tiktokVersion,
                message: 'width and height not declared',
              },
            ],
          },
          {
            socialAccountId: insta,
            platform: 'instagram',
            mode: 'publish',
            format: 'reel',
            rulesVersion: instaVersion,
            valid: false,
            issues: [
              {
                code: 'MENTION_LIMIT_EXCEEDED',
                path: 'targets.1.captionOverride',
                limit: 20,
                actual: 21,
                platform: 'instagram',
                rulesVersion: instaVersion,
                message: 'at most 20 @mentions',
              },
              {
                code: 'MEDIA_TOO_LONG',
                path: 'media.0.durationMs',
                limit: 900_000,
                actual: 900_001,
                platform: 'instagram',
                rulesVersion: instaVersion,
                message: 'at most 900000 ms',
              },
            ],
            warnings: [
              {
                code: 'UNKNOWN_DIMENSIONS',
                path: 'media.0.width',
                platform: 'instagram',
                rulesVersion: instaVersion,
                message: 'width and height not declared',
              },
            ],
          },
        ],
      });
      const again = await validate(t, id, body, { 'idempotency-key': 'v-1' });
      assert.equal(again.headers['idempotent-replayed'], undefined, 'nothing stored to replay');
      assert.deepEqual(json(again), v);
      assert.deepEqual(await rows(t), before, 'no post, event, audit row or idempotency key');
    });

    it('valid content: valid true; an account that is not connected is still judged (its state is a schedule’s check)', async () => {
      const t = await h.tenant();
      const tiktok = await h.account(t);
      const id = await createContainer(h, t);
      const revoked = await h.inject({ method: 'DELETE', url: `/v1/social-accounts/${tiktok}`, headers: t.auth });
      assert.equal(revoked.statusCode, 200, revoked.body);
      const res = await validate(t, id, { targets: [{ socialAccountId: tiktok, mode: 'draft' }] });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual([json(res).valid, json(res).targets[0].valid, json(res).targets[0].issues], [true, true, []]);
      assert.deepEqual(
        json(res).targets[0].warnings.map((w: { code: string }) => w.code),
        ['CAPTION_NOT_SENT', 'UNKNOWN_CONTENT_TYPE', 'UNKNOWN_SIZE', 'UNKNOWN_DURATION', 'UNKNOWN_DIMENSIONS'],
        'a TikTok inbox draft takes no caption; content from before metadata: every media check unknown',
      );
    });

    it('404 for unknown content or account (another organization’s too), 422 for another project’s account or a bad body', async () => {
      const t = await h.tenant();
      const other = await h.tenant();
      const id = await createContainer(h, t);
      const foreign = await h.account(other);
      const target = (socialAccountId: string) => ({ targets: [{ socialAccountId, mode: 'publish' }] });
      assertEnvelope(await validate(t, `cnt_${randomUUID()}`, target(foreign)), 404, 'NOT_FOUND');
      assertEnvelope(await validate(t, await createContainer(h, other), target(foreign)), 404, 'NOT_FOUND');
      assertEnvelope(await validate(t, id, target(foreign)), 404, 'NOT_FOUND', { socialAccountId: foreign });
      const project = json(
        await h.inject({
          method: 'POST',
          url: '/v1/projects',
          headers: t.auth,
          payload: { name: 'Second', timezone: 'UTC' },
        }),
      );
      const elsewhere = await h.account({ ...t, projectId: project.id });
      assertValidation(await validate(t, id, target(elsewhere)), 422, 'targets.0.socialAccountId');
      assertValidation(await validate(t, id, { targets: [] }), 422, 'targets');
      assertValidation(
        await validate(t, id, { ...target(foreign), scheduledFor: '2099-01-01T00:00:00Z' }),
        422,
        'scheduledFor',
      );
    });
  });
});
