import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { AppDeps } from '../../src/context.js';
import { BUDGETS, createFailedAuthLimiter, createRateLimiter } from '../../src/http/guards/rate-limit.js';
import { redactUrl } from '../../src/http/log-redaction.js';
import { loggerOptions } from '../../src/runtime.js';
import * as admin from '../../src/services/admin.js';
import { assertEnvelope } from '../assertions.js';
import { describeEachDb, json } from '../harness.js';
import { useSandbox } from '../support/sandbox.js';

// What the server's real logger (loggerOptions, as `layers serve` builds it) writes, captured
// from its destination stream: expected refusals are quiet, faults are loud, and credentials in
// a query string never reach a line.

/** An app on the harness's database whose log lines land in `lines`. */
async function loggedApp(deps: AppDeps) {
  const lines: string[] = [];
  const stream = { write: (chunk: string) => void lines.push(...chunk.split('\n').filter(Boolean)) };
  const app = await buildApp(deps, { logger: { ...loggerOptions(loadConfig({ LOG_LEVEL: 'info' })), stream } });
  const records = () => lines.map((l) => JSON.parse(l) as Record<string, any>);
  return { app, lines, records };
}

it('redactUrl: code, state and token-looking parameters lose their values, nothing else changes', () => {
  assert.equal(
    redactUrl('/oauth/callback/tiktok?code=abc&state=st_1'),
    '/oauth/callback/tiktok?code=[redacted]&state=[redacted]',
  );
  assert.equal(
    redactUrl(
      '/x?access_token=a&refresh_token=b&token=c&key=d&secret=e&client_secret=f&signature=g&password=h&apiKey=i&X-Amz-Signature=j&code%5B%5D=k&state[x]=l',
    ),
    '/x?access_token=[redacted]&refresh_token=[redacted]&token=[redacted]&key=[redacted]&secret=[redacted]&client_secret=[redacted]&signature=[redacted]&password=[redacted]&apiKey=[redacted]&X-Amz-Signature=[redacted]&code%5B%5D=[redacted]&state[x]=[redacted]',
  );
  for (const url of [
    '/v1/projects?limit=2&cursor=eyJ4IjoxfQ',
    '/v1/audit-log?eventType=a&since=2026-01-01T00:00:00Z',
    '/healthz',
    '/x?code',
    '/x?=v',
  ]) {
    assert.equal(redactUrl(url), url);
  }
});

it('the logger censors credentials in logged objects: authorization headers, accessToken, refreshToken, key', () => {
  const lines: string[] = [];
  const stream = { write: (chunk: string) => void lines.push(chunk) };
  const log = pino(loggerOptions(loadConfig({ LOG_LEVEL: 'info' })), stream).child({ reqId: 'req_1' });
  const secrets = ['sec-authz-1', 'sec-authz-2', 'sec-access-3', 'sec-refresh-4', 'sec-key-5', 'sec-access-6'];
  const token = { accessToken: secrets[2], refreshToken: secrets[3], scope: 'video.publish' };
  const err = Object.assign(new Error('upstream refused'), { accessToken: secrets[5], status: 401 });
  log.info({ headers: { authorization: `Bearer ${secrets[0]}`, host: 'api.test' } }, 'headers');
  log.info({ req: { method: 'GET', url: '/x', headers: { authorization: `Bearer ${secrets[1]}` } } }, 'request');
  log.warn({ token, job: { key: secrets[4], name: 'refresh' }, attempt: 2 }, 'object fields');
  log.error({ err }, 'error');
  const text = lines.join('');
  for (const secret of secrets) assert.ok(!text.includes(secret), `${secret} reached the log: ${text}`);
  const [headers, , fields, error] = lines.map((l) => JSON.parse(l));
  assert.deepEqual(headers.headers, { authorization: '[Redacted]', host: 'api.test' });
  assert.deepEqual(fields.token, { accessToken: '[Redacted]', refreshToken: '[Redacted]', scope: 'video.publish' });
  assert.deepEqual(fields.job, { key: '[Redacted]', name: 'refresh' });
  assert.equal(fields.attempt, 2);
  assert.equal(error.err.message, 'upstream refused');
  assert.equal(error.err.accessToken, '[Redacted]');
  assert.equal(error.err.status, 401);
  assert.match(error.err.stack, /^Error: upstream refused\n\s+at /);
  assert.equal(token.accessToken, secrets[2], 'the logged object itself is untouched');
  assert.equal(err.accessToken, secrets[5]);
});

describeEachDb('request logs', (h) => {
  const fx = useSandbox();
  before(() => {
    h.deps.platforms = { live: fx.adapters, test: fx.adapters };
  });

  it('4xx and 503 refusals log one info line with the code and no stack; only 500 INTERNAL logs at error, with its cause and stack', async () => {
    const small = { 'read-light': 1, 'write-light': 1, 'long-running': 1, dailyWrites: 100 };
    const { app, records } = await loggedApp({
      ...h.deps,
      rateLimiter: createRateLimiter({ kind: 'memory' }, { budgets: { ...BUDGETS, standard: small } }),
      failedAuthLimiter: createFailedAuthLimiter({ perMinute: 1 }),
      fault: (point) => {
        if (point === 'revoke:before-commit') throw new Error('injected fault at revoke:before-commit');
      },
    });
    try {
      const t = await h.tenant({ tier: 'standard' });
      const send = (
        method: 'GET' | 'POST' | 'DELETE',
        url: string,
        headers: Record<string, string> = t.auth,
        payload?: object,
      ) =>
        app.inject({
          method,
          url,
          headers,
          ...(payload ? { payload } : {}),
          ...(headers.authorization ? {} : { remoteAddress: '203.0.113.1' }),
        });
      const killed = await h.tenant();
      await admin.setKillSwitch(h.adminCtx(), { scope: 'key', target: killed.apiKeyId, on: true });
      const other = await h.tenant(); // its own budgets: the small ones above are spent on purpose
      const account = await h.account(other);
      const answers = {
        UNAUTHENTICATED: await send('GET', '/v1/whoami', {}, undefined),
        'RATE_LIMITED (failed authentications)': await send('GET', '/v1/whoami', {}, undefined),
        KILL_SWITCH: await send('GET', '/v1/whoami', killed.auth),
        VALIDATION: await send('POST', '/v1/projects', t.auth, { name: '' }),
        'RATE_LIMITED (key budget)': await send('POST', '/v1/projects', t.auth, { name: '' }),
        NOT_FOUND: await send('GET', `/v1/social-accounts/sa_${randomUUID()}`, other.auth),
        INTERNAL: await send('DELETE', `/v1/social-accounts/${account}`, other.auth),
      };
      const expected = {
        UNAUTHENTICATED: [401, 'UNAUTHENTICATED'],
        'RATE_LIMITED (failed authentications)': [429, 'RATE_LIMITED'],
        KILL_SWITCH: [503, 'KILL_SWITCH'],
        VALIDATION: [422, 'VALIDATION'],
        'RATE_LIMITED (key budget)': [429, 'RATE_LIMITED'],
        NOT_FOUND: [404, 'NOT_FOUND'],
        INTERNAL: [500, 'INTERNAL'],
      } as const;
      for (const [name, res] of Object.entries(answers)) {
        const [status, code] = expected[name as keyof typeof expected];
        assert.equal(res.statusCode, status, `${name}: ${res.body}`);
        assert.equal(json(res).error.code, code, name);
        const lines = records().filter((r) => r.reqId === res.headers['x-request-id']);
        // One access-log line per request (fastify's own two are off), with the request's outcome.
        const access = lines.filter((r) => r.msg === 'request');
        assert.equal(access.length, 1, `${name}: one access-log line: ${JSON.stringify(lines)}`);
        const line = access[0]!;
        assert.equal(line.level, 30, name);
        assert.equal(line.statusCode, status, name);
        assert.equal(line.errorCode, code, name);
        assert.ok(['GET', 'POST', 'DELETE'].includes(line.method), `${name}: ${line.method}`);
        assert.equal(typeof line.durationMs, 'number', name);
        assert.ok(line.route.startsWith('/v1/'), `${name}: the route template: ${line.route}`);
        if (code === 'INTERNAL') {
          const errors = lines.filter((r) => r.level === 50);
          assert.equal(errors.length, 1, `${name}: one error line: ${JSON.stringify(lines)}`);
          assert.equal(errors[0]!.err.message, 'injected fault at revoke:before-commit');
          assert.match(
            errors[0]!.err.stack,
            /injected fault at revoke:before-commit\n\s+at /,
            'the cause with its stack',
          );
          assert.doesNotMatch(res.body, /injected/, 'never echoed');
          continue;
        }
        assert.deepEqual(
          lines.filter((r) => r.level !== 30).map((r) => r.msg),
          [],
          `${name}: nothing above info`,
        );
        // The refusal is no line of its own: the access line carries its code and message.
        const refusal = lines.filter((r) => r.errorCode !== undefined);
        assert.deepEqual(
          refusal.map((r) => [r.errorCode, r.statusCode, r.errorMessage]),
          [[code, status, json(res).error.message]],
          name,
        );
        assert.ok(
          lines.every((r) => r.err === undefined && !JSON.stringify(r).includes('    at ')),
          `${name}: no error object, no stack`,
        );
      }
    } finally {
      await app.close();
    }
  });

  it('the OAuth callback’s code and state appear nowhere in the log; its request line shows them redacted', async () => {
    const t = await h.tenant();
    const key = await admin.createApiKey(h.adminCtx(), {
      organizationId: t.organizationId,
      scopes: ['*'],
      tier: 'partner',
      env: 'test',
      returnUrls: ['app.partner.test'],
    });
    const started = await h.inject({
      method: 'POST',
      url: `/v1/projects/${t.projectId}/social/oauth-url`,
      headers: { authorization: `Bearer ${key.key}` },
      payload: { platform: 'tiktok', returnUrl: 'https://app.partner.test/connected' },
    });
    assert.equal(started.statusCode, 200, started.body);
    const authorize = new URL(json(started).authorizeUrl);
    authorize.searchParams.set('sandbox_user', 'u_logged');
    const consent = await fetch(authorize, { redirect: 'manual' });
    assert.equal(consent.status, 302);
    const callback = new URL(consent.headers.get('location')!);
    const code = callback.searchParams.get('code')!;
    const state = callback.searchParams.get('state')!;
    assert.ok(code.length >= 8 && state.length >= 8, `${code} ${state}`);

    const { app, lines, records } = await loggedApp(h.deps);
    let res: Awaited<ReturnType<FastifyInstance['inject']>>;
    try {
      res = await app.inject({ method: 'GET', url: callback.pathname + callback.search });
    } finally {
      await app.close();
    }
    assert.equal(res.statusCode, 302, res.body);
    assert.equal(
      new URL(String(res.headers.location)).searchParams.get('status'),
      'completed',
      'a real, successful callback',
    );
    const everything = lines.join('\n');
    assert.ok(lines.length >= 1, everything); // one access-log line per request since fastify's two are off
    assert.ok(!everything.includes(code), `the code appears in the log: ${everything}`);
    assert.ok(!everything.includes(state), `the state appears in the log: ${everything}`);
    const incoming = records().find((r) => r.msg === 'request');
    const shown = (callback.pathname + callback.search)
      .replace(`code=${encodeURIComponent(code)}`, 'code=[redacted]')
      .replace(`state=${state}`, 'state=[redacted]');
    assert.match(shown, /^\/oauth\/callback\/tiktok\?(.+&)?code=\[redacted\]&(.+&)?state=\[redacted\]/);
    assert.equal(incoming?.url, shown, everything);
    assert.equal(incoming?.route, '/oauth/callback/:platform', everything);
  });

  it('one access-log line per request: method, route template, status, duration, request id, organization, key id; probes at debug', async () => {
    const t = await h.tenant();
    const lines: string[] = [];
    const stream = { write: (chunk: string) => void lines.push(...chunk.split('\n').filter(Boolean)) };
    const app = await buildApp(h.deps, {
      logger: { ...loggerOptions(loadConfig({ LOG_LEVEL: 'debug' })), stream },
    });
    try {
      const res = await app.inject({ method: 'GET', url: `/v1/projects/${t.projectId}?x=1`, headers: t.auth });
      assert.equal(res.statusCode, 200, res.body);
      const probe = await app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(probe.statusCode, 200);
      const records = lines.map((l) => JSON.parse(l) as Record<string, any>);
      const all = records.filter((r) => r.reqId === res.headers['x-request-id']);
      // At debug a "request received" line comes first; at info the access line is the only one.
      assert.deepEqual(
        all.map((r) => [r.level, r.msg]),
        [
          [20, 'request received'],
          [30, 'request'],
        ],
      );
      const mine = all.filter((r) => r.msg === 'request');
      const line = mine[0]!;
      assert.equal(line.msg, 'request');
      assert.equal(line.level, 30);
      assert.equal(line.method, 'GET');
      assert.equal(line.route, '/v1/projects/:projectId');
      assert.equal(line.url, `/v1/projects/${t.projectId}?x=1`);
      assert.equal(line.statusCode, 200);
      assert.ok(typeof line.durationMs === 'number' && line.durationMs >= 0, String(line.durationMs));
      assert.equal(line.organizationId, t.organizationId);
      assert.equal(line.apiKeyId, t.apiKeyId);
      assert.equal(line.errorCode, undefined);
      assert.ok(!JSON.stringify(line).includes(t.key), 'the key never appears');
      assert.equal(line.req, undefined, 'no request object, no headers');
      const health = records.filter((r) => r.reqId === probe.headers['x-request-id']);
      assert.deepEqual(
        health.map((r) => [r.level, r.msg, r.route]),
        [
          [20, 'request received', undefined],
          [20, 'request', '/healthz'],
        ],
      );
    } finally {
      await app.close();
    }
  });

  it('the admin plane logs quietly too: a wrong operator token is one info line', async () => {
    const { app, records } = await loggedApp(h.deps);
    try {
      const res = await app.inject({
        method: 'GET',
        url: '/admin/v1/key-ring',
        headers: { authorization: 'Bearer not-the-operator-token-0123456789' },
      });
      assertEnvelope(res, 401, 'UNAUTHENTICATED');
      assert.deepEqual(
        records()
          .filter((r) => r.level !== 30)
          .map((r) => r.msg),
        [],
      );
      assert.deepEqual(
        records()
          .filter((r) => r.errorCode)
          .map((r) => [r.errorCode, r.statusCode]),
        [['UNAUTHENTICATED', 401]],
      );
    } finally {
      await app.close();
    }
  });
});
