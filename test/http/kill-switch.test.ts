import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { buildApp } from '../../src/app.js';
import { createRateLimiter } from '../../src/http/guards/rate-limit.js';
import { assertEnvelope } from '../assertions.js';
import { ADMIN_TOKEN, describeEachDb, json } from '../harness.js';
import { childTenant } from '../support/child-organizations.js';

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

describeEachDb('kill switches', (h) => {
  const setSwitch = async (scope: string, on: boolean, target?: string) => {
    const res = await h.inject({
      method: 'PUT',
      url: '/admin/v1/kill-switches',
      headers: admin,
      payload: { scope, target, on },
    });
    assert.equal(res.statusCode, 200, res.body);
    return json(res);
  };

  for (const [scope, target] of [
    ['key', 'apiKeyId'],
    ['organization', 'organizationId'],
    ['global', undefined],
  ] as const) {
    it(`${scope} switch → 503 KILL_SWITCH {scope: ${scope}} on the next request, on every instance; off restores`, async () => {
      const t = await h.tenant();
      const id = await h.account(t);
      // A second instance on the same database: no cache may hide the flip from it.
      const other = await buildApp({ ...h.deps, rateLimiter: createRateLimiter({ kind: 'memory' }) });
      try {
        assert.equal((await other.inject({ method: 'GET', url: '/v1/whoami', headers: t.auth })).statusCode, 200);
        await setSwitch(scope, true, target ? t[target] : undefined);
        for (const app of [h.app, other]) {
          assertEnvelope(await app.inject({ method: 'GET', url: '/v1/whoami', headers: t.auth }), 503, 'KILL_SWITCH', {
            scope,
          });
          assertEnvelope(
            await app.inject({ method: 'DELETE', url: `/v1/social-accounts/${id}`, headers: t.auth }),
            503,
            'KILL_SWITCH',
            { scope },
          );
        }
        await setSwitch(scope, false, target ? t[target] : undefined);
        assert.equal((await other.inject({ method: 'GET', url: '/v1/whoami', headers: t.auth })).statusCode, 200);
        assert.equal(
          (await h.inject({ method: 'DELETE', url: `/v1/social-accounts/${id}`, headers: t.auth })).statusCode,
          200,
        );
      } finally {
        await setSwitch(scope, false, target ? t[target] : undefined);
        await other.close();
      }
    });
  }

  it('the broadest switch that is on is the one reported', async () => {
    const t = await h.tenant();
    await setSwitch('key', true, t.apiKeyId);
    await setSwitch('organization', true, t.organizationId);
    try {
      assertEnvelope(await h.inject({ method: 'GET', url: '/v1/whoami', headers: t.auth }), 503, 'KILL_SWITCH', {
        scope: 'organization',
      });
    } finally {
      await setSwitch('organization', false, t.organizationId);
      await setSwitch('key', false, t.apiKeyId);
    }
  });

  it('the operator’s switch on a parent reaches its children on their next request; off restores them, not a suspension', async () => {
    const parent = await h.tenant();
    const child = await childTenant(h, parent);
    const suspended = await childTenant(h, parent, 'Suspended customer');
    const stranger = await h.tenant();
    const whoami = (auth: Record<string, string>) => h.inject({ method: 'GET', url: '/v1/whoami', headers: auth });
    const suspend = await h.inject({
      method: 'POST',
      url: `/v1/organizations/${suspended.organizationId}/suspend`,
      headers: parent.auth,
    });
    assert.equal(suspend.statusCode, 200, suspend.body);
    // A second instance on the same database: no cache may hide the flip from it.
    const other = await buildApp({ ...h.deps, rateLimiter: createRateLimiter({ kind: 'memory' }) });
    try {
      assert.equal((await whoami(child.auth)).statusCode, 200);
      await setSwitch('organization', true, parent.organizationId);
      for (const app of [h.app, other]) {
        for (const t of [parent, child, suspended]) {
          const res = await app.inject({ method: 'GET', url: '/v1/whoami', headers: t.auth });
          assertEnvelope(res, 503, 'KILL_SWITCH', { scope: 'organization' });
          assert.equal(json(res).error.message, 'Your organization has been disabled by a kill switch.');
        }
        assert.equal((await app.inject({ method: 'GET', url: '/v1/whoami', headers: stranger.auth })).statusCode, 200);
      }
      // The child's own switch is its own: the parent's going off does not lift it, nor the suspension.
      await setSwitch('organization', true, child.organizationId);
      await setSwitch('organization', false, parent.organizationId);
      assertEnvelope(await whoami(child.auth), 503, 'KILL_SWITCH', { scope: 'organization' });
      assertEnvelope(await whoami(suspended.auth), 503, 'KILL_SWITCH', { scope: 'organization' });
      assert.equal((await whoami(parent.auth)).statusCode, 200);
      await setSwitch('organization', false, child.organizationId);
      assert.equal((await other.inject({ method: 'GET', url: '/v1/whoami', headers: child.auth })).statusCode, 200);
    } finally {
      await setSwitch('organization', false, parent.organizationId);
      await setSwitch('organization', false, child.organizationId);
      await other.close();
    }
  });

  it('a key killed by another key of the same organization gets 503 from then on; idempotent by state', async () => {
    const t = await h.tenant();
    const victim = await h.key(t, ['social:read']);
    const killer = await h.key(t, ['social:read']); // no scope needed to kill
    const first = await h.inject({ method: 'POST', url: `/v1/api-keys/${victim.apiKeyId}/kill`, headers: killer.auth });
    assert.equal(first.statusCode, 200, first.body);
    const body = json(first);
    assert.deepEqual(Object.keys(body), ['apiKeyId', 'killSwitch', 'killedAt']);
    assert.equal(body.apiKeyId, victim.apiKeyId);
    assert.equal(body.killSwitch, true);
    assert.match(body.killedAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assertEnvelope(await h.inject({ method: 'GET', url: '/v1/whoami', headers: victim.auth }), 503, 'KILL_SWITCH', {
      scope: 'key',
    });
    await h.atTime(new Date(Date.now() + 60_000), async () => {
      const again = await h.inject({ method: 'POST', url: `/v1/api-keys/${victim.apiKeyId}/kill`, headers: t.auth });
      assert.deepEqual(json(again), body, 'same killedAt');
    });
    const audit = await h.db
      .selectFrom('audit_log')
      .select(['data', 'api_key_id'])
      .where('organization_id', '=', t.organizationId)
      .where('event_type', '=', 'api_key.killed')
      .execute();
    assert.deepEqual(audit, [
      { data: { apiKeyId: victim.apiKeyId, killedBy: killer.apiKeyId }, api_key_id: killer.apiKeyId },
    ]);
    await setSwitch('key', false, victim.apiKeyId);
    assert.equal(
      (await h.inject({ method: 'GET', url: '/v1/whoami', headers: victim.auth })).statusCode,
      200,
      'operator un-kill',
    );
  });

  it('a key can kill itself (leak response)', async () => {
    const t = await h.tenant();
    assert.equal(
      (await h.inject({ method: 'POST', url: `/v1/api-keys/${t.apiKeyId}/kill`, headers: t.auth })).statusCode,
      200,
    );
    assertEnvelope(await h.inject({ method: 'GET', url: '/v1/whoami', headers: t.auth }), 503, 'KILL_SWITCH', {
      scope: 'key',
    });
  });

  it('a key of another organization cannot kill it: 404, and the key keeps working', async () => {
    const t = await h.tenant();
    const stranger = await h.tenant();
    assertEnvelope(
      await h.inject({ method: 'POST', url: `/v1/api-keys/${t.apiKeyId}/kill`, headers: stranger.auth }),
      404,
      'NOT_FOUND',
    );
    assertEnvelope(
      await h.inject({ method: 'POST', url: `/v1/api-keys/key_${randomUUID()}/kill`, headers: stranger.auth }),
      404,
      'NOT_FOUND',
    );
    assertEnvelope(
      await h.inject({ method: 'POST', url: `/v1/api-keys/nope/kill`, headers: stranger.auth }),
      400,
      'VALIDATION',
      {
        issues: [{ path: 'keyId', message: 'must be a key_<uuid> id' }],
      },
    );
    assert.equal((await h.inject({ method: 'GET', url: '/v1/whoami', headers: t.auth })).statusCode, 200);
  });

  it('operator plane: 401 without the operator token, 404 for an unknown target, 422 without a target', async () => {
    assertEnvelope(
      await h.inject({ method: 'PUT', url: '/admin/v1/kill-switches', payload: { scope: 'global', on: true } }),
      401,
      'UNAUTHENTICATED',
    );
    assertEnvelope(
      await h.inject({
        method: 'PUT',
        url: '/admin/v1/kill-switches',
        headers: admin,
        payload: { scope: 'key', target: `key_${randomUUID()}`, on: true },
      }),
      404,
      'NOT_FOUND',
    );
    assertEnvelope(
      await h.inject({
        method: 'PUT',
        url: '/admin/v1/kill-switches',
        headers: admin,
        payload: { scope: 'organization', on: true },
      }),
      422,
      'VALIDATION',
      {
        issues: [{ path: 'target', message: 'required' }],
      },
    );
  });
});

describeEachDb('GET /v1/whoami', (h) => {
  it('returns the key’s identity, with any valid key and no scope', async () => {
    const t = await h.tenant({ tier: 'pilot' });
    const k = await h.key(t, ['content:read']);
    const res = await h.inject({ method: 'GET', url: '/v1/whoami', headers: k.auth });
    assert.equal(res.statusCode, 200, res.body);
    const org = await h.db
      .selectFrom('organizations')
      .select('name')
      .where('id', '=', t.organizationId)
      .executeTakeFirstOrThrow();
    assert.deepEqual(json(res), {
      organizationId: t.organizationId,
      organizationName: org.name,
      parentOrganizationId: null,
      apiKeyId: k.apiKeyId,
      scopes: ['content:read'],
      rateLimitTier: 'partner',
      env: 'test',
    });
  });
});
