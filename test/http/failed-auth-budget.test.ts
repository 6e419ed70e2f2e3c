import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import type { KyselyPlugin } from 'kysely';
import { type BuildOptions, buildApp } from '../../src/app.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { AUTH_FAILURES_PER_MINUTE, clientKey, createFailedAuthLimiter } from '../../src/http/guards/rate-limit.js';
import { assertEnvelope } from '../assertions.js';
import { describeEachDb, json } from '../harness.js';

// Requests without a valid key are cheap to refuse: a budget of failed attempts per client
// address, checked before any database query. No key and malformed keys never reach the
// database; a well-formed unknown key costs one lookup; a spent budget answers 429 with none.

const UNAUTHENTICATED = 'Missing or invalid API key. Send "Authorization: Bearer lp_<live|test>_…".';

/** Counts every statement the app sends to the database. */
function queryCounter() {
  const counter = { queries: 0 };
  const plugin: KyselyPlugin = {
    transformQuery: (args) => {
      counter.queries++;
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  return { counter, plugin };
}

describe('failed-auth budget: configuration', () => {
  it(`${AUTH_FAILURES_PER_MINUTE} a minute unless LAYERS_AUTH_FAILURES_PER_MINUTE says otherwise; LAYERS_TRUST_PROXY is a hop count or proxy addresses, never "true"`, () => {
    assert.equal(loadConfig({}).authFailuresPerMinute, 30);
    assert.equal(loadConfig({ LAYERS_AUTH_FAILURES_PER_MINUTE: '120' }).authFailuresPerMinute, 120);
    assert.throws(() => loadConfig({ LAYERS_AUTH_FAILURES_PER_MINUTE: '0' }), ConfigError);
    assert.equal(loadConfig({}).trustProxy, undefined);
    assert.equal(loadConfig({ LAYERS_TRUST_PROXY: '2' }).trustProxy, 2);
    assert.equal(loadConfig({ LAYERS_TRUST_PROXY: '10.0.0.0/8, loopback' }).trustProxy, '10.0.0.0/8, loopback');
    for (const bad of ['true', 'yes', '0', '10.0.0.0/33'])
      assert.throws(() => loadConfig({ LAYERS_TRUST_PROXY: bad }), ConfigError, bad);
  });

  it('counts IPv4 per address (IPv4-mapped too) and IPv6 per /64, which one host holds whole', () => {
    assert.equal(clientKey('203.0.113.7'), '203.0.113.7');
    assert.equal(clientKey('::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(clientKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
    assert.equal(clientKey('2001:db8:1:2:bbbb::9'), '2001:db8:1:2::/64');
    assert.notEqual(clientKey('2001:db8:1:3::1'), clientKey('2001:db8:1:2::1'));
  });
});

describeEachDb('failed-auth budget per client address', (h) => {
  const BUDGET = 5;
  /** An app with a small budget whose every database statement is counted. */
  async function countedApp(opts: BuildOptions & { windowSeconds?: number } = {}) {
    const { counter, plugin } = queryCounter();
    const app = await buildApp(
      {
        ...h.deps,
        db: h.db.withPlugin(plugin),
        failedAuthLimiter: createFailedAuthLimiter({ perMinute: BUDGET, windowSeconds: opts.windowSeconds }),
      },
      opts,
    );
    return { app, counter };
  }
  const whoami = (app: FastifyInstance, remoteAddress: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'GET', url: '/v1/whoami', remoteAddress, headers });
  const assertLimited = (res: Awaited<ReturnType<typeof whoami>>) => {
    const retryAfter = Number(res.headers['retry-after']);
    assert.ok(
      Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60,
      `Retry-After ${res.headers['retry-after']}`,
    );
    const err = assertEnvelope(res, 429, 'RATE_LIMITED', {
      reason: 'authentication_failures',
      limit: BUDGET,
      retryAfterSeconds: retryAfter,
    });
    assert.equal(
      err.message,
      `Too many failed authentication attempts from this address. Retry after ${retryAfter} s.`,
    );
  };

  it(`requests without a key: ${BUDGET} × 401, then 429 with Retry-After — and not one database query`, async () => {
    const { app, counter } = await countedApp();
    try {
      for (let i = 0; i < BUDGET; i++) {
        const res = await whoami(app, '203.0.113.7');
        assert.equal(assertEnvelope(res, 401, 'UNAUTHENTICATED').message, UNAUTHENTICATED);
      }
      for (let i = 0; i < 3; i++) assertLimited(await whoami(app, '203.0.113.7'));
      assert.equal(counter.queries, 0, 'no statement reached the database');
      assertEnvelope(await whoami(app, '203.0.113.8'), 401, 'UNAUTHENTICATED'); // another address has its own budget
    } finally {
      await app.close();
    }
  });

  it('malformed keys never reach the database; well-formed unknown keys cost one lookup each; a spent budget refuses before any', async () => {
    const { app, counter } = await countedApp();
    try {
      for (const authorization of ['Bearer', 'Basic dXNlcjpwYXNz', 'Bearer lp_test_garbage']) {
        assertEnvelope(await whoami(app, '198.51.100.1', { authorization }), 401, 'UNAUTHENTICATED');
      }
      assert.equal(counter.queries, 0, 'malformed: no lookup');
      const unknown = () => `Bearer lp_test_key_${randomUUID()}_${'A'.repeat(43)}`;
      for (let i = 3; i < BUDGET; i++) {
        const queried: number = counter.queries;
        assertEnvelope(await whoami(app, '198.51.100.1', { authorization: unknown() }), 401, 'UNAUTHENTICATED');
        assert.equal(counter.queries - queried, 1, 'a well-formed unknown key: one lookup');
      }
      const before: number = counter.queries;
      assertLimited(await whoami(app, '198.51.100.1', { authorization: unknown() }));
      const t = await h.tenant();
      assertLimited(await whoami(app, '198.51.100.1', t.auth)); // the price of a free check: the address waits, whatever its key
      assert.equal(counter.queries, before, 'over the budget: no lookup');
      const elsewhere = await whoami(app, '198.51.100.2', t.auth);
      assert.equal(elsewhere.statusCode, 200, elsewhere.body);
    } finally {
      await app.close();
    }
  });

  it('a kill-switched key is not a failed authentication: 503 does not spend the budget', async () => {
    const { app } = await countedApp();
    const t = await h.tenant();
    const killed = await h.inject({ method: 'POST', url: `/v1/api-keys/${t.apiKeyId}/kill`, headers: t.auth });
    assert.equal(killed.statusCode, 200, killed.body);
    try {
      for (let i = 0; i < BUDGET + 2; i++)
        assertEnvelope(await whoami(app, '192.0.2.50', t.auth), 503, 'KILL_SWITCH', { scope: 'key' });
    } finally {
      await app.close();
    }
  });

  it('waiting Retry-After is enough (2-second window)', async () => {
    const { app } = await countedApp({ windowSeconds: 2 });
    try {
      let limited: Awaited<ReturnType<typeof whoami>> | undefined;
      // Should the window roll over before the 429 on a loaded machine, the attempt is repeated.
      for (let attempt = 0; attempt < 3 && limited?.statusCode !== 429; attempt++) {
        const address = `192.0.2.${10 + attempt}`;
        for (let i = 0; i < BUDGET; i++) await whoami(app, address);
        limited = await whoami(app, address);
        if (limited.statusCode !== 429) continue;
        const retryAfter = Number(limited.headers['retry-after']);
        assert.ok(retryAfter >= 1 && retryAfter <= 2, `Retry-After ${retryAfter}`);
        await sleep(retryAfter * 1000);
        assertEnvelope(await whoami(app, address), 401, 'UNAUTHENTICATED');
      }
      assert.equal(limited?.statusCode, 429, limited?.body);
    } finally {
      await app.close();
    }
  });

  it('the client address is the socket’s unless LAYERS_TRUST_PROXY names the proxy: X-Forwarded-For from anyone else changes nothing', async () => {
    const direct = await countedApp();
    const proxied = await countedApp({ trustProxy: 'loopback' });
    try {
      const spoofed = (i: number) => ({ 'x-forwarded-for': `203.0.113.${100 + i}` });
      for (let i = 0; i < BUDGET; i++)
        assertEnvelope(await whoami(direct.app, '127.0.0.1', spoofed(i)), 401, 'UNAUTHENTICATED');
      assertLimited(await whoami(direct.app, '127.0.0.1', spoofed(99)));

      for (let i = 0; i < BUDGET; i++) await whoami(proxied.app, '127.0.0.1', { 'x-forwarded-for': '203.0.113.9' });
      assertLimited(await whoami(proxied.app, '127.0.0.1', { 'x-forwarded-for': '203.0.113.9' }));
      assertEnvelope(
        await whoami(proxied.app, '127.0.0.1', { 'x-forwarded-for': '203.0.113.10' }),
        401,
        'UNAUTHENTICATED',
      );
    } finally {
      await direct.app.close();
      await proxied.app.close();
    }
  });

  it('the Authorization scheme is case-insensitive: bearer and BEARER authenticate', async () => {
    const t = await h.tenant();
    const key = t.auth.authorization.slice('Bearer '.length);
    for (const scheme of ['bearer', 'BEARER', 'Bearer', 'bEaReR']) {
      const res = await h.inject({ method: 'GET', url: '/v1/whoami', headers: { authorization: `${scheme} ${key}` } });
      assert.equal(res.statusCode, 200, `${scheme}: ${res.body}`);
      assert.equal(json(res).apiKeyId, t.apiKeyId);
    }
    for (const authorization of [`Bearer${key}`, `Token ${key}`, `Bearer ${key} extra`]) {
      assertEnvelope(
        await h.inject({ method: 'GET', url: '/v1/whoami', headers: { authorization } }),
        401,
        'UNAUTHENTICATED',
      );
    }
  });
});
