import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { FaultHook } from '../../src/context.js';
import { EXPANSION_BATCH, expandPostCancellations } from '../../src/worker/post-cancellations.js';
import { describeEachDb, json, type Tenant } from '../harness.js';

// A bulk cancel (revoke, release, archive) commits its posts and one post_cancellations row; the
// worker writes each post's audit row and post.canceled event afterwards, batch by batch. These
// tests drive the worker's job directly: exactly once, in post id order, with the request's key,
// request id and instant, whatever fails between or inside batches, and with two workers at once.
// (Real kill -9 of a worker process: test/reliability/kill-mid-expansion.test.ts.)

const POSTS = 2 * EXPANSION_BATCH + 500; // three batches: 1,000, 1,000, 500

describeEachDb('post cancellations: the worker expands a bulk cancel', (h) => {
  const expand = (fault?: FaultHook) => expandPostCancellations({ db: h.db, clock: h.clock, fault });

  /** The per-post rows of `t`'s organization, in the order they were written. */
  async function written(t: Tenant) {
    const audit = await h.db
      .selectFrom('audit_log')
      .select(['event_type', 'data', 'request_id', 'api_key_id', 'project_id', 'created_at'])
      .where('organization_id', '=', t.organizationId)
      .where('event_type', '=', 'scheduled_post.canceled')
      .orderBy('id')
      .execute();
    const events = await h.db
      .selectFrom('outbox_events')
      .select(['data', 'created_at'])
      .where('organization_id', '=', t.organizationId)
      .where('type', '=', 'post.canceled')
      .orderBy('seq')
      .execute();
    return {
      audit,
      events,
      auditPosts: audit.map((a) => (a.data as { scheduledPostId: string }).scheduledPostId),
      eventPosts: events.map((e) => (e.data as { id: string }).id),
    };
  }

  async function bulkCancel(t: Tenant) {
    return h.db
      .selectFrom('post_cancellations')
      .select(['posts', 'expanded', 'last_post_id', 'expanded_at'])
      .where('organization_id', '=', t.organizationId)
      .execute();
  }

  async function revoked(posts: number) {
    const t = await h.tenant();
    const account = await h.account(t);
    const ids = (await h.queuedPosts(account, posts)).sort();
    const res = await h.atTime('2026-04-18T19:15:02.345Z', () =>
      h.inject({ method: 'DELETE', url: `/v1/social-accounts/${account}`, headers: t.auth }),
    );
    assert.equal(json(res).canceledScheduledPosts, posts, res.body.slice(0, 300));
    return { t, account, ids, requestId: String(res.headers['x-request-id']) };
  }

  it('a multi-batch revoke: exactly once and in order, though a batch fails inside and the worker stops between', async () => {
    await h.expandCancellations(); // nothing of earlier tests left pending
    const { t, account, ids, requestId } = await revoked(POSTS);
    assert.deepEqual(await written(t).then((w) => w.audit.length), 0, 'nothing per post inside the request');
    assert.deepEqual(await bulkCancel(t), [{ posts: POSTS, expanded: 0, last_post_id: null, expanded_at: null }]);

    // The first batch commits; the worker "dies" before the second.
    let batches = 0;
    await assert.rejects(
      expand((point) => {
        if (point === 'post-cancellations:before-batch' && batches++ === 1) throw new Error('worker gone');
      }),
      /worker gone/,
    );
    let w = await written(t);
    assert.deepEqual(w.auditPosts, ids.slice(0, EXPANSION_BATCH));
    assert.deepEqual(w.eventPosts, ids.slice(0, EXPANSION_BATCH));
    assert.deepEqual(await bulkCancel(t), [
      { posts: POSTS, expanded: EXPANSION_BATCH, last_post_id: ids[EXPANSION_BATCH - 1], expanded_at: null },
    ]);

    // The second batch fails after writing its rows: none of them stays, nor does the cursor move.
    await assert.rejects(
      expand((point) => {
        if (point === 'post-cancellations:in-batch') throw new Error('died mid-batch');
      }),
      /died mid-batch/,
    );
    w = await written(t);
    assert.equal(w.audit.length, EXPANSION_BATCH);
    assert.equal(w.events.length, EXPANSION_BATCH);

    // The next pass finishes it; one more writes nothing.
    assert.deepEqual(await expand(), { batches: 2, posts: POSTS - EXPANSION_BATCH });
    assert.deepEqual(await expand(), { batches: 0, posts: 0 });
    w = await written(t);
    assert.deepEqual(w.auditPosts, ids, 'one audit row per post, in post id order');
    assert.deepEqual(w.eventPosts, ids, 'one post.canceled per post, in post id order');
    const [done] = await bulkCancel(t);
    assert.deepEqual(
      { ...done, expanded_at: undefined },
      {
        posts: POSTS,
        expanded: POSTS,
        last_post_id: ids.at(-1),
        expanded_at: undefined,
      },
    );
    assert.ok(done!.expanded_at instanceof Date);

    // The same rows as the request used to write: its key, request id, instant and payloads.
    for (const [i, a] of w.audit.entries()) {
      assert.deepEqual(
        { ...a, created_at: a.created_at.toISOString() },
        {
          event_type: 'scheduled_post.canceled',
          data: { scheduledPostId: ids[i], socialAccountId: account, reason: 'revoked_by_partner', note: null },
          request_id: requestId,
          api_key_id: t.apiKeyId,
          project_id: t.projectId,
          created_at: '2026-04-18T19:15:02.345Z',
        },
      );
    }
    for (const [i, e] of w.events.entries()) {
      assert.deepEqual(
        { ...e, created_at: e.created_at.toISOString() },
        {
          data: {
            id: ids[i],
            projectId: t.projectId,
            socialAccountId: account,
            status: 'canceled',
            cancelReason: 'revoked_by_partner',
            canceledAt: '2026-04-18T19:15:02Z',
            note: null,
          },
          created_at: '2026-04-18T19:15:02.345Z',
        },
      );
    }
  });

  it('two workers at once on two multi-batch revokes: each post once, each revoke in order', async () => {
    const [a, b] = [await revoked(POSTS), await revoked(POSTS)];
    // Three workers: each takes the oldest bulk cancel no other holds, until none is left.
    const runs = await Promise.all([0, 1, 2].map(() => expand()));
    assert.equal(
      runs.reduce((n, r) => n + r.posts, 0),
      2 * POSTS,
      JSON.stringify(runs),
    );
    assert.equal(await h.expandCancellations(), 0, 'nothing left, nothing written twice');
    for (const r of [a, b]) {
      const w = await written(r.t);
      assert.deepEqual(w.auditPosts, r.ids);
      assert.deepEqual(w.eventPosts, r.ids);
    }
  });

  it('release and archive are expanded alike, with their reason, key and request id', async () => {
    const t = await h.tenant();
    const leased = await h.account(t, { leased: true });
    const leasedPosts = (await h.queuedPosts(leased, 3)).sort();
    const release = await h.inject({ method: 'DELETE', url: `/v1/leased-accounts/${leased}`, headers: t.auth });
    assert.equal(json(release).canceledScheduledPosts, 3, release.body);
    const [one, two] = [await h.account(t), await h.account(t)];
    const archived = [...(await h.queuedPosts(one, 2)), ...(await h.queuedPosts(two, 2))].sort();
    const archive = await h.inject({ method: 'DELETE', url: `/v1/projects/${t.projectId}`, headers: t.auth });
    assert.equal(json(archive).canceledScheduledPosts, 4, archive.body);
    await h.expandCancellations();

    const w = await written(t);
    assert.deepEqual(w.auditPosts, [...leasedPosts, ...archived]);
    assert.deepEqual(w.eventPosts, [...leasedPosts, ...archived]);
    const reasons = w.audit.map((a) => [(a.data as { reason: string }).reason, a.request_id]);
    assert.deepEqual(reasons, [
      ...leasedPosts.map(() => ['released_by_partner', release.headers['x-request-id']]),
      ...archived.map(() => ['project_archived', archive.headers['x-request-id']]),
    ]);
    assert.deepEqual(
      w.events.map((e) => (e.data as { cancelReason: string }).cancelReason),
      [...leasedPosts.map(() => 'released_by_partner'), ...archived.map(() => 'project_archived')],
    );
  });

  it('a cancel of nothing records nothing for the worker', async () => {
    const t = await h.tenant();
    const account = await h.account(t);
    const res = await h.inject({ method: 'DELETE', url: `/v1/social-accounts/${account}`, headers: t.auth });
    assert.equal(json(res).canceledScheduledPosts, 0, res.body);
    assert.deepEqual(await bulkCancel(t), []);
  });
});
