import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseApiKey } from '../../src/crypto/api-key.js';
import { assertEnvelope, assertValidation } from '../assertions.js';
import { describeEachDb, type Harness, json, type Tenant } from '../harness.js';

// Self-service keys: POST/GET /v1/organizations/:orgId/api-keys, DELETE …/api-keys/:keyId.

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const MISSING_ORG = 'org_00000000-0000-4000-8000-000000000000';

function keysUrl(t: Tenant, suffix = '') {
  return `/v1/organizations/${t.organizationId}/api-keys${suffix}`;
}

async function create(h: Harness, t: Tenant, auth: { authorization: string }, payload: object) {
  return h.inject({ method: 'POST', url: keysUrl(t), headers: auth, payload });
}

describeEachDb('self-service API keys', (h) => {
  it('create: 201 with the key once; it authenticates with the scopes, tier and env asked; audited', async () => {
    const t = await h.tenant({ tier: 'pilot' });
    const res = await create(h, t, t.auth, { name: 'CI deploys', scopes: ['social:read', 'social:read'], env: 'test' });
    assert.equal(res.statusCode, 201, res.body);
    const body = json(res);
    assert.deepEqual(Object.keys(body), [
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
      'key',
    ]);
    const parsed = parseApiKey(body.key);
    assert.ok(parsed, `a well-formed key: ${body.key.slice(0, 20)}…`);
    assert.equal(parsed.keyId, body.apiKeyId);
    assert.equal(body.prefix, `lp_test_${body.apiKeyId}_`);
    assert.equal(body.masked, `lp_test_${body.apiKeyId}_…${body.key.slice(-4)}`);
    assert.equal(body.last4, body.key.slice(-4));
    const { apiKeyId: _id, prefix: _p, last4: _l, masked: _m, key: _k, createdAt: _c, ...rest } = body;
    assert.deepEqual(rest, {
      organizationId: t.organizationId,
      name: 'CI deploys',
      scopes: ['social:read'],
      rateLimitTier: 'pilot',
      env: 'test',
      status: 'active',
      killSwitch: false,
      revokedAt: null,
      supersededBy: null,
      expiresAt: null,
    });
    assert.match(body.createdAt, TIMESTAMP);

    const me = json(
      await h.inject({ method: 'GET', url: '/v1/whoami', headers: { authorization: `Bearer ${body.key}` } }),
    );
    assert.deepEqual(
      { apiKeyId: me.apiKeyId, scopes: me.scopes, tier: me.rateLimitTier, env: me.env, org: me.organizationId },
      { apiKeyId: body.apiKeyId, scopes: ['social:read'], tier: 'pilot', env: 'test', org: t.organizationId },
    );
    const audit = await h.db
      .selectFrom('audit_log')
      .select(['data', 'api_key_id'])
      .where('organization_id', '=', t.organizationId)
      .where('event_type', '=', 'api_key.created')
      .execute();
    assert.deepEqual(audit, [
      {
        api_key_id: t.apiKeyId,
        data: {
          apiKeyId: body.apiKeyId,
          name: 'CI deploys',
          scopes: ['social:read'],
          env: 'test',
          rateLimitTier: 'pilot',
          createdBy: t.apiKeyId,
        },
      },
    ]);
  });

  it('create with Idempotency-Key: a replay returns the same key (one key made), stored only sealed', async () => {
    const t = await h.tenant();
    const send = () =>
      h.inject({
        method: 'POST',
        url: keysUrl(t),
        headers: { ...t.auth, 'idempotency-key': 'create-once' },
        payload: { name: 'once', scopes: ['social:read'], env: 'test' },
      });
    const first = await send();
    const replay = await send();
    assert.equal(first.statusCode, 201, first.body);
    assert.deepEqual([replay.statusCode, replay.headers['idempotent-replayed']], [201, 'true']);
    assert.equal(replay.body, first.body, 'byte for byte');
    const stored = await h.db
      .selectFrom('idempotency_keys')
      .select('response_body')
      .where('api_key_id', '=', t.apiKeyId)
      .executeTakeFirstOrThrow();
    assert.ok(!stored.response_body.includes(parseApiKey(json(first).key)!.secret), 'no plaintext secret stored');
    const keys = await h.db
      .selectFrom('api_keys')
      .select('id')
      .where('organization_id', '=', t.organizationId)
      .execute();
    assert.equal(keys.length, 2, 'the tenant key and one created');
  });

  it('scopes are a subset of the caller’s: one it lacks is 403 FORBIDDEN_SCOPE naming it; nothing is created', async () => {
    const t = await h.tenant();
    const admin = await h.key(t, ['org:admin', 'social:read']);
    assertEnvelope(
      await create(h, t, admin.auth, { name: 'x', scopes: ['social:read', 'webhooks:write'], env: 'test' }),
      403,
      'FORBIDDEN_SCOPE',
      { requiredScope: 'webhooks:write' },
    );
    assertEnvelope(await create(h, t, admin.auth, { name: 'x', scopes: ['*'], env: 'test' }), 403, 'FORBIDDEN_SCOPE', {
      requiredScope: '*',
    });
    // It may pass on what it holds, org:admin included.
    const ok = await create(h, t, admin.auth, { name: 'x', scopes: ['org:admin', 'social:read'], env: 'test' });
    assert.equal(ok.statusCode, 201, ok.body);
    const listed = json(await h.inject({ method: 'GET', url: keysUrl(t), headers: t.auth }));
    assert.equal(listed.items.length, 3, 'the tenant key, the admin key and the one created');
    // Without org:admin at all: the route's own 403.
    const plain = await h.key(t, ['social:read']);
    assertEnvelope(
      await create(h, t, plain.auth, { name: 'x', scopes: ['social:read'], env: 'test' }),
      403,
      'FORBIDDEN_SCOPE',
      {
        requiredScope: 'org:admin',
      },
    );
  });

  it('422: an unknown scope, a tier above the caller’s, a live key from a test key, a missing name', async () => {
    const t = await h.tenant({ tier: 'pilot' });
    assertValidation(
      await create(h, t, t.auth, { name: 'x', scopes: ['social:everything'], env: 'test' }),
      422,
      'scopes.0',
    );
    const tier = assertValidation(
      await create(h, t, t.auth, { name: 'x', scopes: ['social:read'], env: 'test', tier: 'partner' }),
      422,
      'tier',
    );
    assert.equal(tier[0]!.message, "must not exceed this key's own tier (pilot)");
    assertValidation(await create(h, t, t.auth, { name: 'x', scopes: ['social:read'], env: 'live' }), 422, 'env');
    assertValidation(await create(h, t, t.auth, { scopes: ['social:read'], env: 'test' }), 422, 'name');
    const live = await h.tenant({ env: 'live' });
    const res = await create(h, live, live.auth, { name: 'sandbox', scopes: ['social:read'], env: 'test' });
    assert.equal(res.statusCode, 201, 'a live key may create test keys');
    assert.ok(json(res).key.startsWith('lp_test_'));
  });

  it('list: masked (prefix and last 4, never a secret), newest first, paginated', async () => {
    const t = await h.tenant();
    const made: string[] = [];
    for (const name of ['a', 'b', 'c']) {
      made.push(json(await create(h, t, t.auth, { name, scopes: ['social:read'], env: 'test' })).key);
    }
    const first = await h.inject({ method: 'GET', url: keysUrl(t, '?limit=2'), headers: t.auth });
    assert.equal(first.statusCode, 200, first.body);
    const p1 = json(first);
    assert.equal(p1.items.length, 2);
    assert.equal(typeof p1.nextCursor, 'string');
    const p2 = json(
      await h.inject({ method: 'GET', url: keysUrl(t, `?limit=2&cursor=${p1.nextCursor}`), headers: t.auth }),
    );
    assert.equal(p2.nextCursor, null);
    const all = [...p1.items, ...p2.items];
    assert.deepEqual(
      all.map((k: any) => k.name),
      ['c', 'b', 'a', null],
      'newest first, the tenant’s own (unnamed) key last',
    );
    for (const [i, key] of made.reverse().entries()) {
      assert.equal(all[i].masked, `lp_test_${all[i].apiKeyId}_…${key.slice(-4)}`);
      const body = first.body + JSON.stringify(p2);
      assert.ok(!body.includes(parseApiKey(key)!.secret), 'no secret in the list');
    }
    assert.ok(all.every((k: any) => !('key' in k)));
    assertValidation(
      await h.inject({ method: 'GET', url: keysUrl(t, '?cursor=nope'), headers: t.auth }),
      422,
      'cursor',
    );
  });

  it('revoke: its next call is 401; idempotent by state (same revokedAt, one audit row); other keys unaffected', async () => {
    const t = await h.tenant();
    const victim = await h.key(t, ['social:read']);
    const url = keysUrl(t, `/${victim.apiKeyId}`);
    const res = await h.inject({ method: 'DELETE', url, headers: t.auth });
    assert.equal(res.statusCode, 200, res.body);
    const body = json(res);
    assert.equal(body.apiKeyId, victim.apiKeyId);
    assert.equal(body.status, 'revoked');
    assert.match(body.revokedAt, TIMESTAMP);
    assertEnvelope(await h.inject({ method: 'GET', url: '/v1/whoami', headers: victim.auth }), 401, 'UNAUTHENTICATED');
    assert.equal((await h.inject({ method: 'GET', url: '/v1/whoami', headers: t.auth })).statusCode, 200);
    await h.atTime(new Date(Date.now() + 60_000), async () => {
      const again = json(await h.inject({ method: 'DELETE', url, headers: t.auth }));
      assert.equal(again.revokedAt, body.revokedAt, 'the first revokedAt stays');
    });
    const audit = await h.db
      .selectFrom('audit_log')
      .select(['data', 'api_key_id'])
      .where('organization_id', '=', t.organizationId)
      .where('event_type', '=', 'api_key.revoked')
      .execute();
    assert.deepEqual(audit, [{ data: { apiKeyId: victim.apiKeyId, revokedBy: t.apiKeyId }, api_key_id: t.apiKeyId }]);
  });

  it('another organization is 404, as its keys are; so is an organization that does not exist', async () => {
    const mine = await h.tenant();
    const other = await h.tenant();
    const theirKey = await h.key(other, ['social:read']);
    const calls = [
      { method: 'POST' as const, url: keysUrl(other), payload: { name: 'x', scopes: ['social:read'], env: 'test' } },
      { method: 'GET' as const, url: keysUrl(other) },
      { method: 'GET' as const, url: `/v1/organizations/${MISSING_ORG}/api-keys` },
      { method: 'DELETE' as const, url: keysUrl(other, `/${theirKey.apiKeyId}`) },
      { method: 'DELETE' as const, url: keysUrl(mine, `/${theirKey.apiKeyId}`) }, // my org, their key
    ];
    for (const c of calls) {
      const err = assertEnvelope(await h.inject({ ...c, headers: mine.auth }), 404, 'NOT_FOUND');
      assert.ok(!err.message.includes(other.organizationId) || c.url.includes(other.organizationId), err.message);
    }
    assert.equal((await h.inject({ method: 'GET', url: '/v1/whoami', headers: theirKey.auth })).statusCode, 200);
  });
});
