import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertEnvelope } from '../assertions.js';
import { ADMIN_TOKEN, describeEachDb, json } from '../harness.js';

// The operator's key list (masked) and revoke: GET /admin/v1/organizations/:orgId/api-keys,
// POST /admin/v1/api-keys/:keyId/revoke.

const operator = { authorization: `Bearer ${ADMIN_TOKEN}` };
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describeEachDb('admin: API key list and revoke', (h) => {
  it('lists an organization’s keys masked: prefix and last 4, never the secret', async () => {
    const t = await h.tenant({ scopes: ['social:read'] });
    const other = await h.key(t, ['*']);
    const res = await h.inject({
      method: 'GET',
      url: `/admin/v1/organizations/${t.organizationId}/api-keys`,
      headers: operator,
    });
    assert.equal(res.statusCode, 200, res.body);
    for (const secret of [t.key, other.key]) assert.ok(!res.body.includes(secret.slice(-43)), 'no secret in the list');
    const { items } = json(res);
    assert.deepEqual(items.map((k: any) => k.apiKeyId).sort(), [t.apiKeyId, other.apiKeyId].sort());
    const first = items.find((k: any) => k.apiKeyId === t.apiKeyId);
    assert.deepEqual(Object.keys(first), [
      'apiKeyId',
      'organizationId',
      'name',
      'prefix',
      'last4',
      'masked',
      'scopes',
      'rateLimitTier',
      'env',
      'status',
      'killSwitch',
      'createdAt',
      'revokedAt',
      'supersededBy',
      'expiresAt',
    ]);
    assert.equal(first.organizationId, t.organizationId);
    assert.equal(first.status, 'active');
    assert.deepEqual([first.supersededBy, first.expiresAt], [null, null]);
    assert.equal(first.prefix, `lp_test_${t.apiKeyId}_`);
    assert.equal(first.last4, t.key.slice(-4));
    assert.equal(first.masked, `lp_test_${t.apiKeyId}_…${t.key.slice(-4)}`);
    assert.deepEqual(first.scopes, ['social:read']);
    assert.equal(first.env, 'test');
    assert.equal(first.rateLimitTier, 'partner');
    assert.equal(first.killSwitch, false);
    assert.match(first.createdAt, TIMESTAMP);
    assert.equal(first.revokedAt, null);
  });

  it('a key created before last-4 hints were kept lists with its prefix alone', async () => {
    const t = await h.tenant();
    await h.db.updateTable('api_keys').set({ secret_last4: null }).where('id', '=', t.apiKeyId).execute();
    const res = await h.inject({
      method: 'GET',
      url: `/admin/v1/organizations/${t.organizationId}/api-keys`,
      headers: operator,
    });
    const [k] = json(res).items;
    assert.equal(k.last4, null);
    assert.equal(k.masked, `lp_test_${t.apiKeyId}_…`);
  });

  it('revoke: the key’s next call is 401; idempotent (same revokedAt, one audit row); others unaffected', async () => {
    const t = await h.tenant();
    const victim = await h.key(t, ['*']);
    const url = `/admin/v1/api-keys/${victim.apiKeyId}/revoke`;
    const first = await h.inject({ method: 'POST', url, headers: operator });
    assert.equal(first.statusCode, 200, first.body);
    const body = json(first);
    assert.deepEqual(Object.keys(body), ['apiKeyId', 'revokedAt']);
    assert.equal(body.apiKeyId, victim.apiKeyId);
    assert.match(body.revokedAt, TIMESTAMP);

    const denied = assertEnvelope(
      await h.inject({ method: 'GET', url: '/v1/whoami', headers: victim.auth }),
      401,
      'UNAUTHENTICATED',
    );
    assert.equal(denied.message, 'Missing or invalid API key. Send "Authorization: Bearer lp_<live|test>_…".');
    assert.equal((await h.inject({ method: 'GET', url: '/v1/whoami', headers: t.auth })).statusCode, 200);

    await h.atTime(new Date(Date.now() + 60_000), async () => {
      assert.deepEqual(json(await h.inject({ method: 'POST', url, headers: operator })), body, 'same revokedAt');
    });
    const listed = json(
      await h.inject({ method: 'GET', url: `/admin/v1/organizations/${t.organizationId}/api-keys`, headers: operator }),
    ).items.find((k: any) => k.apiKeyId === victim.apiKeyId);
    assert.equal(listed.revokedAt, body.revokedAt);
    const audit = await h.db
      .selectFrom('audit_log')
      .select(['data', 'api_key_id', 'request_id'])
      .where('organization_id', '=', t.organizationId)
      .where('event_type', '=', 'api_key.revoked')
      .execute();
    assert.deepEqual(audit, [
      { data: { apiKeyId: victim.apiKeyId, revokedBy: 'operator' }, api_key_id: null, request_id: null },
    ]);
  });

  it('unknown ids are 404, malformed ids 400, and the operator token is required', async () => {
    const missingKey = 'key_00000000-0000-4000-8000-000000000000';
    assertEnvelope(
      await h.inject({ method: 'POST', url: `/admin/v1/api-keys/${missingKey}/revoke`, headers: operator }),
      404,
      'NOT_FOUND',
    );
    const missingOrg = 'org_00000000-0000-4000-8000-000000000000';
    assertEnvelope(
      await h.inject({ method: 'GET', url: `/admin/v1/organizations/${missingOrg}/api-keys`, headers: operator }),
      404,
      'NOT_FOUND',
    );
    const bad = await h.inject({ method: 'POST', url: '/admin/v1/api-keys/nope/revoke', headers: operator });
    assert.equal(bad.statusCode, 400, bad.body);
    const t = await h.tenant();
    assertEnvelope(
      await h.inject({ method: 'POST', url: `/admin/v1/api-keys/${t.apiKeyId}/revoke`, headers: t.auth }),
      401,
      'UNAUTHENTICATED',
    );
  });
});
