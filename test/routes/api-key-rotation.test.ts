import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseApiKey } from '../../src/crypto/api-key.js';
import { assertEnvelope, assertValidation } from '../assertions.js';
import { ADMIN_TOKEN, describeEachDb, type Harness, json } from '../harness.js';

// POST /v1/api-keys/:keyId/rotate (and the operator's POST /admin/v1/api-keys/:keyId/rotate): a new
// key; the old one works until the grace period ends, then 401. Times are on the pinned clock.

const T0 = '2031-05-01T12:00:00Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString().replace('.000Z', 'Z');
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const operator = bearer(ADMIN_TOKEN);

function rotate(h: Harness, keyId: string, auth: object, payload?: object, headers: object = {}) {
  return h.inject({
    method: 'POST',
    url: `/v1/api-keys/${keyId}/rotate`,
    headers: { ...auth, ...headers },
    ...(payload ? { payload } : {}),
  });
}

const whoami = (h: Harness, key: string) => h.inject({ method: 'GET', url: '/v1/whoami', headers: bearer(key) });

describeEachDb('API key rotation', (h) => {
  it('the old key works until the grace period ends (grace − 1 s: 200; grace: 401); the new one at once', async () => {
    const t = await h.tenant({ scopes: ['social:read'] });
    const grace = 3600;
    const rotated = await h.atTime(T0, async () => {
      const res = await rotate(h, t.apiKeyId, t.auth, { graceSeconds: grace });
      assert.equal(res.statusCode, 200, res.body);
      return json(res);
    });
    assert.equal(rotated.previousApiKeyId, t.apiKeyId);
    assert.equal(rotated.previousKeyExpiresAt, at(grace));
    assert.notEqual(rotated.apiKeyId, t.apiKeyId);
    assert.equal(parseApiKey(rotated.key)?.keyId, rotated.apiKeyId);
    assert.deepEqual(
      [rotated.scopes, rotated.rateLimitTier, rotated.env, rotated.status, rotated.createdAt],
      [['social:read'], 'partner', 'test', 'active', T0],
    );
    await h.atTime(at(grace - 1), async () => {
      assert.equal((await whoami(h, t.key)).statusCode, 200, 'the old key, a second before the end');
      assert.equal(json(await whoami(h, rotated.key)).apiKeyId, rotated.apiKeyId);
    });
    await h.atTime(at(grace), async () => {
      assertEnvelope(await whoami(h, t.key), 401, 'UNAUTHENTICATED');
      assert.equal((await whoami(h, rotated.key)).statusCode, 200, 'the new key');
    });
    const listed = await h.atTime(at(grace), async () =>
      json(
        await h.inject({
          method: 'GET',
          url: `/admin/v1/organizations/${t.organizationId}/api-keys`,
          headers: operator,
        }),
      ),
    );
    const old = listed.items.find((k: any) => k.apiKeyId === t.apiKeyId);
    assert.deepEqual([old.status, old.supersededBy, old.expiresAt], ['expired', rotated.apiKeyId, at(grace)]);
  });

  it('default grace is 24 h; graceSeconds 0 ends the old key at once; out of range is 422', async () => {
    const t = await h.tenant();
    const a = await h.key(t, ['social:read']);
    const b = await h.key(t, ['social:read']);
    await h.atTime(T0, async () => {
      assert.equal(json(await rotate(h, a.apiKeyId, a.auth)).previousKeyExpiresAt, at(24 * 3600));
      const now = json(await rotate(h, b.apiKeyId, b.auth, { graceSeconds: 0 }));
      assert.equal(now.previousKeyExpiresAt, T0);
      assertEnvelope(await h.inject({ method: 'GET', url: '/v1/whoami', headers: b.auth }), 401, 'UNAUTHENTICATED');
    });
    for (const graceSeconds of [-1, 7 * 24 * 3600 + 1, 1.5]) {
      assertValidation(await rotate(h, t.apiKeyId, t.auth, { graceSeconds }), 422, 'graceSeconds');
    }
    assertValidation(await rotate(h, t.apiKeyId, t.auth, { grace: 5 }), 422, 'grace');
  });

  it('rotating a superseded key is 409 CONFLICT {reason: superseded}; so is a revoked or killed key', async () => {
    const t = await h.tenant();
    const k = await h.key(t, ['social:read']);
    const first = json(await rotate(h, k.apiKeyId, k.auth));
    assertEnvelope(await rotate(h, k.apiKeyId, k.auth), 409, 'CONFLICT', {
      reason: 'superseded',
      supersededBy: first.apiKeyId,
    });
    assertEnvelope(await rotate(h, k.apiKeyId, t.auth), 409, 'CONFLICT', {
      reason: 'superseded',
      supersededBy: first.apiKeyId,
    });
    const revoked = await h.key(t, ['social:read']);
    await h.inject({ method: 'POST', url: `/admin/v1/api-keys/${revoked.apiKeyId}/revoke`, headers: operator });
    assertEnvelope(await rotate(h, revoked.apiKeyId, t.auth), 409, 'CONFLICT', { reason: 'revoked' });
    const killed = await h.key(t, ['social:read']);
    await h.inject({ method: 'POST', url: `/v1/api-keys/${killed.apiKeyId}/kill`, headers: t.auth });
    assertEnvelope(await rotate(h, killed.apiKeyId, t.auth), 409, 'CONFLICT', { reason: 'killed' });
  });

  it('concurrent rotations of one key: exactly one succeeds, the others are 409 superseded by it', async () => {
    const t = await h.tenant();
    const k = await h.key(t, ['social:read']);
    const answers = await Promise.all(Array.from({ length: 6 }, () => rotate(h, k.apiKeyId, t.auth)));
    const won = answers.filter((r) => r.statusCode === 200);
    assert.equal(won.length, 1, answers.map((r) => `${r.statusCode} ${r.body.slice(0, 120)}`).join('\n'));
    const successor = json(won[0]!).apiKeyId;
    for (const r of answers.filter((a) => a !== won[0])) {
      assertEnvelope(r, 409, 'CONFLICT', { reason: 'superseded', supersededBy: successor });
    }
    const rows = await h.db
      .selectFrom('api_keys')
      .select(['id', 'superseded_by'])
      .where('organization_id', '=', t.organizationId)
      .execute();
    assert.equal(rows.length, 3, 'one successor only');
    assert.equal(rows.find((r) => r.id === k.apiKeyId)?.superseded_by, successor);
  });

  it('Idempotency-Key: a replay returns the same new key; the stored response holds it only sealed', async () => {
    const t = await h.tenant();
    const k = await h.key(t, ['social:read']);
    const idem = { 'idempotency-key': `rotate-${k.apiKeyId}` };
    const first = await rotate(h, k.apiKeyId, k.auth, { graceSeconds: 600 }, idem);
    assert.equal(first.statusCode, 200, first.body);
    const replay = await rotate(h, k.apiKeyId, k.auth, { graceSeconds: 600 }, idem);
    assert.equal(replay.statusCode, 200, replay.body);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.deepEqual(json(replay), json(first), 'the same new key, byte for byte');
    const newKey = json(first).key as string;
    assert.equal(json(await whoami(h, newKey)).apiKeyId, json(first).apiKeyId);

    const rows = await h.db
      .selectFrom('idempotency_keys')
      .select(['response_body'])
      .where('api_key_id', '=', k.apiKeyId)
      .execute();
    assert.equal(rows.length, 1);
    const stored = rows[0]!.response_body;
    const secret = parseApiKey(newKey)!.secret;
    assert.ok(stored.includes(json(first).apiKeyId), `the stored response is this one: ${stored.slice(0, 300)}`);
    assert.ok(!stored.includes(secret) && !stored.includes(newKey), 'no plaintext secret in the stored response');
    assert.match(JSON.parse(stored).key, /^sealed:[A-Za-z0-9_-]+$/);
    const keys = await h.db
      .selectFrom('api_keys')
      .select('id')
      .where('organization_id', '=', t.organizationId)
      .execute();
    assert.equal(keys.length, 3, 'one rotation: the tenant key, the rotated key and its successor');
  });

  it('another key of the organization needs org:admin (403); another organization’s or a live key from test: 404', async () => {
    const t = await h.tenant();
    const plain = await h.key(t, ['social:read', 'social:write']);
    const sibling = await h.key(t, ['social:read']);
    assertEnvelope(await rotate(h, sibling.apiKeyId, plain.auth), 403, 'FORBIDDEN_SCOPE', {
      requiredScope: 'org:admin',
    });
    const admin = await h.key(t, ['org:admin']);
    assert.equal((await rotate(h, sibling.apiKeyId, admin.auth)).statusCode, 200);

    const other = await h.tenant();
    const err = assertEnvelope(await rotate(h, other.apiKeyId, t.auth), 404, 'NOT_FOUND');
    assert.equal(err.message, `No API key ${other.apiKeyId} in this organization.`);
    const missing = 'key_00000000-0000-4000-8000-000000000000';
    assertEnvelope(await rotate(h, missing, t.auth), 404, 'NOT_FOUND');

    const { createApiKey } = await import('../../src/services/admin.js');
    const live = await createApiKey(h.adminCtx(), {
      organizationId: t.organizationId,
      scopes: ['social:read'],
      tier: 'partner',
      env: 'live',
      returnUrls: [],
    });
    assertEnvelope(await rotate(h, live.apiKeyId, t.auth), 404, 'NOT_FOUND');
    const byItself = json(await rotate(h, live.apiKeyId, bearer(live.key)));
    assert.ok(byItself.key.startsWith('lp_live_'), 'a live key rotates itself into a live key');
  });

  it('operator: POST /admin/v1/api-keys/:keyId/rotate, same rules; audited with rotatedBy', async () => {
    const t = await h.tenant();
    const k = await h.key(t, ['social:read']);
    const url = `/admin/v1/api-keys/${k.apiKeyId}/rotate`;
    const res = await h.atTime(T0, () =>
      h.inject({ method: 'POST', url, headers: operator, payload: { graceSeconds: 60 } }),
    );
    assert.equal(res.statusCode, 200, res.body);
    const body = json(res);
    assert.equal(body.previousKeyExpiresAt, at(60));
    assertEnvelope(await h.inject({ method: 'POST', url, headers: operator }), 409, 'CONFLICT', {
      reason: 'superseded',
      supersededBy: body.apiKeyId,
    });
    await rotate(h, body.apiKeyId, bearer(body.key), { graceSeconds: 0 });
    const audit = await h.db
      .selectFrom('audit_log')
      .select(['data', 'api_key_id'])
      .where('organization_id', '=', t.organizationId)
      .where('event_type', '=', 'api_key.rotated')
      .orderBy('id')
      .execute();
    assert.equal(audit.length, 2);
    assert.deepEqual(audit[0], {
      api_key_id: null,
      data: {
        apiKeyId: k.apiKeyId,
        newApiKeyId: body.apiKeyId,
        graceSeconds: 60,
        previousKeyExpiresAt: at(60),
        rotatedBy: 'operator',
      },
    });
    assert.deepEqual([audit[1]!.api_key_id, (audit[1]!.data as any).rotatedBy], [body.apiKeyId, body.apiKeyId]);
  });
});
