import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertEnvelope, assertValidation } from '../assertions.js';
import { describeEachDb, json, type Tenant } from '../harness.js';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describeEachDb('routes: /v1/social-accounts/:id/test-faults (rehearsed faults)', (h) => {
  const url = (id: string) => `/v1/social-accounts/${id}/test-faults`;
  const put = (t: Tenant, id: string, faults: unknown) =>
    h.inject({ method: 'PUT', url: url(id), headers: t.auth, payload: { faults } });
  const get = (t: Tenant, id: string) => h.inject({ method: 'GET', url: url(id), headers: t.auth });
  const del = (t: Tenant, id: string) => h.inject({ method: 'DELETE', url: url(id), headers: t.auth });
  const audits = (t: Tenant, type: string) =>
    h.db
      .selectFrom('audit_log')
      .select(['data', 'api_key_id', 'project_id'])
      .where('organization_id', '=', t.organizationId)
      .where('event_type', '=', type)
      .execute();

  it('PUT arms the list in order (count defaults to 1), GET shows what remains, DELETE clears; each change audit-logged', async () => {
    const t = await h.tenant();
    const id = await h.account(t, { platform: 'instagram' });
    const empty = json(await get(t, id));
    assert.deepEqual(empty, { socialAccountId: id, platform: 'instagram', faults: [], updatedAt: null });

    const res = await put(t, id, [
      { fault: 'rate_limited', count: 2, retryAfterSeconds: 120 },
      { fault: 'slow_moderation', delaySeconds: 30 },
      { fault: 'server_error' },
    ]);
    assert.equal(res.statusCode, 200, res.body);
    const armed = json(res);
    assert.match(armed.updatedAt, TIMESTAMP);
    assert.deepEqual(armed.faults, [
      { fault: 'rate_limited', remaining: 2, retryAfterSeconds: 120 },
      { fault: 'slow_moderation', remaining: 1, delaySeconds: 30 },
      { fault: 'server_error', remaining: 1 },
    ]);
    assert.deepEqual(json(await get(t, id)), armed);

    // PUT replaces the whole list.
    assert.deepEqual(json(await put(t, id, [{ fault: 'token_expired', count: 3 }])).faults, [
      { fault: 'token_expired', remaining: 3 },
    ]);
    const cleared = await del(t, id);
    assert.equal(cleared.statusCode, 200, cleared.body);
    assert.deepEqual(json(cleared), { socialAccountId: id, platform: 'instagram', faults: [], updatedAt: null });
    assert.deepEqual(json(await get(t, id)).faults, []);

    const set = await audits(t, 'social_account.test_faults_set');
    assert.equal(set.length, 2);
    assert.deepEqual(
      set.map((a) => (a.data as { faults: { fault: string }[] }).faults.map((f) => f.fault)).sort(),
      [['rate_limited', 'slow_moderation', 'server_error'], ['token_expired']].sort(),
    );
    assert.ok(set.every((a) => a.api_key_id === t.apiKeyId));
    const clearedRows = await audits(t, 'social_account.test_faults_cleared');
    assert.deepEqual(
      clearedRows.map((a) => a.data),
      [{ socialAccountId: id, cleared: true }],
    );
    assert.equal(clearedRows[0]!.project_id, t.projectId);
  });

  it('live keys are refused 403 TEST_MODE_ONLY on GET, PUT and DELETE; nothing is stored or audited', async () => {
    const live = await h.tenant({ env: 'live' });
    const id = await h.account(live); // a live account of the live key's own organization
    for (const res of [await get(live, id), await put(live, id, [{ fault: 'server_error' }]), await del(live, id)]) {
      const err = assertEnvelope(res, 403, 'TEST_MODE_ONLY');
      assert.match(err.message, /lp_test_/);
    }
    // Even an id that does not exist: the key is refused before any lookup.
    assertEnvelope(await get(live, 'sa_00000000-0000-4000-8000-000000000000'), 403, 'TEST_MODE_ONLY');
    const stored = await h.db
      .selectFrom('social_account_test_faults')
      .selectAll()
      .where('social_account_id', '=', id)
      .execute();
    assert.deepEqual(stored, []);
    assert.deepEqual(await audits(live, 'social_account.test_faults_set'), []);
  });

  it('a test key never reaches a live account: 404 in the same words as any unknown account', async () => {
    const t = await h.tenant();
    const liveAccount = await h.account(t, { env: 'live' });
    for (const res of [await get(t, liveAccount), await put(t, liveAccount, [{ fault: 'server_error' }])]) {
      const err = assertEnvelope(res, 404, 'NOT_FOUND');
      assert.equal(err.message, `No social account ${liveAccount} in this organization.`);
    }
  });

  it('422: parameters of another fault, slow_moderation on TikTok, unknown faults, counts out of range', async () => {
    const t = await h.tenant();
    const tiktok = await h.account(t, { platform: 'tiktok' });
    assertValidation(
      await put(t, tiktok, [{ fault: 'server_error', retryAfterSeconds: 5 }]),
      422,
      'faults.0.retryAfterSeconds',
    );
    assertValidation(
      await put(t, tiktok, [{ fault: 'server_error' }, { fault: 'rate_limited', delaySeconds: 5 }]),
      422,
      'faults.1.delaySeconds',
    );
    const issues = assertValidation(await put(t, tiktok, [{ fault: 'slow_moderation' }]), 422, 'faults.0.fault');
    assert.match(issues[0]!.message, /Instagram accounts only/);
    assertValidation(await put(t, tiktok, [{ fault: 'meteor_strike' }]), 422, 'faults.0.fault');
    assertValidation(await put(t, tiktok, [{ fault: 'server_error', count: 0 }]), 422, 'faults.0.count');
    assertValidation(await put(t, tiktok, [{ fault: 'server_error', count: 21 }]), 422, 'faults.0.count');
    assertValidation(await put(t, tiktok, Array(11).fill({ fault: 'server_error' })), 422, 'faults');
    assert.deepEqual(json(await get(t, tiktok)).faults, [], 'a refused PUT stores nothing');
  });
});
