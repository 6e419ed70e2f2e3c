import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertEnvelope } from '../../assertions.js';
import { createContainer } from '../../content-fixtures.js';
import { describeEachDb, json, type Tenant } from '../../harness.js';
import { budgetedAccount as budgetAccount } from '../../quota-fixtures.js';

// Quota-aware scheduling (docs/platform-rules.md, "Publishing quotas"): schedule, publish-now and
// reschedule refuse a post that would push any moving window of its account past the budget.

const NOW = '2026-04-18T19:00:00.000Z';
const HOUR = 3600 * 1000;
const at = (hours: number) => new Date(Date.parse(NOW) + hours * HOUR).toISOString().replace('.000Z', 'Z');

describeEachDb('publishing quotas', (h) => {
  const schedule = (t: Tenant, containerId: string, scheduledFor: string, targets: object[]) =>
    h.inject({
      method: 'POST',
      url: `/v1/content/${containerId}/schedule`,
      headers: t.auth,
      payload: { scheduledFor, targets },
    });
  const publish = (t: Tenant, containerId: string, targets: object[]) =>
    h.inject({ method: 'POST', url: `/v1/content/${containerId}/publish`, headers: t.auth, payload: { targets } });
  const quota = (t: Tenant, id: string) =>
    h.inject({ method: 'GET', url: `/v1/social-accounts/${id}/quota`, headers: t.auth });
  const target = (socialAccountId: string, mode = 'publish') => ({ socialAccountId, mode });

  const budgetedAccount = (
    t: Tenant,
    limit: number,
    o: { platform?: 'tiktok' | 'instagram'; platformUsed?: number; checkedAt?: string } = {},
  ) => budgetAccount(h, t, limit, { ...o, checkedAt: o.checkedAt ?? NOW });
  const postsOf = (accountId: string) =>
    h.db
      .selectFrom('scheduled_posts')
      .select(['id', 'scheduled_for'])
      .where('social_account_id', '=', accountId)
      .orderBy('scheduled_for')
      .execute();
  async function scheduleOk(t: Tenant, cnt: string, when: string, targets: object[]) {
    const res = await h.atTime(NOW, () => schedule(t, cnt, when, targets));
    assert.equal(res.statusCode, 201, res.body);
    return json(res).scheduledPosts as { id: string }[];
  }

  describe('POST /v1/content/:containerId/schedule', () => {
    it('a window filled to the limit refuses the next post with 409 PLATFORM_QUOTA_EXCEEDED and the earliest free slot; that slot is accepted', async () => {
      const t = await h.tenant();
      const sa = await budgetedAccount(t, 3);
      const cnt = await createContainer(h, t);
      for (const hours of [1, 2, 3]) await scheduleOk(t, cnt, at(hours), [target(sa)]);

      const refused = await h.atTime(NOW, () => schedule(t, cnt, at(4), [target(sa)]));
      const err = assertEnvelope(refused, 409, 'PLATFORM_QUOTA_EXCEEDED', {
        socialAccountId: sa,
        windowStart: at(4 - 24),
        windowEnd: at(4),
        limit: 3,
        used: 3,
        earliestFreeSlot: at(25), // the first post (at +1 h) leaves the window ending then
      });
      assert.match(err.message, /3 posts in any 24 h on instagram/);
      assert.equal((await postsOf(sa)).length, 3, 'nothing written');

      // One second earlier still overlaps the first post's window.
      const oneSecondEarlier = new Date(Date.parse(at(25)) - 1000).toISOString();
      const early = await h.atTime(NOW, () => schedule(t, cnt, oneSecondEarlier, [target(sa)]));
      assert.equal(json(early).error?.details?.earliestFreeSlot, at(25), early.body);
      await scheduleOk(t, cnt, at(25), [target(sa)]);
      assert.equal((await postsOf(sa)).length, 4);
    });

    it('a post is refused when a later window containing it would overflow, and offered the first slot where every window fits', async () => {
      const t = await h.tenant();
      const sa = await budgetedAccount(t, 3);
      const cnt = await createContainer(h, t);
      for (const hours of [1, 2, 3, 25]) await scheduleOk(t, cnt, at(hours), [target(sa)]);
      // +0.5 h: the window ending now is empty, but the one ending at +3 h would hold 4.
      const refused = await h.atTime(NOW, () => schedule(t, cnt, at(0.5), [target(sa)]));
      assertEnvelope(refused, 409, 'PLATFORM_QUOTA_EXCEEDED', {
        socialAccountId: sa,
        windowStart: at(3 - 24),
        windowEnd: at(3),
        limit: 3,
        used: 3,
        // +3 h 1 s and +25 h both leave a window of 3; at +26 h the +2 h post has left.
        earliestFreeSlot: at(26),
      });
      await scheduleOk(t, cnt, at(26), [target(sa)]);
    });

    it('a dry run meets the same budget: 409 with the earliest free slot, nothing written', async () => {
      const t = await h.tenant();
      const sa = await budgetedAccount(t, 1);
      const cnt = await createContainer(h, t);
      await scheduleOk(t, cnt, at(1), [target(sa)]);
      const res = await h.atTime(NOW, () =>
        h.inject({
          method: 'POST',
          url: `/v1/content/${cnt}/schedule`,
          headers: t.auth,
          payload: { scheduledFor: at(2), targets: [target(sa)], dryRun: true },
        }),
      );
      assertEnvelope(res, 409, 'PLATFORM_QUOTA_EXCEEDED', {
        socialAccountId: sa,
        windowStart: at(2 - 24),
        windowEnd: at(2),
        limit: 1,
        used: 1,
        earliestFreeSlot: at(25),
      });
      assert.equal((await postsOf(sa)).length, 1, 'nothing written');
      const fits = await h.atTime(NOW, () =>
        h.inject({
          method: 'POST',
          url: `/v1/content/${cnt}/schedule`,
          headers: t.auth,
          payload: { scheduledFor: at(25), targets: [target(sa)], dryRun: true },
        }),
      );
      assert.equal(fits.statusCode, 200, fits.body);
      assert.equal((await postsOf(sa)).length, 1, 'a dry run writes nothing');
    });

    it('all or nothing: one target over its budget writes nothing for the others; other accounts are not counted', async () => {
      const t = await h.tenant();
      const full = await budgetedAccount(t, 1);
      const free = await budgetedAccount(t, 1);
      const cnt = await createContainer(h, t);
      await scheduleOk(t, cnt, at(1), [target(full)]);
      const before = await h.db
        .selectFrom('outbox_events')
        .select('id')
        .where('organization_id', '=', t.organizationId)
        .execute();
      const res = await h.atTime(NOW, () => schedule(t, cnt, at(2), [target(free), target(full)]));
      assertEnvelope(res, 409, 'PLATFORM_QUOTA_EXCEEDED', {
        socialAccountId: full,
        windowStart: at(2 - 24),
        windowEnd: at(2),
        limit: 1,
        used: 1,
        earliestFreeSlot: at(25),
      });
      assert.equal((await postsOf(free)).length, 0);
      const after = await h.db
        .selectFrom('outbox_events')
        .select('id')
        .where('organization_id', '=', t.organizationId)
        .execute();
      assert.equal(after.length, before.length, 'no event written');
      await scheduleOk(t, cnt, at(2), [target(free)]);
    });

    // (Instagram has no drafts through its API: a draft target is refused by its rule pack.)
    it('TikTok drafts (inbox uploads) do not spend the budget; Instagram posts do; canceled and failed posts do not', async () => {
      const t = await h.tenant();
      const tiktok = await budgetedAccount(t, 1, { platform: 'tiktok' });
      const insta = await budgetedAccount(t, 1);
      const cnt = await createContainer(h, t);
      await scheduleOk(t, cnt, at(1), [target(tiktok, 'draft'), target(insta)]);
      await scheduleOk(t, cnt, at(2), [target(tiktok)]);
      const res = await h.atTime(NOW, () => schedule(t, cnt, at(2), [target(insta)]));
      assertEnvelope(res, 409, 'PLATFORM_QUOTA_EXCEEDED', {
        socialAccountId: insta,
        windowStart: at(2 - 24),
        windowEnd: at(2),
        limit: 1,
        used: 1,
        earliestFreeSlot: at(25),
      });
      const other = await budgetedAccount(t, 1, { platform: 'tiktok' });
      await h.atTime(NOW, async () => {
        await h.postsWithStatus(t, other, 'canceled', 2);
        await h.postsWithStatus(t, other, 'failed', 2);
      });
      await scheduleOk(t, cnt, at(1), [target(other)]);
    });

    it('two concurrent schedules for the last slot: exactly one is queued, the other answers 409', async () => {
      const t = await h.tenant();
      const cnt = await createContainer(h, t);
      for (let round = 0; round < 5; round++) {
        const sa = await budgetedAccount(t, 2);
        await scheduleOk(t, cnt, at(1), [target(sa)]);
        const results = await h.atTime(NOW, () =>
          Promise.all([schedule(t, cnt, at(2), [target(sa)]), schedule(t, cnt, at(3), [target(sa)])]),
        );
        const statuses = results.map((r) => r.statusCode).sort();
        assert.deepEqual(statuses, [201, 409], results.map((r) => r.body).join('\n'));
        const refused = results.find((r) => r.statusCode === 409)!;
        assert.equal(json(refused).error.code, 'PLATFORM_QUOTA_EXCEEDED', refused.body);
        assert.equal(json(refused).error.details.used, 2, refused.body);
        assert.equal((await postsOf(sa)).length, 2, `round ${round}: the budget holds`);
      }
    });
  });

  describe('POST /v1/content/:containerId/publish', () => {
    it('posts published in the last 24 h and posts made outside the API count: publish-now is refused until the oldest leaves', async () => {
      const t = await h.tenant();
      const sa = await budgetedAccount(t, 3, { platformUsed: 1, checkedAt: at(-2) });
      await h.atTime(at(-1), () => h.postsWithStatus(t, sa, 'published', 2)); // published an hour ago
      const cnt = await createContainer(h, t);
      const res = await h.atTime(NOW, () => publish(t, cnt, [target(sa)]));
      assertEnvelope(res, 409, 'PLATFORM_QUOTA_EXCEEDED', {
        socialAccountId: sa,
        windowStart: at(-24),
        windowEnd: at(0),
        limit: 3,
        used: 3,
        // The outside post counts from when it was reported (−2 h, the latest it can have been).
        earliestFreeSlot: at(22),
      });
    });
  });

  describe('POST /v1/scheduled-posts/:id/reschedule', () => {
    it('moving a post within its own window is fine; into a full window → 409', async () => {
      const t = await h.tenant();
      const sa = await budgetedAccount(t, 2);
      const cnt = await createContainer(h, t);
      const [a] = await scheduleOk(t, cnt, at(1), [target(sa)]);
      await scheduleOk(t, cnt, at(2), [target(sa)]);
      const [c] = await scheduleOk(t, cnt, at(40), [target(sa)]);
      const move = (id: string, when: string) =>
        h.atTime(NOW, () =>
          h.inject({
            method: 'POST',
            url: `/v1/scheduled-posts/${id}/reschedule`,
            headers: t.auth,
            payload: { scheduledFor: when },
          }),
        );
      const same = await move(a!.id, at(1.5));
      assert.equal(same.statusCode, 200, same.body);
      const res = await move(c!.id, at(10));
      assertEnvelope(res, 409, 'PLATFORM_QUOTA_EXCEEDED', {
        socialAccountId: sa,
        windowStart: at(10 - 24),
        windowEnd: at(10),
        limit: 2,
        used: 2,
        earliestFreeSlot: at(25.5),
      });
      assert.equal((await postsOf(sa)).at(-1)!.scheduled_for.toISOString(), new Date(at(40)).toISOString());
    });
  });

  describe('GET /v1/social-accounts/:socialAccountId/quota', () => {
    it('shows the budget, its source, the window ending now and the week ahead with each window’s next free slot', async () => {
      const t = await h.tenant();
      // The platform counted 2 at −1 h: the post we published at −3 h and one made outside the API.
      const sa = await budgetedAccount(t, 4, { platformUsed: 2, checkedAt: at(-1) });
      await h.atTime(at(-3), () => h.postsWithStatus(t, sa, 'published', 1));
      const cnt = await createContainer(h, t);
      await scheduleOk(t, cnt, at(1), [target(sa)]);
      await scheduleOk(t, cnt, at(2), [target(sa)]);
      const res = await h.atTime(NOW, () => quota(t, sa));
      assert.equal(res.statusCode, 200, res.body);
      const body = json(res);
      assert.deepEqual(body, {
        socialAccountId: sa,
        platform: 'instagram',
        limit: 4,
        windowSeconds: 86_400,
        source: 'platform',
        checkedAt: at(-1),
        current: { windowStart: at(-24), windowEnd: at(0), used: 2, remaining: 2, usedOutsideApi: 1 },
        // Now fits the window ending now (2 of 4), but the window ending at +2 h would hold 5.
        nextFreeSlot: at(21), // the post published at −3 h leaves
        upcoming: [
          { windowStart: at(0), windowEnd: at(24), scheduled: 2, nextFreeSlot: at(21) },
          ...[1, 2, 3, 4, 5, 6].map((d) => ({
            windowStart: at(24 * d),
            windowEnd: at(24 * (d + 1)),
            scheduled: 0,
            nextFreeSlot: at(24 * d),
          })),
        ],
      });
    });

    it('an account without a stored budget shows its platform’s documented default', async () => {
      const t = await h.tenant();
      const sa = await h.account(t, { platform: 'tiktok' });
      const res = await h.atTime(NOW, () => quota(t, sa));
      assert.equal(res.statusCode, 200, res.body);
      const body = json(res);
      assert.deepEqual(
        [body.limit, body.windowSeconds, body.source, body.checkedAt, body.current.used, body.current.remaining],
        [15, 86_400, 'default', null, 0, 15],
      );
      assert.equal(body.nextFreeSlot, at(0));
    });

    it('another organization’s account → 404', async () => {
      const t = await h.tenant();
      const other = await h.tenant();
      const sa = await h.account(other);
      assertEnvelope(await quota(t, sa), 404, 'NOT_FOUND');
    });
  });
});
