import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { deliverDue } from '../../src/worker/webhook-delivery.js';
import { blockedAddressReason, type DnsLookup } from '../../src/webhooks/url-safety.js';
import { assertValidation } from '../assertions.js';
import { describeEachDb, json } from '../harness.js';
import { Receiver, workerDeps } from './receiver.js';

describe('blockedAddressReason', () => {
  const cases: [string, string | undefined][] = [
    ['93.184.215.14', undefined],
    ['8.8.8.8', undefined],
    ['2606:4700:4700::1111', undefined],
    ['::ffff:8.8.8.8', undefined],
    ['0.0.0.0', 'an unspecified address'],
    ['10.200.3.4', 'a private address'],
    ['100.64.0.1', 'a carrier-grade NAT address'],
    ['100.128.0.1', undefined],
    ['127.0.0.1', 'a loopback address'],
    ['127.255.255.254', 'a loopback address'],
    ['169.254.169.254', 'a link-local address'],
    ['172.16.0.1', 'a private address'],
    ['172.31.255.255', 'a private address'],
    ['172.32.0.1', undefined],
    ['192.168.1.1', 'a private address'],
    ['198.18.0.1', 'a benchmarking address'],
    ['224.0.0.251', 'a multicast address'],
    ['255.255.255.255', 'a reserved or broadcast address'],
    ['::', 'an unspecified address'],
    ['::1', 'a loopback address'],
    ['::ffff:127.0.0.1', 'a loopback address (IPv4-mapped)'],
    ['::ffff:a9fe:a9fe', 'a link-local address (IPv4-mapped)'],
    ['::ffff:10.0.0.1', 'a private address (IPv4-mapped)'],
    ['::10.0.0.1', 'a private address (IPv4-compatible)'],
    ['64:ff9b::192.168.0.1', 'a private address (NAT64)'],
    ['64:ff9b::8.8.8.8', undefined],
    ['fd12:3456::1', 'a unique local (private) address'],
    ['fc00::1', 'a unique local (private) address'],
    ['fe80::1%eth0', 'a link-local address'],
    ['ff02::1', 'a multicast address'],
    ['2001:db8::1', 'a documentation address'],
    ['2001:0:4136:e378::1', 'an IETF protocol address'], // Teredo
    ['2002:7f00:1::', 'a 6to4 address'],
    ['not-an-ip', 'not an IP address'],
  ];
  for (const [ip, reason] of cases) {
    it(`${ip} → ${reason ?? 'public'}`, () => assert.equal(blockedAddressReason(ip), reason));
  }
});

/** A resolver that knows a few names: the tests never touch real DNS. */
const fakeDns = (table: Record<string, string[]>): DnsLookup => async (host) => {
  const addresses = table[host];
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

describeEachDb('webhook URL safety', (h) => {
  const saved = { policy: h.deps.webhookUrlPolicy, lookup: h.deps.webhookDnsLookup };
  afterEach(() => {
    h.deps.webhookUrlPolicy = saved.policy ?? 'development';
    h.deps.webhookDnsLookup = saved.lookup;
  });
  const production = (table: Record<string, string[]> = {}) => {
    h.deps.webhookUrlPolicy = 'production';
    h.deps.webhookDnsLookup = fakeDns({ 'hooks.partner.example': ['93.184.215.14', '2606:2800:220:1::1'], ...table });
  };
  const create = async (url: string) => h.inject({
    method: 'POST', url: '/v1/webhook-endpoints', headers: (await h.tenant()).auth, payload: { url, events: ['*'] },
  });

  const refused: [string, RegExp][] = [
    ['http://hooks.partner.example/layers', /^must use https$/],
    ['https://localhost/layers', /^must not point to a loopback address \(localhost\)$/],
    ['https://admin.localhost/', /loopback/],
    ['https://127.0.0.1/', /^must not point to a loopback address \(127\.0\.0\.1\)$/],
    ['https://127.1/', /loopback address \(127\.0\.0\.1\)/],
    ['https://2130706433/', /loopback address \(127\.0\.0\.1\)/],
    ['https://0x7f000001:8443/', /loopback/],
    ['https://10.0.0.5/', /^must not point to a private address \(10\.0\.0\.5\)$/],
    ['https://172.20.1.1/', /private/],
    ['https://192.168.0.10/', /private/],
    ['https://169.254.169.254/latest/meta-data/', /^must not point to a link-local address \(169\.254\.169\.254\)$/],
    ['https://100.100.100.200/', /carrier-grade NAT/],
    ['https://0.0.0.0/', /unspecified/],
    ['https://224.0.0.1/', /multicast/],
    ['https://[::1]/', /loopback address \(::1\)/],
    ['https://[::ffff:127.0.0.1]/', /loopback address \(IPv4-mapped\)/],
    ['https://[::ffff:169.254.169.254]/', /link-local address \(IPv4-mapped\)/],
    ['https://[fd00::1]/', /unique local/],
    ['https://[fe80::1]/', /link-local/],
    ['https://[64:ff9b::a00:1]/', /private address \(NAT64\)/],
    ['https://internal.partner.example/', /^must not point to a private address: internal\.partner\.example resolves to 10\.1\.2\.3$/],
    ['https://mixed.partner.example/', /^must not point to a loopback address: mixed\.partner\.example resolves to ::1$/],
    ['https://metadata.partner.example/', /link-local address: metadata\.partner\.example resolves to 169\.254\.169\.254/],
    ['https://nowhere.partner.example/', /^host nowhere\.partner\.example could not be resolved$/],
    ['https://user:pass@hooks.partner.example/', /^must not contain credentials/],
    ['file:///etc/passwd', /^must use https$/],
    ['gopher://hooks.partner.example/', /^must use https$/],
    ['not a url', /^must be an absolute URL/],
  ];

  it('production: SSRF targets are refused with 422 VALIDATION on url and a message that says why', async () => {
    production({ 'internal.partner.example': ['10.1.2.3'], 'mixed.partner.example': ['93.184.215.14', '::1'], 'metadata.partner.example': ['169.254.169.254'] });
    for (const [url, message] of refused) {
      const res = await create(url);
      const [issue] = assertValidation(res, 422, 'url');
      assert.match(issue!.message, message, `${url}: ${issue!.message}`);
      assert.equal(json(res).error.message, `Webhook URL refused: url ${issue!.message}.`);
    }
    assert.equal(await h.db.selectFrom('webhook_endpoints').select('id').where('url', 'in', refused.map(([u]) => u)).executeTakeFirst(), undefined);
  });

  it('production: PATCH re-checks a new url', async () => {
    production({ 'internal.partner.example': ['10.1.2.3'] });
    const t = await h.tenant();
    const created = await h.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: t.auth, payload: { url: 'https://hooks.partner.example/x', events: ['*'] } });
    assert.equal(created.statusCode, 201, created.body);
    const patch = await h.inject({ method: 'PATCH', url: `/v1/webhook-endpoints/${json(created).id}`, headers: t.auth, payload: { url: 'https://internal.partner.example/x' } });
    assert.match(assertValidation(patch, 422, 'url')[0]!.message, /private address/);
  });

  it('production: public https URLs are accepted (names resolving to public addresses only, public literals)', async () => {
    production();
    for (const url of ['https://hooks.partner.example/layers', 'https://hooks.partner.example:8443/x?tenant=1', 'https://93.184.215.14/hook', 'https://[2606:4700:4700::1111]/']) {
      const res = await create(url);
      assert.equal(res.statusCode, 201, `${url}: ${res.body}`);
      assert.equal(json(res).url, url);
    }
  });

  it('development: http only for localhost, https anywhere, credentials never', async () => {
    for (const url of ['http://localhost:3000/hooks', 'http://127.0.0.1:8080/x', 'http://[::1]:9000/', 'https://10.0.0.5/', 'https://localhost/']) {
      assert.equal((await create(url)).statusCode, 201, url);
    }
    for (const [url, message] of [
      ['http://hooks.example.com/x', /^must use https \(http is allowed only for localhost in development\)$/],
      ['http://10.0.0.5/x', /http is allowed only for localhost/],
      ['http://user:pw@localhost/', /credentials/],
    ] as const) {
      assert.match(assertValidation(await create(url), 422, 'url')[0]!.message, message);
    }
  });

  it('delivery re-checks at connect time: a name that now resolves to a private address (DNS rebinding) is refused, nothing is sent', async () => {
    production();
    const t = await h.tenant();
    const res = await h.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: t.auth, payload: { url: 'https://hooks.partner.example/x', events: ['*'] } });
    assert.equal(res.statusCode, 201, res.body);
    const { id } = json(res);
    const d = json(await h.inject({ method: 'POST', url: `/v1/webhook-endpoints/${id}/test`, headers: t.auth }));
    const lookups: string[] = [];
    const rebound: DnsLookup = async (host) => {
      lookups.push(host);
      return [{ address: '93.184.215.14', family: 4 }, { address: '10.0.0.7', family: 4 }];
    };
    await deliverDue(workerDeps(h, { webhookUrlPolicy: 'production', webhookDnsLookup: rebound }));
    assert.deepEqual(lookups, ['hooks.partner.example'], 'resolved once, by the connection itself');
    const row = await h.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', d.id).executeTakeFirstOrThrow();
    assert.deepEqual([row.status, row.attempts, row.last_status_code, row.next_attempt_at], ['failed', 1, null, null]);
    assert.equal(row.last_error, 'refused: hooks.partner.example resolves to 10.0.0.7, a private address');
  });

  it('delivery under production rules refuses an http://127.0.0.1 endpoint saved under development rules; never connects', async () => {
    const r = await new Receiver().start();
    try {
      const t = await h.tenant();
      const { id } = json(await h.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: t.auth, payload: { url: r.url, events: ['*'] } }));
      const d = json(await h.inject({ method: 'POST', url: `/v1/webhook-endpoints/${id}/test`, headers: t.auth }));
      await deliverDue(workerDeps(h, { webhookUrlPolicy: 'production' }));
      const row = await h.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', d.id).executeTakeFirstOrThrow();
      assert.deepEqual([row.status, row.last_error], ['failed', 'refused: url must use https']);
      assert.equal(r.requests.length, 0);
    } finally {
      await r.stop();
    }
  });
});
