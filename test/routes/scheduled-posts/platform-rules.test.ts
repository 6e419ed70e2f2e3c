import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertEnvelope } from '../../assertions.js';
import { describeEachDb, json, type Tenant } from '../../harness.js';

// Schedule and publish against the platform rule packs (docs/platform-rules.md): 422
// PLATFORM_RULE_VIOLATION with the per-target issues, all or nothing, and `dryRun: true`, which runs
// every check and writes nothing — counted in every table a schedule writes to.

const NOW = '2026-04-18T19:15:02.345Z';
const LATER = '2026-04-18T20:15:02Z';
const MiB = 1024 * 1024;
const REEL = {
  url: 'https://cdn.example.com/reel.mp4',
  contentType: 'video/mp4',
  durationMs: 20_000,
  width: 1080,
  height: 1920,
};

describeEachDb('schedule and publish: platform rules', (h) => {
  const call = (t: Tenant, url: string, payload: unknown, extra: Record<string, string> = {}) =>
    h.inject({ method: 'POST', url, headers: { ...t.auth, ...extra }, payload: payload as object });
  const upload = async (t: Tenant, body: unknown) => {
    const res = await call(t, `/v1/projects/${t.projectId}/content/upload`, body);
    assert.equal(res.statusCode, 201, res.body);
    return json(res).id as string;
  };
  /** Every row a schedule, a stash or a replayable answer would leave, for this tenant. */
  const footprint = async (t: Tenant) => {
    const count = async (table: 'scheduled_posts' | 'outbox_events' | 'audit_log' | 'schedule_intents') =>
      Number(
        (
          await h.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .where('organization_id', '=', t.organizationId)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const keys = await h.db
      .selectFrom('idempotency_keys')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('api_key_id', '=', t.apiKeyId)
      .executeTakeFirstOrThrow();
    return {
      scheduled_posts: await count('scheduled_posts'),
      schedule_intents: await count('schedule_intents'),
      outbox_events: await count('outbox_events'),
      audit_log: await count('audit_log'),
      idempotency_keys: Number(keys.n),
    };
  };
  const tooBigReel = { media: [{ ...REEL, sizeBytes: 300 * MiB + 1 }], caption: 'Launch' };

  describe('POST /v1/content/:containerId/schedule', () => {
    it('a target breaking its platform rules → 422 PLATFORM_RULE_VIOLATION with every target judged; nothing written', async () => {
      const t = await h.tenant();
      const tiktok = await h.account(t);
      const insta = await h.account(t, { platform: 'instagram' });
      const cnt = await upload(t, tooBigReel); // 300 MiB + 1: over Instagram's reel cap, fine for TikTok
      const before = await footprint(t);
      const targets = [
        { socialAccountId: tiktok, mode: 'publish' },
        { socialAccountId: insta, mode: 'publish' },
      ];
      const res = await h.atTime(NOW, () => call(t, `/v1/content/${cnt}/schedule`, { scheduledFor: LATER, targets }));
      const error = assertEnvelope(res, 422, 'PLATFORM_RULE_VIOLATION', json(res).error?.details);
      assert.match(error.message, new RegExp(`${insta} \\(MEDIA_TOO_LARGE\\)`));
      const [tk, ig] = (error.details as { targets: Record<string, unknown>[] }).targets;
      assert.deepEqual(
        { ...tk, warnings: undefined },
        {
          socialAccountId: tiktok,
          platform: 'tiktok',
          mode: 'publish',
          format: 'video',
          rulesVersion: 'tiktok-2026-12-01',
          valid: true,
          issues: [],
          warnings: undefined,
        },
      );
      assert.deepEqual(ig, {
        socialAccountId: insta,
        platform: 'instagram',
        mode: 'publish',
        format: 'reel',
        rulesVersion: 'instagram-2026-12-01',
        valid: false,
        issues: [
          {
            code: 'MEDIA_TOO_LARGE',
            path: 'media.0.sizeBytes',
            limit: 300 * MiB,
            actual: 300 * MiB + 1,
            platform: 'instagram',
            rulesVersion: 'instagram-2026-12-01',
            message: `at most ${300 * MiB} bytes`,
          },
        ],
        warnings: [],
      });
      assert.deepEqual(await footprint(t), before, 'all or nothing: not even the valid TikTok target was queued');
    });

    it('captionOverride is judged where it is: the issue points at targets.N.captionOverride', async () => {
      const t = await h.tenant();
      const insta = await h.account(t, { platform: 'instagram' });
      const cnt = await upload(t, { media: [REEL] });
      const tags = Array.from({ length: 31 }, (_, i) => `#t${i}`).join(' ');
      const res = await h.atTime(NOW, () =>
        call(t, `/v1/content/${cnt}/schedule`, {
          scheduledFor: LATER,
          targets: [{ socialAccountId: insta, mode: 'publish', captionOverride: tags }],
        }),
      );
      const details = assertEnvelope(res, 422, 'PLATFORM_RULE_VIOLATION', json(res).error?.details).details as {
        targets: { issues: { code: string; path: string; limit: number; actual: number }[] }[];
      };
      assert.deepEqual(
        details.targets[0]!.issues.map((i) => [i.code, i.path, i.limit, i.actual]),
        [['HASHTAG_LIMIT_EXCEEDED', 'targets.0.captionOverride', 30, 31]],
      );
    });

    it('Instagram has no drafts: mode draft on an Instagram account → 422 at targets.N.mode', async () => {
      const t = await h.tenant();
      const tiktok = await h.account(t);
      const insta = await h.account(t, { platform: 'instagram' });
      const cnt = await upload(t, { media: [REEL] });
      const res = await h.atTime(NOW, () =>
        call(t, `/v1/content/${cnt}/schedule`, {
          scheduledFor: LATER,
          targets: [
            { socialAccountId: tiktok, mode: 'draft' },
            { socialAccountId: insta, mode: 'draft' },
          ],
        }),
      );
      const details = assertEnvelope(res, 422, 'PLATFORM_RULE_VIOLATION', json(res).error?.details).details as {
        targets: { valid: boolean; issues: { code: string; path: string }[] }[];
      };
      assert.deepEqual(
        details.targets.map((x) => [x.valid, x.issues.map((i) => [i.code, i.path])]),
        [
          [true, []],
          [false, [['MODE_UNSUPPORTED', 'targets.1.mode']]],
        ],
      );
    });

    it('dryRun: 200 with the validation and what would happen; no post, intent, event, audit row or idempotency row', async () => {
      const t = await h.tenant();
      const tiktok = await h.account(t);
      const insta = await h.account(t, { platform: 'instagram' });
      const ok = await upload(t, { media: [{ ...REEL, sizeBytes: 300 * MiB }], caption: 'Launch' });
      const bad = await upload(t, tooBigReel);
      const targets = [
        { socialAccountId: tiktok, mode: 'publish' },
        { socialAccountId: insta, mode: 'publish' },
      ];
      const before = await footprint(t);
      const dry = (cnt: string, key: string) =>
        h.atTime(NOW, () =>
          call(
            t,
            `/v1/content/${cnt}/schedule`,
            { scheduledFor: LATER, targets, dryRun: true },
            { 'idempotency-key': key },
          ),
        );
      const good = await dry(ok, 'dry-1');
      assert.equal(good.statusCode, 200, good.body);
      const body = json(good);
      assert.deepEqual(
        {
          ...body,
          targets: body.targets.map((x: { socialAccountId: string; valid: boolean }) => [x.socialAccountId, x.valid]),
        },
        {
          dryRun: true,
          valid: true,
          wouldAnswer: 201,
          wouldCreate: 'scheduled_posts',
          scheduledFor: LATER,
          targets: [
            [tiktok, true],
            [insta, true],
          ],
        },
      );
      assert.equal(good.headers['idempotent-replayed'], undefined);
      const refused = await dry(bad, 'dry-2');
      assert.equal(refused.statusCode, 200, refused.body);
      assert.deepEqual(
        [
          json(refused).valid,
          json(refused).wouldAnswer,
          json(refused).wouldCreate,
          json(refused).targets[1].issues[0].code,
        ],
        [false, 422, 'nothing', 'MEDIA_TOO_LARGE'],
      );
      assert.deepEqual(await footprint(t), before, 'a dry run writes nothing');
      // The same key then serves the real request: the dry run kept nothing under it.
      const real = await h.atTime(NOW, () =>
        call(t, `/v1/content/${ok}/schedule`, { scheduledFor: LATER, targets }, { 'idempotency-key': 'dry-1' }),
      );
      assert.equal(real.statusCode, 201, real.body);
      const after = await footprint(t);
      assert.deepEqual([after.scheduled_posts, after.idempotency_keys], [2, 1]);
    });

    it('dryRun runs every other check too: unknown account 404, disconnected 409 — as the real request', async () => {
      const t = await h.tenant();
      const tiktok = await h.account(t);
      const cnt = await upload(t, { media: [REEL] });
      const dry = (targets: unknown) =>
        h.atTime(NOW, () => call(t, `/v1/content/${cnt}/schedule`, { scheduledFor: LATER, targets, dryRun: true }));
      const unknown = 'sa_00000000-0000-4000-8000-000000000000';
      assertEnvelope(await dry([{ socialAccountId: unknown, mode: 'publish' }]), 404, 'NOT_FOUND', {
        socialAccountId: unknown,
      });
      const revoked = await h.inject({ method: 'DELETE', url: `/v1/social-accounts/${tiktok}`, headers: t.auth });
      assert.equal(revoked.statusCode, 200, revoked.body);
      assertEnvelope(await dry([{ socialAccountId: tiktok, mode: 'publish' }]), 409, 'CONFLICT', {
        reason: 'account_not_connected',
        socialAccountId: tiktok,
        accountStatus: 'disconnected',
      });
    });

    it('dryRun of content waiting for approval: wouldAnswer 202 (stashed); nothing stashed', async () => {
      const t = await h.tenant();
      const tiktok = await h.account(t);
      const policy = await h.inject({
        method: 'PATCH',
        url: `/v1/projects/${t.projectId}/approval-policy`,
        headers: t.auth,
        payload: { requiresApproval: true },
      });
      assert.equal(policy.statusCode, 200, policy.body);
      const cnt = await upload(t, { media: [REEL] });
      const before = await footprint(t);
      const res = await h.atTime(NOW, () =>
        call(t, `/v1/content/${cnt}/schedule`, {
          scheduledFor: LATER,
          targets: [{ socialAccountId: tiktok, mode: 'publish' }],
          dryRun: true,
        }),
      );
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual([json(res).wouldAnswer, json(res).wouldCreate], [202, 'schedule_intent']);
      assert.deepEqual(await footprint(t), before);
      // A publish-now of it is refused as without dryRun.
      const now = await call(t, `/v1/content/${cnt}/publish`, {
        targets: [{ socialAccountId: tiktok, mode: 'publish' }],
        dryRun: true,
      });
      assertEnvelope(now, 403, 'APPROVAL_REQUIRED', { containerId: cnt, approvalStatus: 'pending' });
    });
  });

  describe('POST /v1/content/:containerId/publish', () => {
    it('422 PLATFORM_RULE_VIOLATION as a schedule; dryRun answers the current second and writes nothing', async () => {
      const t = await h.tenant();
      const insta = await h.account(t, { platform: 'instagram' });
      const cnt = await upload(t, tooBigReel);
      const targets = [{ socialAccountId: insta, mode: 'publish' }];
      const before = await footprint(t);
      const res = await call(t, `/v1/content/${cnt}/publish`, { targets });
      assertEnvelope(res, 422, 'PLATFORM_RULE_VIOLATION', json(res).error?.details);
      const dry = await h.atTime(NOW, () => call(t, `/v1/content/${cnt}/publish`, { targets, dryRun: true }));
      assert.equal(dry.statusCode, 200, dry.body);
      assert.deepEqual(
        [json(dry).dryRun, json(dry).valid, json(dry).wouldAnswer, json(dry).scheduledFor],
        [true, false, 422, '2026-04-18T19:15:02Z'],
      );
      assert.deepEqual(await footprint(t), before);
      const fine = await upload(t, { media: [REEL] });
      const queued = await call(t, `/v1/content/${fine}/publish`, { targets, dryRun: false });
      assert.equal(queued.statusCode, 201, queued.body);
    });
  });
});
