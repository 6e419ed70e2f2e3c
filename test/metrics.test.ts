import assert from 'node:assert/strict';
import { it } from 'node:test';
import pg from 'pg';
import { pino } from 'pino';
import { BUDGETS, createRateLimiter } from '../src/http/guards/rate-limit.js';
import { createMetrics, type Metrics } from '../src/metrics.js';
import { startMetricsServer } from '../src/metrics-server.js';
import { describeEachDb } from './harness.js';
import { parseExposition } from './support/prometheus.js';

// The process's metrics (src/metrics.ts) as Prometheus scrapes them: the exposition parses, and
// requests, guard refusals, queues and store errors move what they should.

async function scrape(metrics: Metrics) {
  const { contentType, body } = await metrics.exposition();
  assert.match(contentType, /^text\/plain; version=0\.0\.4/);
  return parseExposition(body);
}

const sample = (s: Map<string, number>, key: string) => s.get(key) ?? 0;

it('a rate-limit store that fails: the memory limiter answers and each failure is counted', async () => {
  const metrics = createMetrics();
  const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', connectionTimeoutMillis: 500 });
  pool.on('error', () => {});
  try {
    const limiter = createRateLimiter(
      { kind: 'postgres', pool },
      { budgets: BUDGETS, onStoreError: metrics.rateLimitStoreError },
    );
    const reply = { header: () => reply } as never;
    await limiter.consume({ apiKeyId: 'ak_1', rateLimitTier: 'partner' }, 'read-light', reply);
    await limiter.consume({ apiKeyId: 'ak_1', rateLimitTier: 'partner' }, 'read-light', reply);
    assert.equal(sample(await scrape(metrics), 'layers_rate_limit_store_errors_total'), 2);
  } finally {
    await pool.end();
  }
});

it('two processes’ worth of metrics in one process: each registry counts its own', async () => {
  const a = createMetrics();
  const b = createMetrics();
  a.observeRequest({ method: 'GET', route: '/x', statusCode: 429, seconds: 0.01, errorCode: 'RATE_LIMITED' });
  const key = 'layers_guard_rejections_total{code="RATE_LIMITED",status_code="429"}';
  assert.equal(sample(await scrape(a), key), 1);
  assert.equal(sample(await scrape(b), key), 0);
});

describeEachDb('metrics', (h) => {
  it('the exposition parses; a revoke moves the request histogram and the outbox depth; a 429 moves the guard counter', async () => {
    const metrics = h.deps.metrics!;
    const t = await h.tenant();
    const account = await h.account(t);
    const route = 'method="DELETE",route="/v1/social-accounts/:socialAccountId",status_code="200"';
    const count = `layers_http_request_duration_seconds_count{${route}}`;
    const outbox = 'layers_queue_depth{queue="outbox"}';
    const before = await scrape(metrics);
    for (const q of ['due_posts', 'webhook_deliveries', 'upstream_revocations', 'outbox', 'canceled_posts']) {
      assert.ok(before.has(`layers_queue_depth{queue="${q}"}`), `queue ${q}: ${[...before.keys()].join(' ')}`);
      assert.ok(before.has(`layers_queue_oldest_age_seconds{queue="${q}"}`), q);
      assert.ok(!Number.isNaN(before.get(`layers_queue_depth{queue="${q}"}`)), `queue ${q}: the query answered`);
    }
    assert.equal(before.has('layers_db_pool_clients{state="total"}'), h.kind === 'postgres', 'pool gauges: pg only');

    const res = await h.inject({ method: 'DELETE', url: `/v1/social-accounts/${account}`, headers: t.auth });
    assert.equal(res.statusCode, 200, res.body);
    const after = await scrape(metrics);
    assert.equal(sample(after, count), sample(before, count) + 1, 'one more revoke observed');
    assert.ok(sample(after, `layers_http_request_duration_seconds_bucket{le="+Inf",${route}}`) >= 1);
    assert.ok(
      sample(after, outbox) > sample(before, outbox),
      `outbox ${sample(before, outbox)} → ${sample(after, outbox)}`,
    );
    assert.ok(sample(after, 'layers_queue_oldest_age_seconds{queue="outbox"}') >= 0);

    // A guard's refusal: the failed-authentication budget is huge in the harness, so spend a key's own.
    const guard = 'layers_guard_rejections_total{code="UNAUTHENTICATED",status_code="401"}';
    const unauth = await h.inject({
      method: 'GET',
      url: '/v1/whoami',
      headers: { authorization: 'Bearer lp_test_nope' },
    });
    assert.equal(unauth.statusCode, 401);
    const limited = await h.tenant({ tier: 'standard' });
    let last = 0;
    for (let i = 0; i <= BUDGETS.standard['read-light'] && last !== 429; i++)
      last = (await h.inject({ method: 'GET', url: '/v1/whoami', headers: limited.auth })).statusCode;
    assert.equal(last, 429);
    const end = await scrape(metrics);
    assert.equal(sample(end, guard), sample(after, guard) + 1);
    assert.equal(
      sample(end, 'layers_guard_rejections_total{code="RATE_LIMITED",status_code="429"}'),
      sample(after, 'layers_guard_rejections_total{code="RATE_LIMITED",status_code="429"}') + 1,
    );
  });

  it('the metrics port answers /metrics, /healthz, /readyz and nothing else', async () => {
    const server = await startMetricsServer({
      metrics: h.deps.metrics!,
      db: h.db,
      host: '127.0.0.1',
      port: 0,
      log: pino({ level: 'silent' }),
    });
    try {
      const m = await fetch(`${server.url}/metrics`);
      assert.equal(m.status, 200);
      assert.ok(parseExposition(await m.text()).has('layers_queue_depth{queue="outbox"}'));
      assert.deepEqual(await (await fetch(`${server.url}/healthz`)).json(), { status: 'ok' });
      const ready = await fetch(`${server.url}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { status: 'ready' });
      assert.equal((await fetch(`${server.url}/v1/whoami`)).status, 404);
      assert.equal((await fetch(`${server.url}/metrics`, { method: 'POST' })).status, 405);
    } finally {
      await server.close();
    }
  });
});
