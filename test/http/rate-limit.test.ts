import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { consumeCounters } from '../../src/db/queries/rate-limits.js';
import { BUDGETS, createRateLimiter, type RateLimitStore } from '../../src/http/guards/rate-limit.js';
import { assertEnvelope } from '../assertions.js';
import { describeEachDb, json, TEST_DATABASE_URL } from '../harness.js';

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

  it('a PostgreSQL store that fails: keys are still decided, and the per-process stand-in counts', async () => {
    // Nothing listens on port 1: every counter statement fails at once.
    const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none' });
    pool.on('error', () => {});
    let storeErrors = 0;
    const budgets = structuredClone(BUDGETS);
    budgets.standard['write-light'] = 2;
    const rateLimiter = createRateLimiter({ kind: 'postgres', pool }, { budgets, onStoreError: () => storeErrors++ });
    const app = await buildApp({ ...h.deps, rateLimiter });
    try {
      const t = await h.tenant({ tier: 'standard' });
      const del = (authorization: string) =>
        app.inject({ method: 'DELETE', url: unknownAccount(), headers: { authorization } });
      assertEnvelope(await del(`${t.auth.authorization.slice(0, -4)}AAAA`), 401, 'UNAUTHENTICATED');
      for (const remaining of ['1', '0']) {
        const res = await del(t.auth.authorization);
        assert.equal(res.statusCode, 404, res.body);
        assert.equal(res.headers['ratelimit-remaining'], remaining);
      }
      const limited = await del(t.auth.authorization);
      assertEnvelope(limited, 429, 'RATE_LIMITED', {
        endpointClass: 'write-light',
        limit: 2,
        retryAfterSeconds: Number(limited.headers['retry-after']),
      });
      // Each window the stand-in answered is one store error: minute and day twice, then the minute.
      assert.equal(storeErrors, 5);
    } finally {
      await app.close();
      await pool.end();
    }
  });

  async function twoInstancesAdmitExactlyTheBudget(
    makeStore: () => Promise<{ store: RateLimitStore; close: () => Promise<void> }>,
  ) {
    const prefix = `rl-test-${randomBytes(4).toString('hex')}`;
    const a = await makeStore();
    const b = await makeStore();
    let storeErrors = 0; // the per-process stand-in answered: the shared store failed
    const limiter = (store: RateLimitStore) => createRateLimiter(store, { prefix, onStoreError: () => storeErrors++ });
    const appA = await buildApp({ ...h.deps, rateLimiter: limiter(a.store) });
    const appB = await buildApp({ ...h.deps, rateLimiter: limiter(b.store) });
    try {
      const t = await h.tenant({ tier: 'standard' });
      const results = await Promise.all(
        Array.from({ length: 90 }, (_, i) =>
          (i % 2 ? appA : appB).inject({ method: 'DELETE', url: unknownAccount(), headers: t.auth }),
        ),
      );
      // Every status at once, with the first unexpected answer: a 500 (the database out of
      // connections on a loaded machine) reads differently from a miscount.
      const statuses: Record<number, number> = {};
      for (const r of results) statuses[r.statusCode] = (statuses[r.statusCode] ?? 0) + 1;
      const odd = results.find((r) => r.statusCode !== 404 && r.statusCode !== 429);
      assert.equal(storeErrors, 0, 'the shared store failed and the per-process stand-in answered');
      assert.deepEqual(statuses, { 404: 60, 429: 30 }, odd?.body);
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
    /**
     * An app whose limiter uses the PostgreSQL store on a pool of one connection (this harness's
     * schema), every statement sent on it counted where node-postgres sends it.
     */
    async function countedPostgresStore(budgets: typeof BUDGETS, preparedStatements?: boolean) {
      const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1, options: `-c search_path=${h.schema}` });
      const counted = { statements: 0, storeErrors: 0 };
      pool.on('connect', (client) => {
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        client.query = ((...args: unknown[]) => {
          counted.statements++;
          return query(...args);
        }) as typeof client.query;
      });
      const prefix = `rl-${randomBytes(4).toString('hex')}`;
      const store: RateLimitStore = { kind: 'postgres', pool, preparedStatements };
      const onStoreError = () => counted.storeErrors++; // the per-process stand-in answered instead
      const app = await buildApp({
        ...h.deps,
        rateLimiter: createRateLimiter(store, { prefix, budgets, onStoreError }),
      });
      const rows = async () => {
        const { rows } = await pool.query('SELECT key, points FROM rate_limits WHERE key LIKE $1 ORDER BY key', [
          `${prefix}:%`,
        ]);
        return Object.fromEntries(rows.map((r) => [r.key.slice(prefix.length + 1).replace(/:key_.*$/, ''), r.points]));
      };
      const close = async () => {
        await app.close();
        await pool.end();
      };
      return { app, pool, counted, rows, close };
    }

    it('PostgreSQL store: a request alone is one counter statement, a write’s minute and day together; a refused write does not count against the day', async () => {
      const budgets = structuredClone(BUDGETS);
      budgets.standard['write-light'] = 2;
      budgets.standard.dailyWrites = 3;
      const { app, pool, counted, rows, close } = await countedPostgresStore(budgets);
      try {
        const t = await h.tenant({ tier: 'standard' });
        const read = await app.inject({ method: 'GET', url: '/v1/whoami', headers: t.auth });
        assert.equal(read.statusCode, 200, read.body);
        assert.deepEqual([read.headers['ratelimit-limit'], read.headers['ratelimit-remaining']], ['120', '119']);
        assertStatements(counted, 1);
        for (const remaining of ['1', '0']) {
          const res = await app.inject({ method: 'DELETE', url: unknownAccount(), headers: t.auth });
          assert.equal(res.statusCode, 404, res.body);
          assert.deepEqual([res.headers['ratelimit-limit'], res.headers['ratelimit-remaining']], ['2', remaining]);
        }
        assertStatements(counted, 3, 'a write: one statement for both windows');
        const limited = await app.inject({ method: 'DELETE', url: unknownAccount(), headers: t.auth });
        assertEnvelope(limited, 429, 'RATE_LIMITED', {
          endpointClass: 'write-light',
          limit: 2,
          retryAfterSeconds: Number(limited.headers['retry-after']),
        });
        assertStatements(counted, 4);
        assert.deepEqual(await rows(), { 'standard:daily': 2, 'standard:read-light': 1, 'standard:write-light': 3 });
        const names = (await pool.query('SELECT name FROM pg_prepared_statements')).rows.map((r) => r.name);
        assert.deepEqual(names, ['layers-rate-limit-consume']);
      } finally {
        await close();
      }
    });

    it('PostgreSQL store: a key the guard refuses is never counted — wrong secret, wrong environment, revoked, expired, each kill switch, a suspended organization', async () => {
      const { app, counted, rows, close } = await countedPostgresStore(structuredClone(BUDGETS));
      const t = await h.tenant({ tier: 'standard' });
      const del = (authorization: string) =>
        app.inject({ method: 'DELETE', url: unknownAccount(), headers: { authorization } });
      const set = (table: 'api_keys' | 'organizations', values: Record<string, unknown>, id: string) =>
        h.db.updateTable(table).set(values).where('id', '=', id).execute();
      try {
        assertEnvelope(await del(`${t.auth.authorization.slice(0, -4)}AAAA`), 401, 'UNAUTHENTICATED');
        assertEnvelope(await del(t.auth.authorization.replace('lp_test_', 'lp_live_')), 401, 'UNAUTHENTICATED');
        const killed = (scope: string) => ({ status: 503, code: 'KILL_SWITCH', details: { scope } });
        const unauthenticated = { status: 401, code: 'UNAUTHENTICATED', details: undefined };
        const settings = (on: boolean) => () => h.db.updateTable('settings').set({ global_kill_switch: on }).execute();
        const refusals = [
          {
            ...killed('key'),
            on: () => set('api_keys', { kill_switch: true }, t.apiKeyId),
            off: () => set('api_keys', { kill_switch: false }, t.apiKeyId),
          },
          {
            ...killed('organization'),
            on: () => set('organizations', { kill_switch: true }, t.organizationId),
            off: () => set('organizations', { kill_switch: false }, t.organizationId),
          },
          {
            ...killed('organization'),
            on: () => set('organizations', { status: 'suspended' }, t.organizationId),
            off: () => set('organizations', { status: 'active' }, t.organizationId),
          },
          { ...killed('global'), on: settings(true), off: settings(false) },
          {
            ...unauthenticated,
            on: () => set('api_keys', { expires_at: new Date(Date.now() - 1000) }, t.apiKeyId),
            off: () => set('api_keys', { expires_at: null }, t.apiKeyId),
          },
          { ...unauthenticated, on: () => set('api_keys', { revoked_at: new Date() }, t.apiKeyId), off: undefined },
        ];
        for (const r of refusals) {
          await r.on();
          assertEnvelope(await del(t.auth.authorization), r.status, r.code, r.details);
          if (!r.off) continue;
          await r.off();
          // Switched off again, the key is counted: the refusal above was not.
          assert.equal((await del(t.auth.authorization)).statusCode, 404);
        }
        assertStatements(counted, 5, 'a refused request costs no counter statement');
        // Only the five admitted requests (after each refusal was lifted) were counted.
        assert.deepEqual(await rows(), { 'standard:daily': 5, 'standard:write-light': 5 });
      } finally {
        await close();
      }
    });

    it('PostgreSQL store: requests that arrive while counter statements are in flight share the next one, each with its exact count', async () => {
      const { pool, counted, close } = await countedPostgresStore(structuredClone(BUDGETS));
      const prefix = `rl-batch-${randomBytes(4).toString('hex')}`;
      const minute = { key: `${prefix}:standard:write-light:k1`, durationMs: 60_000 };
      const daily = { key: `${prefix}:standard:daily:k1`, durationMs: 86_400_000 };
      const read = { key: `${prefix}:standard:read-light:k1`, durationMs: 60_000 };
      try {
        // 30 writes (a minute limit of 20) and 5 reads of one key, all at once: the first two
        // statements go out alone, the other 33 requests wait for one of them and go together.
        const writes = Array.from({ length: 30 }, () => consumeCounters(pool, minute, 20, daily));
        const reads = Array.from({ length: 5 }, () => consumeCounters(pool, read, 100, undefined));
        const [w, r] = [await Promise.all(writes), await Promise.all(reads)];
        assertStatements(counted, 3, 'two alone, then the rest in one');
        // In order of arrival, as one statement each would have counted them.
        assert.deepEqual(
          w.map((c) => c.minute.points),
          Array.from({ length: 30 }, (_, i) => i + 1),
        );
        // The day counts only the 20 the minute admitted, 1 to 20 in the same order.
        assert.deepEqual(
          w.map((c) => c.daily?.points),
          Array.from({ length: 30 }, (_, i) => (i < 20 ? i + 1 : undefined)),
        );
        assert.deepEqual(
          r.map((c) => [c.minute.points, c.daily]),
          [1, 2, 3, 4, 5].map((n) => [n, undefined]),
        );
        const expiry = new Set(w.map((c) => c.minute.expire));
        assert.equal(expiry.size, 1, 'one window, one expiry');
        const stored = await pool.query('SELECT key, points FROM rate_limits WHERE key LIKE $1 ORDER BY key', [
          `${prefix}:%`,
        ]);
        assert.deepEqual(
          stored.rows.map((x) => [x.key.slice(prefix.length + 1), x.points]),
          [
            ['standard:daily:k1', 20],
            ['standard:read-light:k1', 5],
            ['standard:write-light:k1', 30],
          ],
        );
      } finally {
        await close();
      }
    });

    it('PostgreSQL store: concurrent requests through the API are admitted exactly to the budget, each with its own remaining count', async () => {
      const budgets = structuredClone(BUDGETS);
      budgets.standard['write-light'] = 20;
      const { app, rows, close } = await countedPostgresStore(budgets);
      try {
        const t = await h.tenant({ tier: 'standard' });
        const results = await Promise.all(
          Array.from({ length: 30 }, () => app.inject({ method: 'DELETE', url: unknownAccount(), headers: t.auth })),
        );
        const statuses: Record<number, number> = {};
        for (const r of results) statuses[r.statusCode] = (statuses[r.statusCode] ?? 0) + 1;
        assert.deepEqual(statuses, { 404: 20, 429: 10 });
        const remaining = results
          .filter((r) => r.statusCode === 404)
          .map((r) => Number(r.headers['ratelimit-remaining']))
          .sort((a, b) => a - b);
        assert.deepEqual(
          remaining,
          Array.from({ length: 20 }, (_, i) => i),
        );
        assert.deepEqual(await rows(), { 'standard:daily': 20, 'standard:write-light': 30 });
      } finally {
        await close();
      }
    });

    it('PostgreSQL store: the daily write cap answers with its own limit and the day’s Retry-After; off, nothing is prepared', async () => {
      const budgets = structuredClone(BUDGETS);
      budgets.standard.dailyWrites = 2;
      const { app, pool, counted, rows, close } = await countedPostgresStore(budgets, false);
      try {
        const t = await h.tenant({ tier: 'standard' });
        for (let i = 0; i < 2; i++)
          assert.equal(
            (await app.inject({ method: 'DELETE', url: unknownAccount(), headers: t.auth })).statusCode,
            404,
          );
        const limited = await app.inject({ method: 'DELETE', url: unknownAccount(), headers: t.auth });
        assert.equal(limited.statusCode, 429, limited.body);
        assert.equal(json(limited).error.details.limit, 2);
        assert.equal(limited.headers['ratelimit-limit'], '2');
        assert.ok(Number(limited.headers['retry-after']) > 86_000, `Retry-After ${limited.headers['retry-after']}`);
        assertStatements(counted, 3);
        assert.deepEqual(await rows(), { 'standard:daily': 3, 'standard:write-light': 3 });
        assert.deepEqual((await pool.query('SELECT name FROM pg_prepared_statements')).rows, []);
      } finally {
        await close();
      }
    });

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

/** The statements counted, once it is clear the store answered (not the stand-in it falls back to). */
function assertStatements(counted: { statements: number; storeErrors: number }, n: number, message?: string) {
  assert.equal(
    counted.storeErrors,
    0,
    'the PostgreSQL store failed and the per-process stand-in answered (is the server out of connections?)',
  );
  assert.equal(counted.statements, n, message);
}
