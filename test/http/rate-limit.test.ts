import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { buildApp } from '../../src/app.js';
import { BUDGETS, createRateLimiter, type RateLimitStore } from '../../src/http/guards/rate-limit.js';
import { assertEnvelope } from '../assertions.js';
import { describeEachDb, json } from '../harness.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const unknownAccount = () => `/v1/social-accounts/sa_${randomUUID()}`;

describeEachDb('rate limits', (h) => {
  it('the 61st write-light request in a minute on a standard key → 429 with Retry-After; reads unaffected', async () => {
    const t = await h.tenant({ tier: 'standard' });
    for (let i = 1; i <= 60; i++) {
      // A 404 costs the same as a 200.
      const res = await h.inject({ method: 'DELETE', url: unknownAccount(), headers: t.auth });
      assert.equal(res.statusCode, 404, res.body);
      assert.equal(res.headers['x-ratelimit-endpoint-class'], 'write-light');
      assert.equal(res.headers['ratelimit-limit'], '60');
      assert.equal(res.headers['ratelimit-remaining'], String(60 - i));
      const reset = Number(res.headers['ratelimit-reset']);
      assert.ok(reset >= 1 && reset <= 60, `reset ${reset}`);
    }
    const limited = await h.inject({ method: 'DELETE', url: unknownAccount(), headers: t.auth });
    const err = assertEnvelope(limited, 429, 'RATE_LIMITED', {
      endpointClass: 'write-light',
      limit: 60,
      retryAfterSeconds: Number(limited.headers['retry-after']),
    });
    assert.match(err.message, /write-light/);
    const retryAfter = Number(limited.headers['retry-after']);
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.equal(limited.headers['ratelimit-remaining'], '0');
    const read = await h.inject({ method: 'GET', url: '/v1/whoami', headers: t.auth });
    assert.equal(read.statusCode, 200, read.body);
    assert.equal(read.headers['x-ratelimit-endpoint-class'], 'read-light');
    assert.equal(read.headers['ratelimit-limit'], '120');
    assert.equal(read.headers['ratelimit-remaining'], '119');
  });

  it('waiting Retry-After is always enough (3-second window)', async () => {
    // A tiny budget so the window is spent in two requests even on a loaded machine; should the
    // window still roll over before the 429, the attempt is repeated (never a timing assertion).
    const saved = h.deps.rateLimiter;
    const budgets = structuredClone(BUDGETS);
    budgets.standard['write-light'] = 2;
    h.deps.rateLimiter = createRateLimiter({ kind: 'memory' }, { windowSeconds: 3, budgets });
    try {
      let limited: Awaited<ReturnType<typeof h.inject>> | undefined;
      for (let attempt = 0; attempt < 3 && limited?.statusCode !== 429; attempt++) {
        const t = await h.tenant({ tier: 'standard' });
        for (let i = 0; i < 2; i++) await h.inject({ method: 'DELETE', url: unknownAccount(), headers: t.auth });
        limited = await h.inject({ method: 'DELETE', url: unknownAccount(), headers: t.auth });
        if (limited.statusCode !== 429) continue;
        const retryAfter = Number(limited.headers['retry-after']);
        assert.ok(retryAfter >= 1 && retryAfter <= 3, `Retry-After ${retryAfter}`);
        await sleep(retryAfter * 1000);
        const after = await h.inject({ method: 'DELETE', url: unknownAccount(), headers: t.auth });
        assert.equal(after.statusCode, 404, `admitted after Retry-After: ${after.body}`);
      }
      assert.equal(limited?.statusCode, 429, 'the budget was spent within a window');
    } finally {
      h.deps.rateLimiter = saved;
    }
  });

  it('the daily write cap applies across write classes and answers with the day’s Retry-After', async () => {
    const saved = h.deps.rateLimiter;
    const budgets = structuredClone(BUDGETS);
    budgets.standard.dailyWrites = 5;
    h.deps.rateLimiter = createRateLimiter({ kind: 'memory' }, { budgets });
    try {
      const t = await h.tenant({ tier: 'standard' });
      for (let i = 0; i < 5; i++)
        assert.equal((await h.inject({ method: 'DELETE', url: unknownAccount(), headers: t.auth })).statusCode, 404);
      const limited = await h.inject({ method: 'DELETE', url: unknownAccount(), headers: t.auth });
      assert.equal(limited.statusCode, 429, limited.body);
      assert.equal(json(limited).error.details.limit, 5);
      assert.ok(Number(limited.headers['retry-after']) > 86_000, `Retry-After ${limited.headers['retry-after']}`);
      assert.equal((await h.inject({ method: 'GET', url: '/v1/whoami', headers: t.auth })).statusCode, 200);
    } finally {
      h.deps.rateLimiter = saved;
    }
  });

  async function twoInstancesAdmitExactlyTheBudget(
    makeStore: () => Promise<{ store: RateLimitStore; close: () => Promise<void> }>,
  ) {
    const prefix = `rl-test-${randomBytes(4).toString('hex')}`;
    const a = await makeStore();
    const b = await makeStore();
    const appA = await buildApp({ ...h.deps, rateLimiter: createRateLimiter(a.store, { prefix }) });
    const appB = await buildApp({ ...h.deps, rateLimiter: createRateLimiter(b.store, { prefix }) });
    try {
      const t = await h.tenant({ tier: 'standard' });
      const results = await Promise.all(
        Array.from({ length: 90 }, (_, i) =>
          (i % 2 ? appA : appB).inject({ method: 'DELETE', url: unknownAccount(), headers: t.auth }),
        ),
      );
      const admitted = results.filter((r) => r.statusCode === 404).length;
      const limited = results.filter((r) => r.statusCode === 429).length;
      assert.equal(admitted, 60, `admitted ${admitted}`);
      assert.equal(limited, 30);
    } finally {
      await appA.close();
      await appB.close();
      await a.close();
      await b.close();
    }
  }

  it('two app instances on one Redis admit exactly the budget together', async () => {
    await twoInstancesAdmitExactlyTheBudget(async () => {
      const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
      await client.ping();
      return { store: { kind: 'redis', client }, close: async () => void client.disconnect() };
    });
  });

  if (h.kind === 'postgres') {
    it('two app instances on one PostgreSQL admit exactly the budget together', async () => {
      const { openDatabase } = await import('../../src/db/client.js');
      const { TEST_DATABASE_URL } = await import('../harness.js');
      const searchPath = (await h.sql<{ s: string }>`SELECT current_schema() AS s`.execute(h.db)).rows[0]!.s;
      await twoInstancesAdmitExactlyTheBudget(async () => {
        const handle = await openDatabase({ databaseUrl: TEST_DATABASE_URL, searchPath });
        return { store: { kind: 'postgres', pool: handle.pgPool! }, close: () => handle.close() };
      });
    });
  }
});
