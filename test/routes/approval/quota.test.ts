import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachDb, json, type Tenant } from '../../harness.js';
import { budgetedAccount } from '../../quota-fixtures.js';
import { approvalApi } from './support.js';

// An approval promotes its stashed schedules as schedules made at that moment: a target its
// account's publishing budget has no room for fails (platform_quota_exceeded, with the earliest
// free slot), the others are queued (docs/content-and-publishing.md, docs/platform-rules.md).

const NOW = '2026-04-18T19:00:00.000Z';
const at = (hours: number) => new Date(Date.parse(NOW) + hours * 3_600_000).toISOString().replace('.000Z', 'Z');

describeEachDb('approval promotion and publishing quotas', (h) => {
  const api = approvalApi(h);
  const queuedAt = async (accountId: string) =>
    (
      await h.db
        .selectFrom('scheduled_posts')
        .select('scheduled_for')
        .where('social_account_id', '=', accountId)
        .where('status', '=', 'queued')
        .orderBy('scheduled_for')
        .execute()
    ).map((p) => p.scheduled_for.toISOString().replace('.000Z', 'Z'));
  // An approval promotes intents oldest first (created_at, then id): stashes made at one frozen
  // instant would be promoted in the random order of their ids, so `stashedAt` sets each one's.
  const stash = async (t: Tenant, containerId: string, accounts: string[], when: string, stashedAt = NOW) => {
    const res = await h.atTime(stashedAt, () => api.schedule(t, containerId, accounts, when));
    assert.equal(res.statusCode, 202, res.body);
    return json(res).scheduleIntentId as string;
  };

  it('a target whose budget is full fails with the earliest free slot; the other target is queued', async () => {
    const t = await h.tenant();
    const full = await budgetedAccount(h, t, 2, { checkedAt: NOW });
    const roomy = await budgetedAccount(h, t, 10, { checkedAt: NOW });
    const earlier = await api.upload(t); // uploaded before the policy: needs no approval
    for (const hours of [1, 2]) {
      const res = await h.atTime(NOW, () => api.schedule(t, earlier.id, [full], at(hours)));
      assert.equal(res.statusCode, 201, res.body);
    }
    await api.requireApproval(t);
    const c = await api.upload(t);
    const intent = await stash(t, c.id, [full, roomy], at(3));

    const res = await h.atTime(NOW, () => api.approve(t, c.id));
    assert.equal(res.statusCode, 200, res.body);
    const promotion = json(res).pendingSchedulePromotion;
    assert.equal(promotion.scheduleIntents, 1);
    assert.deepEqual(
      promotion.scheduledPosts.map((p: { socialAccountId: string; scheduledFor: string }) => [
        p.socialAccountId,
        p.scheduledFor,
      ]),
      [[roomy, at(3)]],
    );
    assert.deepEqual(promotion.failedTargets, [
      {
        scheduleIntentId: intent,
        socialAccountId: full,
        reason: 'platform_quota_exceeded',
        earliestFreeSlot: at(25), // the post at +1 h leaves the window ending then
      },
    ]);
    assert.deepEqual(await queuedAt(full), [at(1), at(2)], 'nothing queued past the budget');
    assert.deepEqual(await queuedAt(roomy), [at(3)]);
    assert.deepEqual(await api.intentStatuses(c.id), ['promoted']);
  });

  it('intents promoted together count each other: the second of two on a budget of one fails', async () => {
    const t = await h.tenant();
    const sa = await budgetedAccount(h, t, 1, { checkedAt: NOW });
    await api.requireApproval(t);
    const c = await api.upload(t);
    const first = await stash(t, c.id, [sa], at(1));
    const second = await stash(t, c.id, [sa], at(2), '2026-04-18T19:00:01.000Z');

    const res = await h.atTime('2026-04-18T19:00:02.000Z', () => api.approve(t, c.id));
    assert.equal(res.statusCode, 200, res.body);
    const promotion = json(res).pendingSchedulePromotion;
    assert.deepEqual(
      promotion.scheduledPosts.map((p: { scheduleIntentId: string }) => p.scheduleIntentId),
      [first],
    );
    assert.deepEqual(promotion.failedTargets, [
      { scheduleIntentId: second, socialAccountId: sa, reason: 'platform_quota_exceeded', earliestFreeSlot: at(25) },
    ]);
    assert.deepEqual(await queuedAt(sa), [at(1)]);
  });

  it('a budget with room promotes every target, and the answer carries no quota fields', async () => {
    const t = await h.tenant();
    const sa = await budgetedAccount(h, t, 2, { checkedAt: NOW });
    await api.requireApproval(t);
    const c = await api.upload(t);
    await stash(t, c.id, [sa], at(1));
    await stash(t, c.id, [sa], at(2));
    const res = await h.atTime(NOW, () => api.approve(t, c.id));
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(json(res).pendingSchedulePromotion.failedTargets, []);
    assert.deepEqual(await queuedAt(sa), [at(1), at(2)]);
  });
});
