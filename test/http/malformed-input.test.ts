import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { before, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { describeEachDb, json, REQUEST_ID, type Tenant } from '../harness.js';
import { ROUTES } from '../route-registry.js';

// Bad input of every kind gets the one error envelope, a request id, a 4xx, and the process
// keeps serving. In-process cases go through app.inject; the ones Node's HTTP parser rejects
// before fastify sees them (oversized headers, NUL bytes, bad request lines) need a real socket.

type Res = { statusCode: number; headers: Record<string, unknown>; body: string };

function expectEnvelope(res: Res, status: number, code: string, label: string) {
  const shown = `${label} → ${res.statusCode} ${JSON.stringify(res.headers).slice(0, 200)} ${res.body.slice(0, 300)}`;
  assert.equal(res.statusCode, status, shown);
  const requestId = String(res.headers['x-request-id'] ?? '');
  assert.match(requestId, REQUEST_ID, `X-Request-Id: ${shown}`);
  assert.match(String(res.headers['content-type'] ?? ''), /^application\/json/, shown);
  let body: any;
  try {
    body = JSON.parse(res.body);
  } catch {
    assert.fail(`not JSON: ${shown}`);
  }
  assert.deepEqual(Object.keys(body), ['error'], shown);
  assert.deepEqual(
    Object.keys(body.error).filter((k) => k !== 'details'),
    ['code', 'message', 'requestId'],
    shown,
  );
  assert.equal(body.error.code, code, shown);
  assert.ok(typeof body.error.message === 'string' && body.error.message.length > 0, shown);
  assert.equal(body.error.requestId, requestId, shown);
  assert.doesNotMatch(res.body, /\bat .+:\d+:\d+|node_modules|FST_|Error:/, `no internals: ${shown}`);
}

/** Writes raw bytes to the server and reads the whole answer (the server closes the socket). */
function rawRequest(port: number, data: string | Buffer): Promise<Res> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', () => {}); // the server may reset after answering; what it sent is what counts
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      if (split < 0) return reject(new Error(`no HTTP response: ${JSON.stringify(text.slice(0, 500))}`));
      const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      resolve({ statusCode: Number(statusLine!.split(' ')[1]), headers, body: text.slice(split + 4) });
    });
    socket.setTimeout(5000, () => socket.destroy());
    socket.write(data);
  });
}

describeEachDb('malformed requests', (h) => {
  let t: Tenant;
  let id: string;
  let port: number;
  const unknownId = `sa_${randomUUID()}`;

  before(async () => {
    t = await h.tenant();
    id = await h.account(t);
    await h.queuedPosts(id, 2);
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    port = (h.app.server.address() as net.AddressInfo).port;
  });

  const revokeUnknown = (headers: Record<string, string>, payload?: string | Buffer): InjectOptions => ({
    method: 'DELETE',
    url: `/v1/social-accounts/${unknownId}`,
    headers: { ...t.auth, ...headers },
    payload,
  });
  const big = 'x'.repeat(1024 * 1024 + 1);

  // [label, request, status, code]. Requests with a body target an unknown account: when the body
  // is (rightly) ignored the answer is the route's own 404, and nothing real gets revoked.
  const cases = (): [string, InjectOptions, number, string][] => [
    ['bad JSON body', revokeUnknown({ 'content-type': 'application/json' }, '{"oops":'), 400, 'VALIDATION'],
    ['JSON body that is only a quote', revokeUnknown({ 'content-type': 'application/json' }, '"'), 400, 'VALIDATION'],
    [
      'prototype-poisoning JSON',
      revokeUnknown({ 'content-type': 'application/json' }, '{"__proto__":{"admin":true}}'),
      400,
      'VALIDATION',
    ],
    [
      'constructor-poisoning JSON',
      revokeUnknown({ 'content-type': 'application/json' }, '{"constructor":{"prototype":{"admin":true}}}'),
      400,
      'VALIDATION',
    ],
    [
      'JSON nested 100,000 deep (ignored: revoke takes no body)',
      revokeUnknown({ 'content-type': 'application/json' }, '['.repeat(100_000) + ']'.repeat(100_000)),
      404,
      'NOT_FOUND',
    ],
    [
      'valid JSON body (ignored)',
      revokeUnknown({ 'content-type': 'application/json' }, '{"reason":"x"}'),
      404,
      'NOT_FOUND',
    ],
    [
      'JSON sent as text/plain (ignored)',
      revokeUnknown({ 'content-type': 'text/plain' }, '{"reason":"x"}'),
      404,
      'NOT_FOUND',
    ],
    [
      'JSON sent as application/xml',
      revokeUnknown({ 'content-type': 'application/xml' }, '{"reason":"x"}'),
      400,
      'VALIDATION',
    ],
    [
      'form body',
      revokeUnknown({ 'content-type': 'application/x-www-form-urlencoded' }, 'reason=x'),
      400,
      'VALIDATION',
    ],
    [
      'empty form body (curl -d "")',
      revokeUnknown({ 'content-type': 'application/x-www-form-urlencoded' }, ''),
      404,
      'NOT_FOUND',
    ],
    ['empty octet-stream body', revokeUnknown({ 'content-type': 'application/octet-stream' }, ''), 404, 'NOT_FOUND'],
    ['unparseable Content-Type', revokeUnknown({ 'content-type': ';;;/' }, '{}'), 400, 'VALIDATION'],
    [
      'Content-Length larger than the body',
      revokeUnknown({ 'content-type': 'application/json', 'content-length': '50' }, '{}'),
      400,
      'VALIDATION',
    ],
    [
      'JSON body over 1 MiB',
      revokeUnknown({ 'content-type': 'application/json' }, JSON.stringify({ a: big })),
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    ['text body over 1 MiB', revokeUnknown({ 'content-type': 'text/plain' }, big), 413, 'PAYLOAD_TOO_LARGE'],
    [
      'form body over 1 MiB',
      revokeUnknown({ 'content-type': 'application/x-www-form-urlencoded' }, big),
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    [
      'Content-Length over 1 MiB',
      revokeUnknown({ 'content-type': 'application/json', 'content-length': String(50 * 1024 * 1024) }, '{}'),
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    [
      'body over 1 MiB without a key (401 first)',
      {
        method: 'DELETE',
        url: `/v1/social-accounts/${unknownId}`,
        headers: { 'content-type': 'application/json' },
        payload: big,
      },
      401,
      'UNAUTHENTICATED',
    ],
    [
      '8 KiB Authorization header',
      {
        method: 'GET',
        url: `/v1/social-accounts/${id}`,
        headers: { authorization: `Bearer lp_test_${'a'.repeat(8192)}` },
      },
      401,
      'UNAUTHENTICATED',
    ],
    [
      'unicode Authorization header',
      { method: 'GET', url: `/v1/social-accounts/${id}`, headers: { authorization: 'Bearer lp_test_ключ_🔑' } },
      401,
      'UNAUTHENTICATED',
    ],
    [
      'Authorization with a NUL byte',
      { method: 'GET', url: `/v1/social-accounts/${id}`, headers: { authorization: `${t.auth.authorization}\u0000` } },
      401,
      'UNAUTHENTICATED',
    ],
    ['PATCH on the account', { method: 'PATCH', url: `/v1/social-accounts/${id}`, headers: t.auth }, 404, 'NOT_FOUND'],
    [
      'PUT on the account',
      { method: 'PUT', url: `/v1/social-accounts/${id}`, headers: t.auth, payload: {} },
      404,
      'NOT_FOUND',
    ],
    [
      'POST on the account',
      { method: 'POST', url: `/v1/social-accounts/${id}`, headers: t.auth, payload: {} },
      404,
      'NOT_FOUND',
    ],
    ['OPTIONS on the account', { method: 'OPTIONS', url: `/v1/social-accounts/${id}` }, 404, 'NOT_FOUND'],
    ['TRACE on the account', { method: 'TRACE', url: `/v1/social-accounts/${id}` } as InjectOptions, 404, 'NOT_FOUND'],
    [
      'PROPFIND on the account',
      { method: 'PROPFIND', url: `/v1/social-accounts/${id}` } as InjectOptions,
      404,
      'NOT_FOUND',
    ],
    ['unknown route, no key', { method: 'GET', url: '/v1/nothing-here' }, 404, 'NOT_FOUND'],
    ['unknown route outside /v1', { method: 'DELETE', url: `/social-accounts/${id}` }, 404, 'NOT_FOUND'],
    ['trailing slash', { method: 'DELETE', url: `/v1/social-accounts/${id}/`, headers: t.auth }, 404, 'NOT_FOUND'],
    ['percent junk in the id', { method: 'GET', url: '/v1/social-accounts/%ZZ', headers: t.auth }, 400, 'VALIDATION'],
    [
      'truncated percent-escape',
      { method: 'DELETE', url: '/v1/social-accounts/sa_%E0%A4%A', headers: t.auth },
      400,
      'VALIDATION',
    ],
    [
      'over-long UTF-8 escape',
      { method: 'GET', url: '/v1/social-accounts/sa_%C0%AF', headers: t.auth },
      400,
      'VALIDATION',
    ],
    ['percent junk on an unknown route', { method: 'GET', url: '/v1/%ZZ%' }, 400, 'VALIDATION'],
    [
      'encoded NUL in the id',
      { method: 'DELETE', url: '/v1/social-accounts/sa_%00', headers: t.auth },
      400,
      'VALIDATION',
    ],
    [
      'encoded NUL after a valid id',
      { method: 'DELETE', url: `/v1/social-accounts/${id}%00`, headers: t.auth },
      400,
      'VALIDATION',
    ],
    [
      'encoded slash inside the id',
      { method: 'GET', url: `/v1/social-accounts/sa_%2F..%2F..%2Fadmin`, headers: t.auth },
      400,
      'VALIDATION',
    ],
    [
      'emoji id',
      { method: 'GET', url: `/v1/social-accounts/sa_${encodeURIComponent('😀'.repeat(12))}`, headers: t.auth },
      400,
      'VALIDATION',
    ],
    [
      'right-to-left override in the id',
      { method: 'GET', url: `/v1/social-accounts/${encodeURIComponent(`sa_\u202e${randomUUID()}`)}`, headers: t.auth },
      400,
      'VALIDATION',
    ],
    [
      'full-width digits in the uuid',
      {
        method: 'GET',
        url: `/v1/social-accounts/${encodeURIComponent(unknownId.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d))))}`,
        headers: t.auth,
      },
      400,
      'VALIDATION',
    ],
    ['unicode unknown route', { method: 'GET', url: `/v1/${encodeURIComponent('ünïcødé')}` }, 404, 'NOT_FOUND'],
    ['very long unknown route', { method: 'GET', url: `/v1/${'a/'.repeat(4000)}` }, 404, 'NOT_FOUND'],
    [
      'query junk on revoke of an unknown account',
      {
        method: 'DELETE',
        url: `/v1/social-accounts/${unknownId}?%ZZ=%00&a[b][c]=1&x=${'y'.repeat(4000)}`,
        headers: t.auth,
      },
      404,
      'NOT_FOUND',
    ],
  ];

  it('each malformed request gets the envelope, a request id and a 4xx', async () => {
    const seen = new Set<string>();
    for (const [label, request, status, code] of cases()) {
      const res = await h.inject(request);
      expectEnvelope(res, status, code, label);
      assert.ok(res.statusCode < 500, label);
      const rid = String(res.headers['x-request-id']);
      assert.ok(!seen.has(rid), `request ids are unique (${label})`);
      seen.add(rid);
    }
  });

  it('text/plain on every route that takes a JSON body → 400 VALIDATION (a media type, not a schema failure)', async () => {
    const doc = h.app.swagger() as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
    const withBody = ROUTES.filter((r) => doc.paths[r.route]?.[r.method.toLowerCase()]?.requestBody);
    assert.ok(withBody.length >= 10, withBody.map((r) => r.route).join(' '));
    for (const r of withBody) {
      for (const contentType of ['text/plain', 'text/plain; charset=utf-8']) {
        const label = `${r.method} ${r.route} as ${contentType}`;
        const res = await h.inject({
          method: r.method,
          url: await r.path(h, t),
          headers: { ...t.auth, 'content-type': contentType },
          payload: JSON.stringify(r.payload ?? {}),
        });
        expectEnvelope(res, 400, 'VALIDATION', label);
        assert.equal(json(res).error.message, 'Content-Type must be application/json.', label);
      }
    }
  });

  it('HEAD gets the status and X-Request-Id of the GET, with no body', async () => {
    const anon = await h.inject({ method: 'HEAD', url: `/v1/social-accounts/${id}` });
    assert.equal(anon.statusCode, 401, anon.body);
    assert.match(String(anon.headers['x-request-id']), REQUEST_ID);
    assert.equal(anon.body, '');
    const ok = await h.inject({ method: 'HEAD', url: `/v1/social-accounts/${id}`, headers: t.auth });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.body, '');
  });

  it('requests Node’s HTTP parser rejects get the same envelope over a real socket', async () => {
    const get = (extra: string, target = `/v1/social-accounts/${id}`) =>
      `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${t.auth.authorization}\r\n${extra}\r\n`;
    const raw: [string, string | Buffer][] = [
      ['a 20 KiB header value', get(`X-Big: ${'a'.repeat(20 * 1024)}\r\n`)],
      ['3,000 headers', get(Array.from({ length: 3000 }, (_, i) => `X-H${i}: 1\r\n`).join(''))],
      ['a 20 KiB path', get('', `/v1/social-accounts/${'a'.repeat(20 * 1024)}`)],
      ['a NUL byte in the path', get('', '/v1/social-accounts/sa_\u0000')],
      ['a NUL byte in a header value', get('X-Nul: a\u0000b\r\n')],
      ['raw UTF-8 bytes in the path', Buffer.from(get('', '/v1/social-accounts/sa_ünïcødé'), 'utf8')],
      ['a space in the path', get('', '/v1/social accounts')],
      ['an invalid method token', `G@T /v1/social-accounts/${id} HTTP/1.1\r\nHost: x\r\n\r\n`],
      ['a method Node does not know', `BREW /v1/social-accounts/${id} HTTP/1.1\r\nHost: x\r\n\r\n`],
      ['a header line without a colon', get('this is not a header\r\n')],
      [
        'Content-Length and Transfer-Encoding both (smuggling shape)',
        `DELETE /v1/social-accounts/${unknownId} HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      ],
      [
        'two Content-Length values',
        `DELETE /v1/social-accounts/${unknownId} HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab`,
      ],
      [
        'a bad chunk size',
        `DELETE /v1/social-accounts/${unknownId} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
      ],
      ['not HTTP at all', 'hello there\r\n\r\n'],
      ['an unsupported HTTP version', `GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n`],
    ];
    for (const [label, data] of raw) {
      const res = await rawRequest(port, data);
      expectEnvelope(res, 400, 'VALIDATION', label);
    }
  });

  it('a chunked body over 1 MiB on a real socket → 413 envelope', async () => {
    const chunk = 'a'.repeat(256 * 1024);
    const body = `${Array.from({ length: 5 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join('')}0\r\n\r\n`;
    const res = await rawRequest(
      port,
      `DELETE /v1/social-accounts/${unknownId} HTTP/1.1\r\nHost: x\r\nAuthorization: ${t.auth.authorization}\r\n` +
        `Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${body}`,
    );
    expectEnvelope(res, 413, 'PAYLOAD_TOO_LARGE', 'chunked 1.25 MiB');
  });

  it('a body over 1 MiB still being sent when the 413 comes: the client reads the envelope, sends the rest, and the connection serves on', async () => {
    const length = 2 * 1024 * 1024;
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (d) => {
      received += d.toString('latin1');
    });
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    const errors: Error[] = [];
    socket.on('error', (err) => errors.push(err));
    const until = async (done: () => boolean, what: string) => {
      for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(done(), `${what}; received ${JSON.stringify(received.slice(0, 300))}`);
    };
    try {
      socket.write(
        `DELETE /v1/social-accounts/${unknownId} HTTP/1.1\r\nHost: x\r\nAuthorization: ${t.auth.authorization}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${length}\r\n\r\n${'a'.repeat(64 * 1024)}`,
      );
      await until(() => /\r\n\r\n\{.*\}$/s.test(received), 'the 413 answer, before the body is all sent');
      assert.match(received, /^HTTP\/1\.1 413 /);
      assert.doesNotMatch(received, /connection: close/i);
      assert.equal(JSON.parse(received.slice(received.indexOf('\r\n\r\n') + 4)).error.code, 'PAYLOAD_TOO_LARGE');
      // The rest of the body, then another request on the same connection.
      received = '';
      socket.write('a'.repeat(length - 64 * 1024));
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      await until(
        () => /^HTTP\/1\.1 200 [\s\S]*\{"status":"ok"\}/.test(received),
        'the next answer on the same connection',
      );
      assert.deepEqual(errors, []);
    } finally {
      socket.destroy();
      await closed;
    }
  });

  it('after all that the process still serves, and nothing was revoked', async () => {
    const viaSocket = await fetch(`http://127.0.0.1:${port}/v1/social-accounts/${id}`, { headers: t.auth });
    const account = (await viaSocket.json()) as { status: string; queuedScheduledPosts: number };
    assert.equal(viaSocket.status, 200, JSON.stringify(account).slice(0, 500));
    assert.equal(account.status, 'connected');
    assert.equal(account.queuedScheduledPosts, 2);
    const res = await h.inject({ method: 'DELETE', url: `/v1/social-accounts/${id}`, headers: t.auth });
    assert.equal(res.statusCode, 200, res.body.slice(0, 500));
    assert.equal(json(res).canceledScheduledPosts, 2);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(health.status, 200);
  });
});
