import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { classifyAddress, type DnsLookup, NOT_PUBLIC } from '../../src/webhooks/url-safety.js';
import { deliverDue } from '../../src/worker/webhook-delivery.js';
import { assertValidation } from '../assertions.js';
import { describeEachDb, json } from '../harness.js';
import { fakeDns, registrationDns } from '../support/dns.js';
import { installNetworkFence } from '../support/network-fence.js';
import { Receiver, workerDeps } from './receiver.js';

describe('classifyAddress (ipaddr.js ranges)', () => {
  const cases: [string, 'public' | 'loopback' | 'refused', string][] = [
    ['93.184.215.14', 'public', 'unicast'],
    ['8.8.8.8', 'public', 'unicast'],
    ['2606:4700:4700::1111', 'public', 'unicast'],
    ['::ffff:8.8.8.8', 'public', 'ipv4Mapped unicast'],
    ['0.0.0.0', 'refused', 'unspecified'],
    ['10.200.3.4', 'refused', 'private'],
    ['100.64.0.1', 'refused', 'carrierGradeNat'],
    ['100.128.0.1', 'public', 'unicast'],
    ['127.0.0.1', 'loopback', 'loopback'],
    ['127.255.255.254', 'loopback', 'loopback'],
    ['169.254.169.254', 'refused', 'linkLocal'],
    ['172.16.0.1', 'refused', 'private'],
    ['172.31.255.255', 'refused', 'private'],
    ['172.32.0.1', 'public', 'unicast'],
    ['192.168.1.1', 'refused', 'private'],
    ['198.18.0.1', 'refused', 'reserved'],
    ['192.0.0.192', 'refused', 'reserved'], // Oracle Cloud's metadata service
    ['224.0.0.251', 'refused', 'multicast'],
    ['255.255.255.255', 'refused', 'broadcast'],
    ['240.0.0.1', 'refused', 'reserved'],
    ['::', 'refused', 'unspecified'],
    ['::1', 'loopback', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback', 'ipv4Mapped loopback'],
    ['::ffff:a9fe:a9fe', 'refused', 'ipv4Mapped linkLocal'],
    ['::ffff:10.0.0.1', 'refused', 'ipv4Mapped private'],
    ['::10.0.0.1', 'refused', 'not global unicast'], // IPv4-compatible (deprecated)
    ['::8.8.8.8', 'refused', 'not global unicast'],
    ['64:ff9b::192.168.0.1', 'refused', 'rfc6052 private'],
    ['64:ff9b::127.0.0.1', 'refused', 'rfc6052 loopback'], // the NAT64 gateway's loopback, not ours
    ['64:ff9b::8.8.8.8', 'public', 'rfc6052 unicast'],
    ['64:ff9b:1::a00:1', 'refused', 'rfc6052'], // local-use NAT64
    ['fd12:3456::1', 'refused', 'uniqueLocal'],
    ['fd00:ec2::254', 'refused', 'uniqueLocal'], // AWS's IPv6 metadata service
    ['fc00::1', 'refused', 'uniqueLocal'],
    ['fe80::1%eth0', 'refused', 'linkLocal'],
    ['fec0::1', 'refused', 'deprecatedSiteLocal'],
    ['ff02::1', 'refused', 'multicast'],
    ['2001:db8::1', 'refused', 'reserved'], // documentation
    ['2001:0:4136:e378:8000:63bf:f5ff:fffe', 'refused', 'teredo'], // client 10.0.0.1
    ['2002:7f00:1::', 'refused', '6to4'], // 127.0.0.1
    ['2002:a00:1::1', 'refused', '6to4'], // 10.0.0.1
    ['100::1', 'refused', 'discard'],
    ['4000::1', 'refused', 'not global unicast'], // unallocated
    ['not-an-ip', 'refused', 'not an IP address'],
  ];
  for (const [ip, kind, range] of cases) {
    it(`${ip} → ${kind} (${range})`, () => assert.deepEqual(classifyAddress(ip), { kind, range }));
  }
});

const fence = installNetworkFence(); // the delivery tests below must never connect beyond loopback, even if a check regressed
after(() => fence.uninstall());

describeEachDb('webhook URL safety', (h) => {
  afterEach(() => {
    assert.deepEqual(fence.attempts, [], 'no connection beyond loopback was attempted');
    h.deps.webhookAllowLoopback = true; // the harness's defaults
    h.deps.webhookDnsLookup = registrationDns;
  });
  /** The policy every mode runs with, unless LAYERS_WEBHOOK_ALLOW_LOOPBACK=1. */
  const defaultPolicy = (table: Record<string, string[]> = {}) => {
    h.deps.webhookAllowLoopback = false;
    h.deps.webhookDnsLookup = fakeDns({ 'hooks.partner.example': ['93.184.215.14', '2606:2800:220:1::1'], ...table });
  };
  const create = async (url: string) =>
    h.inject({
      method: 'POST',
      url: '/v1/webhook-endpoints',
      headers: (await h.tenant()).auth,
      payload: { url, events: ['*'] },
    });
  /** 422 VALIDATION on url with exactly `message`, in the message too; nothing about addresses. */
  const assertRefused = (res: Awaited<ReturnType<typeof create>>, url: string, message: string) => {
    const issues = assertValidation(res, 422, 'url');
    assert.deepEqual(issues, [{ path: 'url', message }], url);
    assert.equal(json(res).error.message, `Webhook URL refused: url ${message}.`, url);
    assert.doesNotMatch(
      res.body,
      /resolves|10\.1\.2\.3|169\.254|::1\b|could not be resolved/,
      `${url}: nothing about what the host is`,
    );
  };

  const refused: [string, string][] = [
    ['http://hooks.partner.example/layers', 'must use https'],
    ['https://localhost/layers', NOT_PUBLIC],
    ['https://admin.localhost/', NOT_PUBLIC],
    ['https://127.0.0.1/', NOT_PUBLIC],
    ['https://127.1/', NOT_PUBLIC],
    ['https://2130706433/', NOT_PUBLIC],
    ['https://0x7f000001:8443/', NOT_PUBLIC],
    ['https://10.0.0.5/', NOT_PUBLIC],
    ['https://172.20.1.1/', NOT_PUBLIC],
    ['https://192.168.0.10/', NOT_PUBLIC],
    ['https://169.254.169.254/latest/meta-data/', NOT_PUBLIC],
    ['https://100.100.100.200/', NOT_PUBLIC],
    ['https://0.0.0.0/', NOT_PUBLIC],
    ['https://224.0.0.1/', NOT_PUBLIC],
    ['https://[::1]/', NOT_PUBLIC],
    ['https://[::ffff:127.0.0.1]/', NOT_PUBLIC],
    ['https://[::ffff:169.254.169.254]/', NOT_PUBLIC],
    ['https://[fd00::1]/', NOT_PUBLIC],
    ['https://[fe80::1]/', NOT_PUBLIC],
    ['https://[64:ff9b::a00:1]/', NOT_PUBLIC],
    ['https://internal.partner.example/', NOT_PUBLIC],
    ['https://mixed.partner.example/', NOT_PUBLIC],
    ['https://metadata.partner.example/', NOT_PUBLIC],
    ['https://nowhere.partner.example/', NOT_PUBLIC], // does not resolve: the same answer, so no probing which names exist
    ['https://user:pass@hooks.partner.example/', 'must not contain credentials (user:password@)'],
    ['file:///etc/passwd', 'must use https'],
    ['gopher://hooks.partner.example/', 'must use https'],
    ['not a url', 'must be an absolute URL, e.g. https://hooks.example.com/layers'],
  ];

  it('default policy: SSRF targets are refused with 422 VALIDATION on url and one message that reveals nothing', async () => {
    defaultPolicy({
      'internal.partner.example': ['10.1.2.3'],
      'mixed.partner.example': ['93.184.215.14', '::1'],
      'metadata.partner.example': ['169.254.169.254'],
    });
    for (const [url, message] of refused) assertRefused(await create(url), url, message);
    assert.equal(
      await h.db
        .selectFrom('webhook_endpoints')
        .select('id')
        .where(
          'url',
          'in',
          refused.map(([u]) => u),
        )
        .executeTakeFirst(),
      undefined,
    );
  });

  it('default policy: PATCH re-checks a new url', async () => {
    defaultPolicy({ 'internal.partner.example': ['10.1.2.3'] });
    const t = await h.tenant();
    const created = await h.inject({
      method: 'POST',
      url: '/v1/webhook-endpoints',
      headers: t.auth,
      payload: { url: 'https://hooks.partner.example/x', events: ['*'] },
    });
    assert.equal(created.statusCode, 201, created.body);
    const patch = await h.inject({
      method: 'PATCH',
      url: `/v1/webhook-endpoints/${json(created).id}`,
      headers: t.auth,
      payload: { url: 'https://internal.partner.example/x' },
    });
    assertRefused(patch, 'https://internal.partner.example/x', NOT_PUBLIC);
    assert.equal(
      json(await h.inject({ method: 'GET', url: `/v1/webhook-endpoints/${json(created).id}`, headers: t.auth })).url,
      'https://hooks.partner.example/x',
    );
  });

  it('default policy: public https URLs are accepted (names resolving to public addresses only, public literals)', async () => {
    defaultPolicy();
    for (const url of [
      'https://hooks.partner.example/layers',
      'https://hooks.partner.example:8443/x?tenant=1',
      'https://93.184.215.14/hook',
      'https://[2606:4700:4700::1111]/',
    ]) {
      const res = await create(url);
      assert.equal(res.statusCode, 201, `${url}: ${res.body}`);
      assert.equal(json(res).url, url);
    }
  });

  it('loopback opt-in: http only for loopback receivers, https to public or loopback hosts, private never, credentials never', async () => {
    h.deps.webhookAllowLoopback = true;
    h.deps.webhookDnsLookup = fakeDns({ 'hooks.example.com': ['93.184.215.14'] });
    for (const url of [
      'http://localhost:3000/hooks',
      'http://127.0.0.1:8080/x',
      'http://[::1]:9000/',
      'https://localhost/',
      'https://hooks.example.com/x',
    ]) {
      assert.equal((await create(url)).statusCode, 201, url);
    }
    for (const [url, message] of [
      ['http://hooks.example.com/x', 'must use https (http only for a loopback receiver)'],
      ['http://10.0.0.5/x', 'must use https (http only for a loopback receiver)'],
      ['https://10.0.0.5/', NOT_PUBLIC],
      ['https://[::ffff:10.0.0.1]/', NOT_PUBLIC],
      ['https://169.254.169.254/', NOT_PUBLIC],
      ['http://user:pw@localhost/', 'must not contain credentials (user:password@)'],
    ] as const) {
      assertRefused(await create(url), url, message);
    }
  });

  it('delivery re-checks at connect time: a name that now resolves to a private address (DNS rebinding) is refused, nothing is sent', async () => {
    defaultPolicy();
    const t = await h.tenant();
    const res = await h.inject({
      method: 'POST',
      url: '/v1/webhook-endpoints',
      headers: t.auth,
      payload: { url: 'https://hooks.partner.example/x', events: ['*'] },
    });
    assert.equal(res.statusCode, 201, res.body);
    const { id } = json(res);
    const d = json(await h.inject({ method: 'POST', url: `/v1/webhook-endpoints/${id}/test`, headers: t.auth }));
    const lookups: string[] = [];
    const rebound: DnsLookup = async (host) => {
      lookups.push(host);
      return [
        { address: '93.184.215.14', family: 4 },
        { address: '10.0.0.7', family: 4 },
      ];
    };
    await deliverDue(workerDeps(h, { webhookAllowLoopback: false, webhookDnsLookup: rebound }));
    assert.deepEqual(lookups, ['hooks.partner.example'], 'resolved once, by the connection itself');
    const row = await h.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('id', '=', d.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual([row.status, row.attempts, row.last_status_code, row.next_attempt_at], ['failed', 1, null, null]);
    assert.equal(
      row.last_error,
      `refused: url ${NOT_PUBLIC}`,
      'the same text as any refused target: not what the name resolves to',
    );
  });

  it('delivery under the default policy refuses an http://127.0.0.1 endpoint saved under the loopback opt-in; never connects', async () => {
    const r = await new Receiver().start();
    try {
      const t = await h.tenant();
      const { id } = json(
        await h.inject({
          method: 'POST',
          url: '/v1/webhook-endpoints',
          headers: t.auth,
          payload: { url: r.url, events: ['*'] },
        }),
      );
      const d = json(await h.inject({ method: 'POST', url: `/v1/webhook-endpoints/${id}/test`, headers: t.auth }));
      await deliverDue(workerDeps(h, { webhookAllowLoopback: false }));
      const row = await h.db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('id', '=', d.id)
        .executeTakeFirstOrThrow();
      assert.deepEqual([row.status, row.last_error], ['failed', 'refused: url must use https']);
      assert.equal(r.requests.length, 0);
    } finally {
      await r.stop();
    }
  });
});
