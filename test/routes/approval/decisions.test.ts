import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as admin from '../../../src/services/admin.js';
import { assertEnvelope, assertValidation } from '../../assertions.js';
import { describeEachDb, json } from '../../harness.js';
import { approvalApi, inAnHour } from './support.js';

describeEachDb('approval', (h) => {
  const api = approvalApi(h);
  const outbox = async (organizationId: string, type: string) =>
    (
      await h.db
        .selectFrom('outbox_events')
        .select('data')
        .where('organization_id', '=', organizationId)
        .where('type', '=', type)
        .execute()
    ).map((r) => r.data as Record<string, unknown>);
  const auditTypes = async (organizationId: string) =>
    (
      await h.db
        .selectFrom('audit_log')
        .select('event_type')
        .where('organization_id', '=', organizationId)
        .orderBy('id')
        .execute()
    ).map((r) => r.event_type);

  describe('GET /v1/projects/:projectId/approval-policy', () => {
    it('defaults (nothing requires approval, never set) until a PATCH; the PATCH is what GET shows', async () => {
      const t = await h.tenant();
      const before = await api.policy(t);
      assert.equal(before.statusCode, 200, before.body);
      assert.deepEqual(json(before), {
        projectId: t.projectId,
        requiresApproval: false,
        firstNPostsBlocked: 0,
        updatedAt: null,
      });
      const set = await h.atTime('2026-04-18T19:15:02.600Z', () =>
        api.setPolicy(t, { requiresApproval: true, firstNPostsBlocked: 3 }),
      );
      assert.equal(set.statusCode, 200, set.body);
      const expected = {
        projectId: t.projectId,
        requiresApproval: true,
        firstNPostsBlocked: 3,
        updatedAt: '2026-04-18T19:15:02Z',
      };
      assert.deepEqual(json(set), expected);
      assert.deepEqual(json(await api.policy(t)), expected);
    });
  });

  describe('PATCH /v1/projects/:projectId/approval-policy', () => {
    it('changes only the given field, audited with the previous values', async () => {
      const t = await h.tenant();
      await api.setPolicy(t, { firstNPostsBlocked: 5 });
      const res = await api.setPolicy(t, { requiresApproval: true });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual([json(res).requiresApproval, json(res).firstNPostsBlocked], [true, 5]);
      const rows = await h.db
        .selectFrom('audit_log')
        .select(['data', 'project_id', 'request_id'])
        .where('organization_id', '=', t.organizationId)
        .where('event_type', '=', 'project.approval_policy_updated')
        .orderBy('id')
        .execute();
      assert.deepEqual(rows.at(-1), {
        data: {
          requiresApproval: true,
          firstNPostsBlocked: 5,
          previous: { requiresApproval: false, firstNPostsBlocked: 5 },
        },
        project_id: t.projectId,
        request_id: res.headers['x-request-id'],
      });
    });

    it('422 outside 0–50, for a non-boolean, for an unknown field and for an empty body', async () => {
      const t = await h.tenant();
      assertValidation(await api.setPolicy(t, { firstNPostsBlocked: 51 }), 422, 'firstNPostsBlocked');
      assertValidation(await api.setPolicy(t, { firstNPostsBlocked: -1 }), 422, 'firstNPostsBlocked');
      assertValidation(await api.setPolicy(t, { firstNPostsBlocked: 1.5 }), 422, 'firstNPostsBlocked');
      assertValidation(await api.setPolicy(t, { requiresApproval: 'yes' }), 422, 'requiresApproval');
      assertValidation(await api.setPolicy(t, { requiresApproval: true, extra: 1 }), 422, 'extra');
      assertValidation(await api.setPolicy(t, {}), 422, '');
      assert.deepEqual(json(await api.policy(t)).updatedAt, null, 'nothing was written');
    });

    it('409 project_archived on an archived project; the GET still answers', async () => {
      const t = await h.tenant();
      await h.inject({ method: 'DELETE', url: `/v1/projects/${t.projectId}`, headers: t.auth });
      assertEnvelope(await api.setPolicy(t, { requiresApproval: true }), 409, 'CONFLICT', {
        reason: 'project_archived',
        projectId: t.projectId,
      });
      assert.equal((await api.policy(t)).statusCode, 200);
    });
  });

  describe('POST /v1/projects/:projectId/content/upload', () => {
    it('requiresApproval: new content starts pending; existing content keeps its state when the policy changes', async () => {
      const t = await h.tenant();
      const before = await api.upload(t);
      assert.equal(before.approvalStatus, 'not_required');
      await api.requireApproval(t);
      const after = await api.upload(t);
      assert.equal(after.approvalStatus, 'pending');
      await api.setPolicy(t, { requiresApproval: false });
      const got = (id: string) => h.inject({ method: 'GET', url: `/v1/content/${id}`, headers: t.auth });
      assert.equal(json(await got(after.id)).approvalStatus, 'pending', 'pending until decided');
      assert.equal(json(await got(before.id)).approvalStatus, 'not_required');
      assert.equal((await api.upload(t)).approvalStatus, 'not_required');
    });

    it('firstNPostsBlocked 2: content is pending until 2 contents are approved (rejections do not count), per environment', async () => {
      const t = await h.tenant();
      await api.setPolicy(t, { firstNPostsBlocked: 2 });
      const a = await api.upload(t);
      const b = await api.upload(t);
      assert.deepEqual([a.approvalStatus, b.approvalStatus], ['pending', 'pending']);
      assert.equal((await api.reject(t, a.id)).statusCode, 200);
      assert.equal((await api.upload(t)).approvalStatus, 'pending', 'a rejection is not an approval');
      assert.equal((await api.approve(t, b.id)).statusCode, 200);
      const c = await api.upload(t);
      assert.equal(c.approvalStatus, 'pending', 'one approved, two needed');
      assert.equal((await api.approve(t, c.id)).statusCode, 200);
      assert.equal((await api.upload(t)).approvalStatus, 'not_required', 'two approved: trust is earned');
      const k = await admin.createApiKey(h.adminCtx(), {
        organizationId: t.organizationId,
        scopes: ['*'],
        tier: 'partner',
        env: 'live',
        returnUrls: [],
      });
      const live = { ...t, auth: { authorization: `Bearer ${k.key}` } };
      assert.equal((await api.upload(live)).approvalStatus, 'pending', 'the live environment earns its own');
    });
  });

  describe('POST /v1/content/:containerId/schedule (gated)', () => {
    it('pending content: 202 blocked_on_approval, the intent stored, nothing queued; publish-now 403 APPROVAL_REQUIRED', async () => {
      const t = await h.tenant();
      const sa = await h.account(t);
      await api.requireApproval(t);
      const c = await api.upload(t);
      const when = inAnHour();
      const res = await api.schedule(t, c.id, [sa], when);
      assert.equal(res.statusCode, 202, res.body);
      const body = json(res);
      assert.match(body.scheduleIntentId, /^sint_[0-9a-f-]{36}$/);
      assert.deepEqual(body, {
        gateStatus: 'blocked_on_approval',
        scheduleIntentId: body.scheduleIntentId,
        containerId: c.id,
        approvalStatus: 'pending',
        scheduledFor: when,
        targets: [{ socialAccountId: sa, mode: 'publish' }],
      });
      assert.deepEqual(await h.postStatuses(sa), {});
      assert.deepEqual(await api.intentStatuses(c.id), ['pending']);
      assert.deepEqual(await outbox(t.organizationId, 'post.scheduled'), []);
      assert.ok((await auditTypes(t.organizationId)).includes('schedule_intent.created'));
      assertEnvelope(await api.publish(t, c.id, [sa]), 403, 'APPROVAL_REQUIRED', {
        containerId: c.id,
        approvalStatus: 'pending',
      });
    });

    it('Idempotency-Key on a stash: the retry replays the 202 verbatim and stores no second intent', async () => {
      const t = await h.tenant();
      const sa = await h.account(t);
      await api.requireApproval(t);
      const c = await api.upload(t);
      const key = { 'idempotency-key': `stash-${c.id}` };
      const when = inAnHour();
      const first = await api.schedule(t, c.id, [sa], when, key);
      assert.equal(first.statusCode, 202, first.body);
      const replay = await api.schedule(t, c.id, [sa], when, key);
      assert.equal(replay.statusCode, 202, replay.body);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.equal(replay.body, first.body);
      assert.deepEqual(await api.intentStatuses(c.id), ['pending']);
    });

    it('a stash checks its targets like a schedule: a disconnected account → 409, nothing stored', async () => {
      const t = await h.tenant();
      const sa = await h.account(t);
      await api.requireApproval(t);
      const c = await api.upload(t);
      assert.equal((await api.revoke(t, sa)).statusCode, 200);
      assertEnvelope(await api.schedule(t, c.id, [sa], inAnHour()), 409, 'CONFLICT', {
        reason: 'account_not_connected',
        socialAccountId: sa,
        accountStatus: 'disconnected',
      });
      assert.deepEqual(await api.intentStatuses(c.id), []);
    });
  });

  describe('POST /v1/content/:containerId/approve', () => {
    it('promotes every stashed intent in the same transaction; a revoked account’s target fails alone', async () => {
      const t = await h.tenant();
      const [a, b] = [await h.account(t), await h.account(t)];
      await api.requireApproval(t);
      const c = await api.upload(t);
      const when = inAnHour();
      const first = json(await api.schedule(t, c.id, [a, b], when));
      const second = json(await api.schedule(t, c.id, [a], when));
      assert.equal((await api.revoke(t, b)).statusCode, 200);
      const res = await api.approve(t, c.id, { note: 'LGTM' });
      assert.equal(res.statusCode, 200, res.body);
      const body = json(res);
      assert.equal(body.approvalStatus, 'approved');
      assert.equal(body.approvalNote, 'LGTM');
      assert.equal(body.rejectionReason, null);
      assert.equal(typeof body.approvalDecidedAt, 'string');
      const promo = body.pendingSchedulePromotion;
      assert.equal(promo.scheduleIntents, 2);
      assert.deepEqual(
        promo.scheduledPosts.map((p: Record<string, string>) => [
          p.socialAccountId,
          p.status,
          p.scheduledFor,
          p.scheduleIntentId,
        ]),
        [
          [a, 'queued', when, first.scheduleIntentId],
          [a, 'queued', when, second.scheduleIntentId],
        ],
      );
      assert.deepEqual(promo.failedTargets, [
        {
          scheduleIntentId: first.scheduleIntentId,
          socialAccountId: b,
          reason: 'account_not_connected',
          accountStatus: 'disconnected',
        },
      ]);
      assert.deepEqual(await h.postStatuses(a), { queued: 2 });
      assert.deepEqual(await h.postStatuses(b), {});
      assert.deepEqual(await api.intentStatuses(c.id), ['promoted', 'promoted']);
      assert.deepEqual(await outbox(t.organizationId, 'content.approved'), [
        {
          containerId: c.id,
          projectId: t.projectId,
          approvalStatus: 'approved',
          note: 'LGTM',
          decidedAt: body.approvalDecidedAt,
          promotedScheduledPosts: 2,
          failedTargets: 1,
        },
      ]);
      assert.equal((await outbox(t.organizationId, 'post.scheduled')).length, 2);
      assert.ok((await auditTypes(t.organizationId)).includes('content.approved'));
      // Approved content schedules and publishes normally from now on.
      assert.equal((await api.schedule(t, c.id, [a], when)).statusCode, 201);
      assert.equal((await api.publish(t, c.id, [a])).statusCode, 201);
    });

    it('an intent whose time passed while waiting fails (scheduled_time_passed), never posts late', async () => {
      const t = await h.tenant();
      const sa = await h.account(t);
      await api.requireApproval(t);
      const c = await api.upload(t);
      const stash = json(
        await h.atTime('2026-04-18T19:00:00Z', () => api.schedule(t, c.id, [sa], '2026-04-18T20:00:00Z')),
      );
      const res = await h.atTime('2026-04-18T20:00:31Z', () => api.approve(t, c.id));
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(json(res).pendingSchedulePromotion, {
        scheduleIntents: 1,
        scheduledPosts: [],
        failedTargets: [
          { scheduleIntentId: stash.scheduleIntentId, socialAccountId: sa, reason: 'scheduled_time_passed' },
        ],
      });
      assert.deepEqual(await h.postStatuses(sa), {});
    });

    it('deciding twice → 409 CONFLICT already_decided; content that needs no approval → 409 approval_not_required', async () => {
      const t = await h.tenant();
      const free = await api.upload(t);
      assertEnvelope(await api.approve(t, free.id), 409, 'CONFLICT', {
        reason: 'approval_not_required',
        approvalStatus: 'not_required',
      });
      await api.requireApproval(t);
      const c = await api.upload(t);
      assert.equal((await api.approve(t, c.id)).statusCode, 200);
      const again = { reason: 'already_decided', approvalStatus: 'approved' };
      assertEnvelope(await api.approve(t, c.id), 409, 'CONFLICT', again);
      assertEnvelope(await api.reject(t, c.id), 409, 'CONFLICT', again);
    });

    it('Idempotency-Key: a retry replays the first answer; the same key with another body → 409 IDEMPOTENCY_CONFLICT', async () => {
      const t = await h.tenant();
      await api.requireApproval(t);
      const c = await api.upload(t);
      const key = { 'idempotency-key': `approve-${c.id}` };
      const first = await api.approve(t, c.id, { note: 'ok' }, key);
      assert.equal(first.statusCode, 200, first.body);
      const replay = await api.approve(t, c.id, { note: 'ok' }, key);
      assert.equal(replay.statusCode, 200, replay.body);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.equal(replay.body, first.body);
      const other = await api.approve(t, c.id, { note: 'different' }, key);
      assert.equal(json(other).error.code, 'IDEMPOTENCY_CONFLICT', other.body);
      assert.equal((await outbox(t.organizationId, 'content.approved')).length, 1, 'approved once');
    });

    it('422 for a note over 500 characters or an unknown field; another organization’s content → 404', async () => {
      const t = await h.tenant();
      await api.requireApproval(t);
      const c = await api.upload(t);
      assertValidation(await api.approve(t, c.id, { note: 'x'.repeat(501) }), 422, 'note');
      assertValidation(await api.approve(t, c.id, { reason: 'x' }), 422, 'reason');
      const stranger = await h.tenant();
      assertEnvelope(await api.approve(stranger, c.id), 404, 'NOT_FOUND');
      assertEnvelope(await api.reject(stranger, c.id), 404, 'NOT_FOUND');
      assert.equal(
        json(await h.inject({ method: 'GET', url: `/v1/content/${c.id}`, headers: t.auth })).approvalStatus,
        'pending',
      );
    });
  });

  describe('POST /v1/content/:containerId/reject', () => {
    it('drops stashed intents; rejected content → 409 CONTENT_REJECTED on schedule and publish', async () => {
      const t = await h.tenant();
      const sa = await h.account(t);
      await api.requireApproval(t);
      const c = await api.upload(t);
      assert.equal((await api.schedule(t, c.id, [sa], inAnHour())).statusCode, 202);
      const res = await api.reject(t, c.id, { reason: 'Wrong logo' });
      assert.equal(res.statusCode, 200, res.body);
      const body = json(res);
      assert.deepEqual(
        [body.approvalStatus, body.rejectionReason, body.approvalNote, body.droppedScheduleIntents],
        ['rejected', 'Wrong logo', null, 1],
      );
      assert.deepEqual(await api.intentStatuses(c.id), ['dropped']);
      assert.deepEqual(await h.postStatuses(sa), {});
      const details = { containerId: c.id, approvalStatus: 'rejected' };
      assertEnvelope(await api.schedule(t, c.id, [sa], inAnHour()), 409, 'CONTENT_REJECTED', details);
      assertEnvelope(await api.publish(t, c.id, [sa]), 409, 'CONTENT_REJECTED', details);
      assert.deepEqual(await outbox(t.organizationId, 'content.rejected'), [
        {
          containerId: c.id,
          projectId: t.projectId,
          approvalStatus: 'rejected',
          reason: 'Wrong logo',
          decidedAt: body.approvalDecidedAt,
          droppedScheduleIntents: 1,
        },
      ]);
    });

    it('a project archive drops the stashed intents; decisions in an archived project → 409 project_archived', async () => {
      const t = await h.tenant();
      const sa = await h.account(t);
      await api.requireApproval(t);
      const c = await api.upload(t);
      assert.equal((await api.schedule(t, c.id, [sa], inAnHour())).statusCode, 202);
      assert.equal(
        (await h.inject({ method: 'DELETE', url: `/v1/projects/${t.projectId}`, headers: t.auth })).statusCode,
        200,
      );
      assert.deepEqual(await api.intentStatuses(c.id), ['dropped']);
      const archived = { reason: 'project_archived', projectId: t.projectId };
      assertEnvelope(await api.approve(t, c.id), 409, 'CONFLICT', archived);
      assertEnvelope(await api.reject(t, c.id), 409, 'CONFLICT', archived);
      await h.inject({
        method: 'PATCH',
        url: `/v1/projects/${t.projectId}`,
        headers: t.auth,
        payload: { status: 'active' },
      });
      const approved = await api.approve(t, c.id);
      assert.equal(approved.statusCode, 200, approved.body);
      assert.deepEqual(json(approved).pendingSchedulePromotion.scheduleIntents, 0, 'un-archiving restores nothing');
      assert.deepEqual(await h.postStatuses(sa), {});
    });

    it('422 without a reason or with an empty one', async () => {
      const t = await h.tenant();
      await api.requireApproval(t);
      const c = await api.upload(t);
      assertValidation(await api.reject(t, c.id, {}), 422, 'reason');
      assertValidation(await api.reject(t, c.id, { reason: '' }), 422, 'reason');
    });
  });
});
