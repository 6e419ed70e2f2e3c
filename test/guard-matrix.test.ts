import assert from 'node:assert/strict';
import { it } from 'node:test';
import { BUDGETS, createRateLimiter } from '../src/http/guards/rate-limit.js';
import { SCOPES } from '../src/http/scopes.js';
import { assertEnvelope } from './assertions.js';
import { ADMIN_TOKEN, describeEachDb, json } from './harness.js';
import { ROUTES } from './route-registry.js';

const ALL_SCOPES = SCOPES.filter((s) => s !== '*');
// Small budgets so every route can be driven to 429 quickly; the real table is tested in rate-limit.test.ts.
const SMALL = { 'read-light': 3, 'write-light': 2, 'long-running': 1, dailyWrites: 1_000 };

describeEachDb('guard matrix', (h) => {
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const setSwitch = (scope: string, on: boolean, target?: string) =>
    h.inject({ method: 'PUT', url: '/admin/v1/kill-switches', headers: admin, payload: { scope, target, on } });

  it('covers every /v1 operation in the OpenAPI document, and nothing else', async () => {
    const doc = json(await h.inject({ method: 'GET', url: '/openapi.json' }));
    const inApp = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .filter(([p]) => p.startsWith('/v1/'))
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    assert.deepEqual(ROUTES.map((r) => `${r.method} ${r.route}`).sort(), inApp);
  });

  for (const r of ROUTES) {
    const name = `${r.method} ${r.route}`;
    const send = (path: string, headers: Record<string, string>) =>
      h.inject({
        method: r.method,
        url: path,
        headers,
        ...(r.payload === undefined ? {} : { payload: r.payload as object }),
      });

    it(`${name}: 401 without a valid key`, async () => {
      const t = await h.tenant();
      const path = await r.path(h, t);
      assertEnvelope(await send(path, {}), 401, 'UNAUTHENTICATED');
      assertEnvelope(await send(path, { authorization: 'Bearer lp_test_garbage' }), 401, 'UNAUTHENTICATED');
    });

    if (r.scope) {
      it(`${name}: 403 FORBIDDEN_SCOPE {requiredScope: ${r.scope}} for a key with every other scope`, async () => {
        const t = await h.tenant();
        const k = await h.key(
          t,
          ALL_SCOPES.filter((s) => s !== r.scope),
        );
        assertEnvelope(await send(await r.path(h, t), k.auth), 403, 'FORBIDDEN_SCOPE', { requiredScope: r.scope });
      });
    }

    if (r.owned) {
      it(`${name}: 404 NOT_FOUND for another organization’s resource`, async () => {
        const owner = await h.tenant();
        const stranger = await h.tenant();
        assertEnvelope(await send(await r.path(h, owner), stranger.auth), 404, 'NOT_FOUND');
      });
    }

    for (const scope of ['key', 'organization', 'global'] as const) {
      it(`${name}: 503 KILL_SWITCH {scope: ${scope}}`, async () => {
        const t = await h.tenant();
        const path = await r.path(h, t);
        const target = scope === 'key' ? t.apiKeyId : scope === 'organization' ? t.organizationId : undefined;
        assert.equal((await setSwitch(scope, true, target)).statusCode, 200);
        try {
          assertEnvelope(await send(path, t.auth), 503, 'KILL_SWITCH', { scope });
        } finally {
          await setSwitch(scope, false, target);
        }
      });
    }

    it(`${name}: counts as ${r.rateClass}; 429 RATE_LIMITED with Retry-After once the budget is spent`, async () => {
      const saved = h.deps.rateLimiter;
      h.deps.rateLimiter = createRateLimiter({ kind: 'memory' }, { budgets: { ...BUDGETS, standard: SMALL } });
      try {
        const t = await h.tenant({ tier: 'standard' });
        const paths = await Promise.all(Array.from({ length: SMALL[r.rateClass] + 1 }, () => r.path(h, t)));
        for (const path of paths.slice(0, -1)) {
          const res = await send(path, t.auth);
          assert.ok(res.statusCode < 429, `${res.statusCode}: ${res.body.slice(0, 300)}`);
          assert.equal(res.headers['x-ratelimit-endpoint-class'], r.rateClass);
        }
        const limited = await send(paths.at(-1)!, t.auth);
        assertEnvelope(limited, 429, 'RATE_LIMITED', {
          endpointClass: r.rateClass,
          limit: SMALL[r.rateClass],
          retryAfterSeconds: Number(limited.headers['retry-after']),
        });
        assert.ok(Number(limited.headers['retry-after']) >= 1);
      } finally {
        h.deps.rateLimiter = saved;
      }
    });
  }
});
