import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { MAX_INSTANT, MIN_INSTANT, toWire } from '../../src/clock.js';
import { assertValidation } from '../assertions.js';
import { createContainer } from '../content-fixtures.js';
import { describeEachDb, json, type Tenant } from '../harness.js';

// One validation for every timestamp the API takes (src/http/schemas.ts timestampInput): RFC 3339,
// and in years 0001–9999 once converted to UTC. Outside it, PostgreSQL refused the value (500) or,
// worse, stored year 10000, which printed as "+010000-…" and made a nextCursor the API refused.

/** Out of range only once converted to UTC, or written with an expanded year. */
const OUT_OF_RANGE = ['9999-12-31T23:59:59-00:01', '0001-01-01T00:00:00+14:00', '+010000-01-01T00:00:00Z'];
const MAX = '9999-12-31T23:59:59Z';
const MIN = '0001-01-01T00:00:00Z';

describe('toWire: RFC 3339 or an internal error, never an expanded year', () => {
  it('prints the bounds in whole seconds and refuses anything outside them', () => {
    assert.equal(toWire(MIN_INSTANT), MIN);
    assert.equal(toWire(MAX_INSTANT), MAX);
    for (const bad of [
      new Date('+010000-01-01T00:00:00Z'),
      new Date('0000-12-31T23:59:59.999Z'),
      new Date(Number.NaN),
    ]) {
      assert.throws(() => toWire(bad), /outside 0001–9999/, String(bad.getTime()));
    }
  });
});

describeEachDb('timestamps: one range for every input, RFC 3339 on every output', (h) => {
  const schedule = (t: Tenant, containerId: string, accountId: string, scheduledFor: string) =>
    h.inject({
      method: 'POST',
      url: `/v1/content/${containerId}/schedule`,
      headers: t.auth,
      payload: { scheduledFor, targets: [{ socialAccountId: accountId, mode: 'publish' }] },
    });
  const reschedule = (t: Tenant, id: string, scheduledFor: string) =>
    h.inject({
      method: 'POST',
      url: `/v1/scheduled-posts/${id}/reschedule`,
      headers: t.auth,
      payload: { scheduledFor },
    });
  const posts = (t: Tenant, query: string) =>
    h.inject({ method: 'GET', url: `/v1/projects/${t.projectId}/scheduled-posts?${query}`, headers: t.auth });
  const audit = (t: Tenant, query: string) =>
    h.inject({ method: 'GET', url: `/v1/audit-log?${query}`, headers: t.auth });

  it('both drivers store and read back the bounds exactly', async () => {
    for (const d of [MIN_INSTANT, MAX_INSTANT]) {
      const { rows } = await sql<{ t: Date }>`SELECT ${d}::timestamptz AS t`.execute(h.db);
      assert.equal(rows[0]!.t.toISOString(), d.toISOString());
    }
  });

  it('schedule and reschedule: out of range once in UTC, or an expanded year → 422 at scheduledFor, nothing written', async () => {
    const t = await h.tenant();
    const sa = await h.account(t);
    const [queued] = await h.queuedPosts(sa, 1);
    const cnt = await createContainer(h, t);
    for (const value of OUT_OF_RANGE) {
      assertValidation(await schedule(t, cnt, sa, value), 422, 'scheduledFor');
      assertValidation(await reschedule(t, queued!, value), 422, 'scheduledFor');
    }
    assert.deepEqual(await h.postStatuses(sa), { queued: 1 });
    const post = json(await h.inject({ method: 'GET', url: `/v1/scheduled-posts/${queued}`, headers: t.auth }));
    assert.ok(post.scheduledFor < '9999', post.scheduledFor);
  });

  it('since and until on every list that takes them: out of range → 422 at the parameter', async () => {
    const t = await h.tenant();
    for (const value of OUT_OF_RANGE) {
      for (const param of ['since', 'until']) {
        const q = `${param}=${encodeURIComponent(value)}`;
        assertValidation(await posts(t, q), 422, param);
        assertValidation(await audit(t, q), 422, param);
      }
    }
  });

  it('the bounds, in UTC or with an offset, are accepted by since and until', async () => {
    const t = await h.tenant();
    const sa = await h.account(t);
    await h.queuedPosts(sa, 2);
    // 0001-01-01T01:00:00+01:00 is the minimum itself; 9999-12-31T22:59:59-01:00 the maximum.
    for (const [since, until] of [
      [MIN, MAX],
      ['0001-01-01T01:00:00+01:00', '9999-12-31T22:59:59-01:00'],
      ['0001-01-01T00:00:00.000-00:00', '9999-12-31T23:59:59.999Z'],
    ]) {
      const q = `since=${encodeURIComponent(since!)}&until=${encodeURIComponent(until!)}`;
      const page = await posts(t, q);
      assert.equal(page.statusCode, 200, `${q}: ${page.body}`);
      assert.equal(json(page).items.length, 2, q);
      const log = await audit(t, q);
      assert.equal(log.statusCode, 200, `${q}: ${log.body}`);
    }
  });

  it('schedule at the maximum: stored and printed back as sent (a fraction is dropped, as for any time)', async () => {
    const t = await h.tenant();
    const sa = await h.account(t);
    for (const [sent, printed] of [
      [MAX, MAX],
      ['9999-12-31T23:59:59.999Z', MAX],
      ['9999-12-31T23:59:59+00:00', MAX],
      ['9999-12-31T23:59:59+14:00', '9999-12-31T09:59:59Z'],
    ]) {
      const res = await schedule(t, await createContainer(h, t), sa, sent!);
      assert.equal(res.statusCode, 201, `${sent}: ${res.body}`);
      const [created] = json(res).scheduledPosts;
      assert.equal(created.scheduledFor, printed, sent);
      const got = json(await h.inject({ method: 'GET', url: `/v1/scheduled-posts/${created.id}`, headers: t.auth }));
      assert.equal(got.scheduledFor, printed, sent);
    }
  });

  it('a reschedule to the maximum round-trips, and the list’s nextCursor after it is accepted by the same list', async () => {
    const t = await h.tenant();
    const sa = await h.account(t);
    const [moved, other] = await h.queuedPosts(sa, 2);
    const res = await reschedule(t, moved!, '9999-12-31T22:59:59-01:00');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(json(res).scheduledFor, MAX);
    assert.equal(
      json(await h.inject({ method: 'GET', url: `/v1/scheduled-posts/${moved}`, headers: t.auth })).scheduledFor,
      MAX,
    );

    const first = json(await posts(t, 'limit=1'));
    assert.deepEqual(
      first.items.map((p: { id: string; scheduledFor: string }) => [p.id, p.scheduledFor]),
      [[moved, MAX]],
    );
    assert.equal(typeof first.nextCursor, 'string');
    const second = await posts(t, `limit=1&cursor=${encodeURIComponent(first.nextCursor)}`);
    assert.equal(second.statusCode, 200, second.body);
    assert.deepEqual(
      json(second).items.map((p: { id: string }) => p.id),
      [other],
    );
    assert.equal(json(second).nextCursor, null);
  });
});
