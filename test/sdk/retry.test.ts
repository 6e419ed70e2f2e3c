import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  IdempotencyConflictError,
  InternalServerError,
  KillSwitchError,
  Layers,
  LayersConnectionError,
  LayersTimeoutError,
  NotFoundError,
  RateLimitError,
} from '../../sdk/typescript/src/index.js';

// The TypeScript SDK's retry policy, edge by edge, against a scripted HTTP server on loopback
// (the cases a real server cannot be made to produce on demand: resets, hangs, in-progress
// conflicts). The real server's 429 and an injected 500 are in typescript*.test.ts.

type Step = { status: number; body?: unknown; headers?: Record<string, string> } | 'reset' | 'hang';
type Seen = { method: string; url: string; headers: http.IncomingHttpHeaders; body: string; at: number };

const ok = (body: unknown = { ok: true }): Step => ({ status: 200, body });
const err = (
  status: number,
  code: string,
  details?: Record<string, unknown>,
  headers?: Record<string, string>,
): Step => ({
  status,
  headers,
  body: {
    error: { code, message: `${code} from the script`, requestId: 'req_SCRIPTED', ...(details ? { details } : {}) },
  },
});

describe('TypeScript SDK retries (scripted loopback server)', { timeout: 60_000 }, () => {
  let server: http.Server;
  let script: Step[] = [];
  const seen: Seen[] = [];
  let layers: Layers;

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body, at: Date.now() });
        const step = script.shift() ?? ok();
        if (step === 'reset') return req.socket.destroy();
        if (step === 'hang') return; // never answers; the client's timeout must fire
        res.writeHead(step.status, {
          'content-type': 'application/json',
          'x-request-id': 'req_HEADER',
          ...step.headers,
        });
        res.end(step.body === undefined ? '' : JSON.stringify(step.body));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    layers = new Layers({
      apiKey: 'lp_test_scripted',
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
      timeoutMs: 2_000,
    });
  });
  after(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );

  const run = (steps: Step[]) => {
    script = steps;
    seen.length = 0;
  };
  const keys = () => seen.map((s) => s.headers['idempotency-key']);
  const SA = 'sa_9c1e42a0-b7f3-4e5d-a2c1-8b4f5e6c7d8e';

  it('a write carries one generated Idempotency-Key, reused on every retry (500, reset, 502), with backoff between', async () => {
    run([err(500, 'INTERNAL'), 'reset', ok({ canceledScheduledPosts: 4 })]);
    const result = await layers.social.revoke({ socialAccountId: SA });
    assert.equal(result.canceledScheduledPosts, 4);
    assert.equal(seen.length, 3);
    assert.match(String(keys()[0]), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(new Set(keys()).size, 1, `one key across attempts: ${keys().join(', ')}`);
    assert.ok(
      seen[1]!.at - seen[0]!.at >= 350,
      `first backoff ≥ 375 ms (500 ms less jitter): ${seen[1]!.at - seen[0]!.at}`,
    );
    assert.ok(seen[2]!.at - seen[1]!.at >= 700, `second backoff ≥ 750 ms: ${seen[2]!.at - seen[1]!.at}`);
    assert.equal(seen[0]!.method, 'DELETE');
    assert.equal(seen[0]!.url, `/v1/social-accounts/${SA}`);
    assert.equal(seen[0]!.headers.authorization, 'Bearer lp_test_scripted');
    assert.match(String(seen[0]!.headers['user-agent']), /^layers-sdk-typescript\//);

    const firstKey = keys()[0];
    run([ok()]);
    await layers.social.revoke({ socialAccountId: SA });
    assert.ok(keys()[0] && keys()[0] !== firstKey, 'each call gets its own key');
  });

  it('a caller’s idempotencyKey wins; GETs carry none; per-call maxRetries 0 throws the first error', async () => {
    run([err(503, 'INTERNAL'), ok()]);
    await layers.projects.create({ name: 'P', timezone: 'UTC' }, { idempotencyKey: 'my-key-1' });
    assert.deepEqual(keys(), ['my-key-1', 'my-key-1']);
    assert.deepEqual(JSON.parse(seen[0]!.body), { name: 'P', timezone: 'UTC' });
    assert.equal(seen[0]!.headers['content-type'], 'application/json');

    run([ok({ items: [], nextCursor: null })]);
    await layers.social.list({ projectId: 'prj_1', leased: true, limit: 5 });
    assert.deepEqual(keys(), [undefined]);
    assert.equal(seen[0]!.url, '/v1/projects/prj_1/social-accounts?leased=true&limit=5');

    run([err(500, 'INTERNAL')]);
    const e = await layers.whoami(undefined, { maxRetries: 0 }).catch((x) => x);
    assert.ok(e instanceof InternalServerError, String(e));
    assert.deepEqual([e.code, e.status, e.requestId, seen.length], ['INTERNAL', 500, 'req_SCRIPTED', 1]);
  });

  it('429 waits exactly Retry-After (never less); 409 in_progress is retried, different_request is not', async () => {
    run([err(429, 'RATE_LIMITED', { retryAfterSeconds: 1 }, { 'retry-after': '1' }), ok()]);
    await layers.social.revoke({ socialAccountId: SA });
    assert.equal(seen.length, 2);
    assert.ok(seen[1]!.at - seen[0]!.at >= 1000, `waited ${seen[1]!.at - seen[0]!.at} ms for Retry-After: 1`);

    run([err(409, 'IDEMPOTENCY_CONFLICT', { reason: 'in_progress' }, { 'retry-after': '1' }), ok({ replayed: true })]);
    assert.deepEqual(await layers.social.revoke({ socialAccountId: SA }, { idempotencyKey: 'k-in-progress' }), {
      replayed: true,
    });
    assert.deepEqual(keys(), ['k-in-progress', 'k-in-progress']);

    run([err(409, 'IDEMPOTENCY_CONFLICT', { reason: 'different_request' })]);
    const e = await layers.social.revoke({ socialAccountId: SA }).catch((x) => x);
    assert.ok(e instanceof IdempotencyConflictError && e.reason === 'different_request', String(e));
    assert.equal(seen.length, 1);
  });

  it('never retried: KILL_SWITCH (503), 4xx, or a Retry-After beyond 60 s', async () => {
    run([err(503, 'KILL_SWITCH', { scope: 'organization' })]);
    const kill = await layers.whoami().catch((x) => x);
    assert.ok(kill instanceof KillSwitchError && kill.scope === 'organization' && seen.length === 1, String(kill));

    run([err(404, 'NOT_FOUND')]);
    const nf = await layers.social.get({ socialAccountId: SA }).catch((x) => x);
    assert.ok(nf instanceof NotFoundError && seen.length === 1, String(nf));

    run([err(429, 'RATE_LIMITED', undefined, { 'retry-after': '3600' })]);
    const rl = await layers.social.revoke({ socialAccountId: SA }).catch((x) => x);
    assert.ok(rl instanceof RateLimitError && rl.retryAfter === 3600 && seen.length === 1, String(rl));
  });

  it('timeouts and connection failures: retried, then LayersTimeoutError / LayersConnectionError', async () => {
    run(['hang', ok({ second: true })]);
    assert.deepEqual(await layers.whoami(undefined, { timeoutMs: 300 }), { second: true });
    assert.equal(seen.length, 2);

    run(['hang', 'hang']);
    const t = await layers.whoami(undefined, { timeoutMs: 200, maxRetries: 1 }).catch((x) => x);
    assert.ok(t instanceof LayersTimeoutError && t.status === 0 && t.code === 'TIMEOUT', String(t));

    const unreachable = new Layers({ apiKey: 'k', baseUrl: 'http://127.0.0.1:9', maxRetries: 1 });
    const c = await unreachable.whoami().catch((x) => x);
    assert.ok(
      c instanceof LayersConnectionError && !(c instanceof LayersTimeoutError) && c.code === 'CONNECTION_ERROR',
      String(c),
    );
  });

  it('an AbortSignal cancels the call, retries included', async () => {
    run([err(500, 'INTERNAL'), ok()]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('caller gave up')), 100);
    const e = await layers.whoami(undefined, { signal: controller.signal }).catch((x) => x);
    assert.equal(e?.message, 'caller gave up');
    assert.equal(seen.length, 1, 'the pending retry was not sent');
  });

  it('a non-JSON error (a gateway’s 502 page) still gets a typed error, and is retried', async () => {
    run([
      { status: 502, body: undefined },
      { status: 502, body: undefined },
      { status: 502, body: undefined },
    ]);
    const e = await layers.whoami().catch((x) => x);
    assert.ok(e instanceof InternalServerError && e.code === 'HTTP_502' && e.requestId === 'req_HEADER', String(e));
    assert.equal(seen.length, 3);
  });
});
