import assert from 'node:assert/strict';
import net from 'node:net';
import { before, it } from 'node:test';
import { assertValidation } from '../assertions.js';
import { describeEachDb, REQUEST_ID, type Tenant } from '../harness.js';

// Inputs the reliability fuzzer (test/reliability/fuzz.test.ts) found answered with 500: strings
// PostgreSQL cannot store — U+0000 in text or jsonb, a lone UTF-16 surrogate in jsonb — and an
// HTTP/1.1 request without Host, which Node answered itself, outside the envelope and with no id.

describeEachDb('strings the database cannot store, and requests without Host', (h) => {
  let t: Tenant;
  let port: number;
  const json = { 'content-type': 'application/json' };

  before(async () => {
    t = await h.tenant();
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    port = (h.app.server.address() as net.AddressInfo).port;
  });

  it('U+0000 in a body string (text column) → 422 at the field, nothing written', async () => {
    const res = await h.inject({
      method: 'POST',
      url: '/v1/projects',
      headers: { ...t.auth, ...json },
      payload: '{"name":"a\\u0000b","timezone":"UTC"}',
    });
    assertValidation(res, 422, 'name');
    const list = await h.inject({ method: 'GET', url: '/v1/projects', headers: t.auth });
    assert.ok(!list.body.includes('a\\u0000b'), list.body.slice(0, 300));
  });

  it('U+0000 in a nested key and value of a jsonb field → 422 at the field', async () => {
    const key = await h.inject({
      method: 'POST',
      url: '/v1/projects',
      headers: { ...t.auth, ...json },
      payload: '{"name":"n","timezone":"UTC","metadata":{"k\\u0000":"v"}}',
    });
    assertValidation(key, 422, 'metadata.k\u0000');
    const value = await h.inject({
      method: 'POST',
      url: `/v1/projects/${t.projectId}/leased-accounts/request`,
      headers: { ...t.auth, ...json },
      payload: '{"count":1,"niche":{"vertical":"\\u0000"}}',
    });
    assertValidation(value, 422, 'niche.vertical');
  });

  it('a lone surrogate in a jsonb field → 422; a valid pair (emoji) is fine', async () => {
    const url = `/v1/projects/${t.projectId}/leased-accounts/request`;
    for (const s of ['\\ud800', '\\udfff', '\\ud800\\udc00\\udfff', '\\udc00\\ud800']) {
      const res = await h.inject({
        method: 'POST',
        url,
        headers: { ...t.auth, ...json },
        payload: `{"count":1,"niche":{"vertical":"${s}"}}`,
      });
      const issues = assertValidation(res, 422, 'niche.vertical');
      assert.match(issues[0]!.message, /surrogate/);
    }
    const ok = await h.inject({
      method: 'POST',
      url,
      headers: { ...t.auth, ...json },
      payload: '{"count":1,"niche":{"vertical":"\\ud83d\\ude00 fitness"}}',
    });
    assert.equal(ok.statusCode, 201, ok.body);
  });

  it('U+0000 in a query string → 422 at the parameter', async () => {
    const res = await h.inject({ method: 'GET', url: '/v1/audit-log?eventType=a%00b', headers: t.auth });
    assertValidation(res, 422, 'eventType');
  });

  it('the guards still come first: no key and a NUL body → 401', async () => {
    const res = await h.inject({
      method: 'POST',
      url: '/v1/projects',
      headers: json,
      payload: '{"name":"\\u0000","timezone":"UTC"}',
    });
    assert.equal(res.statusCode, 401, res.body);
  });

  it('HTTP/1.1 without Host → 400 VALIDATION in the envelope with X-Request-Id; HTTP/1.0 without Host is served', async () => {
    const raw = (data: string) =>
      new Promise<string>((resolve) => {
        const socket = net.connect(port, '127.0.0.1');
        let out = '';
        socket.on('data', (d) => (out += d));
        socket.on('error', () => {});
        socket.on('close', () => resolve(out));
        socket.write(data);
        setTimeout(() => socket.end(), 500);
      });
    const res = await raw('GET /v1/whoami HTTP/1.1\r\nAuthorization: Bearer x\r\n\r\n');
    assert.match(res, /^HTTP\/1\.1 400 /, res);
    const requestId = /\r\nx-request-id: (\S+)\r\n/i.exec(res)?.[1] ?? '';
    assert.match(requestId, REQUEST_ID, res);
    const body = JSON.parse(res.slice(res.indexOf('\r\n\r\n') + 4));
    assert.equal(body.error.code, 'VALIDATION', res);
    assert.equal(body.error.requestId, requestId);
    assert.match(body.error.message, /Host/);
    const old = await raw('GET /healthz HTTP/1.0\r\n\r\n');
    assert.match(old, /^HTTP\/1\.1 200 /, old);
  });
});
