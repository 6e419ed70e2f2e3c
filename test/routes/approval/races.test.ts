import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertEnvelope } from '../../assertions.js';
import { describeEachDb, json } from '../../harness.js';
import { approvalApi, inAnHour } from './support.js';

// Approve vs revoke vs schedule: an approval locks the stashed targets' accounts in id order, as a
// revoke locks its account, and holds the content row FOR UPDATE against a schedule's FOR SHARE.
// Whatever the order, no post is ever queued for an account that is not connected, and no
// schedule request is left stashed on decided content.

describeEachDb('approval races', (h) => {
  const api = approvalApi(h);
  const later = <T>(ms: number, fn: () => Promise<T>) =>
    ms === 0 ? fn() : new Promise<void>((r) => setTimeout(r, ms)).then(fn);

  /** Holds the first request's transaction open at `point` while `second` runs; `second` must wait for it. */
  async function whileHeldAt<A, B>(point: string, first: () => Promise<A>, second: () => Promise<B>) {
    let release!: () => void;
    let reached!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const inside = new Promise<void>((r) => (reached = r));
    h.setFault(async (p) => {
      if (p === point) {
        reached();
        await gate;
      }
    });
    const a = first();
    await inside;
    h.setFault(undefined);
    let settled = false;
    const b = second().then((res) => {
      settled = true;
      return res;
    });
    await new Promise((r) => setTimeout(r, 250));
    const waited = !settled;
    release();
    return { a: await a, b: await b, waited };
  }

  async function pendingWithStash(accounts = 1) {
    const t = await h.tenant();
    const ids = [];
    for (let i = 0; i < accounts; i++) ids.push(await h.account(t));
    await api.requireApproval(t);
    const c = await api.upload(t);
    const stash = await api.schedule(t, c.id, ids, inAnHour());
    assert.equal(stash.statusCode, 202, stash.body);
    return { t, ids, c, stash: json(stash) };
  }

  describe('approve vs revoke', () => {
    it('fenced: a revoke arriving while an approval holds the account lock waits, then cancels the promoted post', async () => {
      const { t, ids, c } = await pendingWithStash();
      const { a, b, waited } = await whileHeldAt(
        'approve:after-account-lock',
        () => api.approve(t, c.id),
        () => api.revoke(t, ids[0]!),
      );
      assert.ok(waited, 'the revoke waited for the approval to commit');
      assert.equal(json(a).pendingSchedulePromotion.scheduledPosts.length, 1, a.body);
      assert.equal(json(b).canceledScheduledPosts, 1, b.body);
      assert.deepEqual(await h.postStatuses(ids[0]!), { canceled: 1 });
    });

    it('fenced: an approval arriving while a revoke holds the account lock waits, then fails that target', async () => {
      const { t, ids, c, stash } = await pendingWithStash();
      const { a, b, waited } = await whileHeldAt(
        'revoke:before-commit',
        () => api.revoke(t, ids[0]!),
        () => api.approve(t, c.id),
      );
      assert.ok(waited, 'the approval waited for the revoke to commit');
      assert.equal(a.statusCode, 200, a.body);
      assert.deepEqual(json(b).pendingSchedulePromotion, {
        scheduleIntents: 1,
        scheduledPosts: [],
        failedTargets: [
          {
            scheduleIntentId: stash.scheduleIntentId,
            socialAccountId: ids[0],
            reason: 'account_not_connected',
            accountStatus: 'disconnected',
          },
        ],
      });
      assert.deepEqual(await h.postStatuses(ids[0]!), {});
    });

    it('approve ∥ revoke of one of three targets, 60 times: never a queued post on a disconnected account', async (tc) => {
      const tally = { approvedFirst: 0, revokedFirst: 0 };
      for (let i = 0; i < 60; i++) {
        const { t, ids, c } = await pendingWithStash(3);
        const victim = ids[i % 3]!;
        // A third start together, a third with the approval late, a third with the revoke late (an
        // approval does more before it reaches the account locks), so both orders really happen.
        const lag = [0, 1 + (i % 6), 0][i % 3]!;
        const lead = [0, 0, 4 + 3 * (i % 10)][i % 3]!;
        const [ap, rv] = await Promise.all([
          later(lag, () => api.approve(t, c.id)),
          later(lead, () => api.revoke(t, victim)),
        ]);
        assert.equal(ap.statusCode, 200, ap.body);
        assert.equal(rv.statusCode, 200, rv.body);
        const promo = json(ap).pendingSchedulePromotion;
        const canceled = json(rv).canceledScheduledPosts;
        if (promo.failedTargets.length === 0) {
          tally.approvedFirst++;
          assert.equal(promo.scheduledPosts.length, 3, `iteration ${i}`);
          assert.equal(canceled, 1, `iteration ${i}: the revoke cancels the promoted post`);
          assert.deepEqual(await h.postStatuses(victim), { canceled: 1 });
        } else {
          tally.revokedFirst++;
          assert.deepEqual(
            promo.failedTargets.map((f: { socialAccountId: string; reason: string }) => [f.socialAccountId, f.reason]),
            [[victim, 'account_not_connected']],
            `iteration ${i}`,
          );
          assert.equal(promo.scheduledPosts.length, 2, `iteration ${i}`);
          assert.equal(canceled, 0, `iteration ${i}`);
          assert.deepEqual(await h.postStatuses(victim), {});
        }
        assert.deepEqual(await api.strandedPosts(t.organizationId), [], `iteration ${i}`);
        for (const other of ids.filter((id) => id !== victim))
          assert.deepEqual(await h.postStatuses(other), { queued: 1 });
      }
      assert.equal(tally.approvedFirst + tally.revokedFirst, 60, JSON.stringify(tally));
      tc.diagnostic(`orders seen: ${JSON.stringify(tally)}`);
    });
  });

  describe('approve vs schedule', () => {
    it('fenced: a schedule arriving while an approval holds the content waits, then queues at once (201)', async () => {
      const { t, ids, c } = await pendingWithStash();
      const { a, b, waited } = await whileHeldAt(
        'approve:before-commit',
        () => api.approve(t, c.id),
        () => api.schedule(t, c.id, ids, inAnHour()),
      );
      assert.ok(waited, 'the schedule waited for the approval to commit');
      assert.equal(a.statusCode, 200, a.body);
      assert.equal(b.statusCode, 201, b.body);
      assert.deepEqual(await h.postStatuses(ids[0]!), { queued: 2 });
      assert.deepEqual(await api.intentStatuses(c.id), ['promoted']);
    });

    it('fenced: an approval arriving while a schedule is being stashed waits, then promotes it too', async () => {
      const { t, ids, c } = await pendingWithStash();
      const { a, b, waited } = await whileHeldAt(
        'schedule:after-stash',
        () => api.schedule(t, c.id, ids, inAnHour()),
        () => api.approve(t, c.id),
      );
      assert.ok(waited, 'the approval waited for the stash to commit');
      assert.equal(a.statusCode, 202, a.body);
      assert.equal(json(b).pendingSchedulePromotion.scheduledPosts.length, 2, b.body);
      assert.deepEqual(await api.intentStatuses(c.id), ['promoted', 'promoted']);
    });
  });

  describe('flows', () => {
    it('approve ∥ revoke ∥ schedule, 40 times: nothing queued for a disconnected account, nothing left stashed', async (tc) => {
      const outcomes: Record<number, number> = {};
      for (let i = 0; i < 40; i++) {
        const { t, ids, c } = await pendingWithStash(2);
        const [victim, keeper] = [ids[i % 2]!, ids[(i + 1) % 2]!];
        const [ap, rv, sc] = await Promise.all([
          // Start offsets cycling through different combinations, so each of the three can go first.
          later([0, 0, 15][i % 3]!, () => api.approve(t, c.id)),
          later([0, 20, 0, 35][i % 4]!, () => api.revoke(t, victim)),
          later([25, 0, 10, 0, 40][i % 5]!, () => api.schedule(t, c.id, ids, inAnHour())),
        ]);
        assert.equal(ap.statusCode, 200, ap.body);
        assert.equal(rv.statusCode, 200, rv.body);
        if (sc.statusCode === 409) {
          // The revoke came first: the schedule (stash or not) refuses the whole request.
          assertEnvelope(sc, 409, 'CONFLICT', {
            reason: 'account_not_connected',
            socialAccountId: victim,
            accountStatus: 'disconnected',
          });
        } else assert.ok([201, 202].includes(sc.statusCode), sc.body);
        assert.deepEqual(await api.strandedPosts(t.organizationId), [], `iteration ${i}`);
        assert.ok(!(await api.intentStatuses(c.id)).includes('pending'), `iteration ${i}: an intent left stashed`);
        const keeperPosts = (await h.postStatuses(keeper)).queued;
        assert.equal(
          keeperPosts,
          sc.statusCode === 409 ? 1 : 2,
          `iteration ${i}: the connected account got every post`,
        );
        outcomes[sc.statusCode] = (outcomes[sc.statusCode] ?? 0) + 1;
      }
      tc.diagnostic(`schedule answers: ${JSON.stringify(outcomes)}`);
    });
  });
});
