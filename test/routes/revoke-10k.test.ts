import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachDb, json } from '../harness.js';

// The seed's callout: every queued post is canceled in one transaction, however many there are.
// 10,000 rows also prove nothing binds one parameter per row (PostgreSQL stops at 65,535).
const POSTS = 10_000;

describeEachDb('DELETE /v1/social-accounts/:id with 10,000 queued posts', (h) => {
  it('cancels all 10,000 in one request, with an audit row and an outbox event each', async () => {
    const t = await h.tenant();
    const id = await h.account(t);
    const queued = await h.queuedPosts(id, POSTS);
    assert.equal(queued.length, POSTS, 'the fixture created every post');
    assert.deepEqual(await h.postStatuses(id), { queued: POSTS });

    const res = await h.inject({ method: 'DELETE', url: `/v1/social-accounts/${id}`, headers: t.auth });
    assert.equal(res.statusCode, 200, res.body.slice(0, 500));
    const body = json(res);
    assert.equal(body.canceledScheduledPosts, POSTS, res.body.slice(0, 500));
    assert.equal(body.status, 'disconnected');
    assert.equal(body.socialAccountId, id);

    assert.deepEqual(await h.postStatuses(id), { canceled: POSTS });
    const reasons = await h.db
      .selectFrom('scheduled_posts')
      .select(['cancel_reason', (eb) => eb.fn.countAll<number>().as('n')])
      .where('social_account_id', '=', id)
      .groupBy('cancel_reason')
      .execute();
    assert.deepEqual(
      reasons.map((r) => [r.cancel_reason, Number(r.n)]),
      [['revoked_by_partner', POSTS]],
    );

    const requestId = String(res.headers['x-request-id']);
    const audit = await h.db
      .selectFrom('audit_log')
      .select([
        'event_type',
        (eb) => eb.fn.countAll<number>().as('n'),
        (eb) => eb.fn.count<number>('request_id').distinct().as('requests'),
      ])
      .where('organization_id', '=', t.organizationId)
      .where('request_id', '=', requestId)
      .groupBy('event_type')
      .orderBy('event_type')
      .execute();
    assert.deepEqual(
      audit.map((a) => [a.event_type, Number(a.n)]),
      [
        ['scheduled_post.canceled', POSTS],
        ['social_account.revoked', 1],
      ],
      JSON.stringify(audit).slice(0, 500),
    );

    // Each post is named exactly once in the audit trail and in the outbox.
    const auditedPosts = await h.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.count<number>(h.sql`data->>'scheduledPostId'`).distinct().as('n'))
      .where('organization_id', '=', t.organizationId)
      .where('event_type', '=', 'scheduled_post.canceled')
      .executeTakeFirstOrThrow();
    assert.equal(Number(auditedPosts.n), POSTS);
    const events = await h.db
      .selectFrom('outbox_events')
      .select([
        'type',
        (eb) => eb.fn.countAll<number>().as('n'),
        (eb) => eb.fn.count<number>(h.sql`data->>'id'`).distinct().as('posts'),
      ])
      .where('organization_id', '=', t.organizationId)
      .groupBy('type')
      .orderBy('type')
      .execute();
    assert.deepEqual(
      events.map((e) => [e.type, Number(e.n)]),
      [
        ['post.canceled', POSTS],
        ['social_account.revoked', 1],
      ],
      JSON.stringify(events).slice(0, 500),
    );
    assert.equal(Number(events.find((e) => e.type === 'post.canceled')!.posts), POSTS, 'one event per distinct post');

    const again = await h.inject({ method: 'GET', url: `/v1/social-accounts/${id}`, headers: t.auth });
    assert.equal(json(again).queuedScheduledPosts, 0, again.body.slice(0, 500));
  });
});
