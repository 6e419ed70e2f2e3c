import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listCharges } from '../../src/db/queries/leases.js';
import { runLeaseRenewals } from '../../src/worker/lease-renewals.js';
import { assertEnvelope, assertValidation } from '../assertions.js';
import { ADMIN_TOKEN, describeEachDb, type Harness, json, type Tenant } from '../harness.js';

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const DAY = 24 * 3600_000;

async function leaseOne(h: Harness, t: Tenant) {
  const pool = json(
    await h.inject({
      method: 'POST',
      url: '/admin/v1/lease-pool',
      headers: admin,
      payload: { platform: 'tiktok', handle: 'warm.one', followers: 5400 },
    }),
  );
  const req = json(
    await h.inject({
      method: 'POST',
      url: `/v1/projects/${t.projectId}/leased-accounts/request`,
      headers: t.auth,
      payload: { count: 1, niche: { vertical: 'fitness' } },
    }),
  );
  const done = json(
    await h.inject({
      method: 'POST',
      url: `/admin/v1/lease-requests/${req.requestId}/fulfil`,
      headers: admin,
      payload: { poolAccountIds: [pool.poolAccountId] },
    }),
  );
  return { poolAccountId: pool.poolAccountId as string, socialAccountId: done.assignedSocialAccountIds[0] as string };
}

async function chargesOf(h: Harness, socialAccountId: string) {
  const lease = await h.db
    .selectFrom('leases')
    .select('id')
    .where('social_account_id', '=', socialAccountId)
    .executeTakeFirstOrThrow();
  return (await listCharges(h.db, lease.id)).map((c) => ({
    amount: c.amount_cents,
    from: c.period_start.toISOString(),
    to: c.period_end.toISOString(),
  }));
}

describeEachDb('leased accounts', (h) => {
  const renew = () => runLeaseRenewals({ db: h.db, clock: h.clock });

  describe('flows', () => {
    it('request → partial → assigned → list → renew monthly → release: the ledger holds exactly the expected charges', async () => {
      const t = await h.tenant();
      const start = new Date('2026-01-31T12:00:00Z');
      await h.atTime(start, async () => {
        for (const handle of ['warm.a', 'warm.b', 'warm.c']) {
          const res = await h.inject({
            method: 'POST',
            url: '/admin/v1/lease-pool',
            headers: admin,
            payload: { platform: 'instagram', handle, followers: 9000 },
          });
          assert.equal(res.statusCode, 201, res.body);
        }
        const created = await h.inject({
          method: 'POST',
          url: `/v1/projects/${t.projectId}/leased-accounts/request`,
          headers: t.auth,
          payload: { count: 2, niche: { vertical: 'fitness', language: 'en' }, note: 'gym brand' },
        });
        assert.equal(created.statusCode, 201, created.body);
        const req = json(created);
        assert.match(req.requestId, /^lreq_[0-9a-f-]{36}$/);
        assert.deepEqual(
          { ...req, requestId: undefined },
          {
            requestId: undefined,
            projectId: t.projectId,
            status: 'requested',
            count: 2,
            niche: { vertical: 'fitness', language: 'en' },
            note: 'gym brand',
            assignedSocialAccountIds: [],
            rejectedReason: null,
            createdAt: '2026-01-31T12:00:00Z',
            updatedAt: '2026-01-31T12:00:00Z',
          },
        );
        const partial = json(
          await h.inject({
            method: 'POST',
            url: `/admin/v1/lease-requests/${req.requestId}/fulfil`,
            headers: admin,
            payload: { count: 1 },
          }),
        );
        assert.equal(partial.status, 'partial');
        assert.equal(partial.assignedSocialAccountIds.length, 1);
        const full = json(
          await h.inject({
            method: 'POST',
            url: `/admin/v1/lease-requests/${req.requestId}/fulfil`,
            headers: admin,
            payload: {},
          }),
        );
        assert.equal(full.status, 'assigned');
        assert.equal(full.assignedSocialAccountIds.length, 2);
        assertEnvelope(
          await h.inject({
            method: 'POST',
            url: `/admin/v1/lease-requests/${req.requestId}/fulfil`,
            headers: admin,
            payload: {},
          }),
          409,
          'CONFLICT',
          { reason: 'request_assigned' },
        );
        const got = json(
          await h.inject({
            method: 'GET',
            url: `/v1/projects/${t.projectId}/leased-accounts/requests/${req.requestId}`,
            headers: t.auth,
          }),
        );
        assert.deepEqual(got.assignedSocialAccountIds, full.assignedSocialAccountIds);
        const events = await h.db
          .selectFrom('outbox_events')
          .select('type')
          .where('organization_id', '=', t.organizationId)
          .where('type', '=', 'lease_request.assigned')
          .execute();
        assert.equal(events.length, 2);

        const [a, b] = full.assignedSocialAccountIds as string[];
        const list = json(
          await h.inject({ method: 'GET', url: `/v1/projects/${t.projectId}/leased-accounts`, headers: t.auth }),
        );
        assert.equal(list.items.length, 2);
        assert.deepEqual(
          list.items.find((i: { socialAccountId: string }) => i.socialAccountId === a),
          {
            socialAccountId: a,
            projectId: t.projectId,
            handle: list.items.find((i: { socialAccountId: string }) => i.socialAccountId === a).handle,
            platform: 'instagram',
            followers: 9000,
            status: 'assigned',
            assignedAt: '2026-01-31T12:00:00Z',
            nextRenewalAt: '2026-02-28T12:00:00Z',
            releasedAt: null,
            monthlyPriceCents: 15000,
          },
        );
        const social = json(
          await h.inject({
            method: 'GET',
            url: `/v1/projects/${t.projectId}/social-accounts?leased=true`,
            headers: t.auth,
          }),
        );
        assert.deepEqual(social.items.map((i: { socialAccountId: string }) => i.socialAccountId).sort(), [a, b].sort());
        assert.deepEqual(await chargesOf(h, a!), [
          { amount: 15000, from: '2026-01-31T12:00:00.000Z', to: '2026-02-28T12:00:00.000Z' },
        ]);

        assert.deepEqual(await renew(), { charged: 0 }, 'nothing due yet');
        h.clock.set('2026-02-28T12:00:01Z');
        assert.deepEqual(await renew(), { charged: 2 });
        assert.deepEqual(await renew(), { charged: 0 }, 'a second pass charges nothing');
        h.clock.set('2026-04-30T13:00:00Z'); // the worker was down for two periods: it catches up, one charge per period
        assert.deepEqual(await renew(), { charged: 4 });
        assert.deepEqual(
          (await chargesOf(h, a!)).map((c) => c.from),
          [
            '2026-01-31T12:00:00.000Z',
            '2026-02-28T12:00:00.000Z',
            '2026-03-31T12:00:00.000Z',
            '2026-04-30T12:00:00.000Z',
          ],
          'month ends do not drift',
        );

        const released = await h.inject({
          method: 'DELETE',
          url: `/v1/leased-accounts/${a}`,
          headers: t.auth,
          payload: { reason: 'campaign over' },
        });
        assert.equal(released.statusCode, 200, released.body);
        assert.deepEqual(json(released), {
          socialAccountId: a,
          status: 'disconnected',
          disconnectedReason: 'released_by_partner',
          disconnectedAt: '2026-04-30T13:00:00Z',
          canceledScheduledPosts: 0,
        });
        h.clock.set('2026-06-01T00:00:00Z');
        assert.deepEqual(await renew(), { charged: 1 }, 'only the lease still assigned renews');
        assert.equal((await chargesOf(h, a!)).length, 4, 'no charge after release, no proration');
        assert.equal((await chargesOf(h, b!)).length, 5);
        const gone = json(
          await h.inject({
            method: 'GET',
            url: `/v1/projects/${t.projectId}/leased-accounts?status=disconnected`,
            headers: t.auth,
          }),
        );
        assert.deepEqual(
          gone.items.map((i: { socialAccountId: string; status: string; nextRenewalAt: null }) => [
            i.socialAccountId,
            i.status,
            i.nextRenewalAt,
          ]),
          [[a, 'disconnected', null]],
        );
        const audit = await h.db
          .selectFrom('audit_log')
          .select('data')
          .where('event_type', '=', 'leased_account.released')
          .where('organization_id', '=', t.organizationId)
          .executeTakeFirstOrThrow();
        assert.deepEqual(audit.data, { socialAccountId: a, reason: 'campaign over', canceledScheduledPosts: 0 });
      });
    });

    it('the seed on a leased account: 200 with the seed’s shape, lease still assigned and billed; release still stops billing', async () => {
      const t = await h.tenant();
      await h.atTime('2026-05-01T00:00:00Z', async () => {
        const { socialAccountId } = await leaseOne(h, t);
        await h.queuedPosts(socialAccountId, 2);
        const res = await h.inject({
          method: 'DELETE',
          url: `/v1/social-accounts/${socialAccountId}`,
          headers: t.auth,
        });
        assert.deepEqual(json(res), {
          socialAccountId,
          status: 'disconnected',
          disconnectedReason: 'revoked_by_partner',
          canceledScheduledPosts: 2,
          disconnectedAt: '2026-05-01T00:00:00Z',
        });
        const lease = await h.db
          .selectFrom('leases')
          .selectAll()
          .where('social_account_id', '=', socialAccountId)
          .executeTakeFirstOrThrow();
        assert.equal(lease.status, 'assigned');
        h.clock.set('2026-06-01T00:00:00Z');
        await renew();
        assert.equal((await chargesOf(h, socialAccountId)).length, 2, 'revoked but still leased: still billed');
        const released = await h.inject({
          method: 'DELETE',
          url: `/v1/leased-accounts/${socialAccountId}`,
          headers: t.auth,
        });
        assert.equal(released.statusCode, 200, released.body);
        assert.equal(json(released).disconnectedReason, 'released_by_partner');
        h.clock.set('2026-08-01T00:00:00Z');
        await renew();
        assert.equal((await chargesOf(h, socialAccountId)).length, 2, 'released: no further charge');
      });
    });
  });

  describe('POST /v1/projects/:projectId/leased-accounts/request', () => {
    it('requests: validation, rejection, and 404 for another project', async () => {
      const t = await h.tenant();
      const url = `/v1/projects/${t.projectId}/leased-accounts/request`;
      assertValidation(
        await h.inject({ method: 'POST', url, headers: t.auth, payload: { count: 0, niche: { vertical: 'x' } } }),
        422,
        'count',
      );
      assertValidation(
        await h.inject({ method: 'POST', url, headers: t.auth, payload: { count: 51, niche: { vertical: 'x' } } }),
        422,
        'count',
      );
      assertValidation(
        await h.inject({ method: 'POST', url, headers: t.auth, payload: { count: 1, niche: {} } }),
        422,
        'niche.vertical',
      );
      const req = json(
        await h.inject({ method: 'POST', url, headers: t.auth, payload: { count: 3, niche: { vertical: 'food' } } }),
      );
      const rejected = json(
        await h.inject({
          method: 'POST',
          url: `/admin/v1/lease-requests/${req.requestId}/reject`,
          headers: admin,
          payload: { reason: 'no pool in that niche' },
        }),
      );
      assert.equal(rejected.status, 'rejected');
      assert.equal(rejected.rejectedReason, 'no pool in that niche');
      const other = await h.tenant();
      assertEnvelope(
        await h.inject({
          method: 'GET',
          url: `/v1/projects/${other.projectId}/leased-accounts/requests/${req.requestId}`,
          headers: other.auth,
        }),
        404,
        'NOT_FOUND',
      );
    });
  });

  describe('DELETE /v1/leased-accounts/:socialAccountId', () => {
    it('release cancels queued posts, drops the token, and returns the account to the pool', async () => {
      const t = await h.tenant();
      const { poolAccountId, socialAccountId } = await leaseOne(h, t);
      await h.queuedPosts(socialAccountId, 3);
      const res = await h.inject({ method: 'DELETE', url: `/v1/leased-accounts/${socialAccountId}`, headers: t.auth });
      assert.equal(json(res).canceledScheduledPosts, 3, res.body);
      assert.deepEqual(await h.postStatuses(socialAccountId), { canceled: 3 });
      const account = await h.db
        .selectFrom('social_accounts')
        .selectAll()
        .where('id', '=', socialAccountId)
        .executeTakeFirstOrThrow();
      assert.equal(account.token_ciphertext, null);
      assert.equal(account.disconnected_reason, 'released_by_partner');
      const pool = await h.db
        .selectFrom('lease_pool_accounts')
        .select('status')
        .where('id', '=', poolAccountId)
        .executeTakeFirstOrThrow();
      assert.equal(pool.status, 'available');
      const jobs = await h.db
        .selectFrom('upstream_revocations')
        .select('id')
        .where('social_account_id', '=', socialAccountId)
        .execute();
      assert.deepEqual(jobs, [], 'the operator’s grant is not revoked upstream');
      assertEnvelope(
        await h.inject({ method: 'DELETE', url: `/v1/leased-accounts/${socialAccountId}`, headers: t.auth }),
        404,
        'NOT_FOUND',
      );
    });

    it('404 releasing a non-leased account, another organization’s, or an unknown one', async () => {
      const t = await h.tenant();
      const other = await h.tenant();
      const own = await h.account(t);
      const { socialAccountId } = await leaseOne(h, other);
      assertEnvelope(
        await h.inject({ method: 'DELETE', url: `/v1/leased-accounts/${own}`, headers: t.auth }),
        404,
        'NOT_FOUND',
      );
      assertEnvelope(
        await h.inject({ method: 'DELETE', url: `/v1/leased-accounts/${socialAccountId}`, headers: t.auth }),
        404,
        'NOT_FOUND',
      );
      assertValidation(
        await h.inject({ method: 'DELETE', url: `/v1/leased-accounts/${own}`, headers: t.auth, payload: { why: 'x' } }),
        422,
        'why',
      );
      const account = await h.db
        .selectFrom('social_accounts')
        .select('status')
        .where('id', '=', own)
        .executeTakeFirstOrThrow();
      assert.equal(account.status, 'connected');
    });
  });

  describe('lease renewals (worker)', () => {
    it('two workers at once, or a crash mid-renewal, never charge a period twice', async () => {
      const t = await h.tenant();
      await h.atTime('2026-01-01T00:00:00Z', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 6; i++) ids.push((await leaseOne(h, t)).socialAccountId);
        h.clock.set(new Date(Date.parse('2026-02-01T00:00:00Z') + DAY));
        let calls = 0;
        const crashing = {
          db: h.db,
          clock: h.clock,
          fault: (p: string) => {
            if (p === 'renewal:after-charge' && ++calls === 3) throw new Error('crash');
          },
        };
        await assert.rejects(runLeaseRenewals(crashing), /crash/);
        // Other tests' leases share this database, so count per account rather than per pass.
        await Promise.all([renew(), renew()]);
        for (const id of ids) assert.equal((await chargesOf(h, id)).length, 2, id);
      });
    });
  });
});
