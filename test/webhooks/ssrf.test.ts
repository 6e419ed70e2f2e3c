import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { NOT_PUBLIC } from '../../src/webhooks/url-safety.js';
import { deliverDue } from '../../src/worker/webhook-delivery.js';
import { assertEnvelope } from '../assertions.js';
import { describeEachDb, json, type Tenant } from '../harness.js';
import { fakeDns } from '../support/dns.js';
import { installNetworkFence } from '../support/network-fence.js';
import { workerDeps } from './receiver.js';

// SSRF, proven: every private, loopback, link-local, metadata, reserved and numeric form ×
// {default, production, loopback opt-in} × {registration, update, delivery of a row whose URL was
// written straight into the database}. Local TCP listeners on 127.0.0.1 and ::1 stand where a
// loopback form lands and must see no connection for a refused case; the other forms are never
// connected to — a network fence fails any connection beyond loopback and records it.

/** The webhook settings a process gets from its environment, as `layers serve` and the worker use them. */
const MODES = {
  default: loadConfig({}),
  production: loadConfig({ NODE_ENV: 'production' }),
  'loopback opt-in': loadConfig({ LAYERS_WEBHOOK_ALLOW_LOOPBACK: '1' }),
};

/** A TCP listener that counts connections and closes each at once. */
async function countingListener(host: string) {
  const counter = { host, port: 0, connections: 0, close: async () => {} };
  const server = net.createServer((socket) => {
    counter.connections++;
    socket.destroy();
  });
  try {
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, () => resolve()));
  } catch {
    return undefined; // no ::1 on this machine
  }
  counter.port = (server.address() as net.AddressInfo).port;
  counter.close = () => new Promise((resolve) => server.close(() => resolve()));
  return counter;
}

type Listener = NonNullable<Awaited<ReturnType<typeof countingListener>>>;
/** A URL form; `lands` names the listener it reaches when loopback receivers are allowed. */
type Form = { label: string; url: (v4: Listener, v6?: Listener) => string; lands?: 'v4' | 'v6'; http?: boolean };

const FORMS: Form[] = [
  // Loopback, in every spelling: the opt-in accepts these (and only these).
  { label: 'loopback 127.0.0.1', url: (l) => `https://127.0.0.1:${l.port}/hook`, lands: 'v4' },
  { label: 'loopback 127.0.0.1 over http', url: (l) => `http://127.0.0.1:${l.port}/hook`, lands: 'v4', http: true },
  { label: 'loopback short form 127.1', url: (l) => `https://127.1:${l.port}/`, lands: 'v4' },
  { label: 'loopback decimal 2130706433', url: (l) => `https://2130706433:${l.port}/`, lands: 'v4' },
  { label: 'loopback hex 0x7f000001', url: (l) => `https://0x7f000001:${l.port}/`, lands: 'v4' },
  { label: 'loopback octal 0177.0.0.1', url: (l) => `https://0177.0.0.1:${l.port}/`, lands: 'v4' },
  { label: 'loopback mixed 0x7f.0.0.1', url: (l) => `https://0x7f.0.0.1:${l.port}/`, lands: 'v4' },
  {
    label: 'loopback IPv4-mapped [::ffff:127.0.0.1]',
    url: (l) => `https://[::ffff:127.0.0.1]:${l.port}/`,
    lands: 'v4',
  },
  { label: 'localhost', url: (l) => `https://localhost:${l.port}/`, lands: 'v4' },
  { label: 'a name resolving to 127.0.0.1', url: (l) => `https://loopback.partner.example:${l.port}/`, lands: 'v4' },
  {
    label: 'a name resolving to ::ffff:127.0.0.1',
    url: (l) => `https://mapped-loopback.partner.example:${l.port}/`,
    lands: 'v4',
  },
  { label: 'loopback [::1]', url: (_, l6) => `https://[::1]:${l6!.port}/`, lands: 'v6' },
  { label: 'a name resolving to ::1', url: (_, l6) => `https://loopback6.partner.example:${l6!.port}/`, lands: 'v6' },
  // Loopback-looking forms that do not reach this machine's loopback: refused in every mode.
  { label: 'IPv4-compatible [::127.0.0.1]', url: (l) => `https://[::127.0.0.1]:${l.port}/` },
  { label: 'NAT64 [64:ff9b::127.0.0.1]', url: (l) => `https://[64:ff9b::127.0.0.1]:${l.port}/` },
  { label: '6to4 of 127.0.0.1 [2002:7f00:1::1]', url: (l) => `https://[2002:7f00:1::1]:${l.port}/` },
  // Private, link-local, CGNAT, metadata, unspecified, broadcast, multicast, reserved.
  { label: 'RFC1918 10.0.0.1', url: (l) => `https://10.0.0.1:${l.port}/` },
  { label: 'RFC1918 172.16.0.1', url: (l) => `https://172.16.0.1:${l.port}/` },
  { label: 'RFC1918 192.168.1.1', url: (l) => `https://192.168.1.1:${l.port}/` },
  { label: 'RFC1918 over http', url: (l) => `http://10.0.0.1:${l.port}/`, http: true },
  { label: 'decimal 167772161 (10.0.0.1)', url: (l) => `https://167772161:${l.port}/` },
  { label: 'octal 012.0.0.1 (10.0.0.1)', url: (l) => `https://012.0.0.1:${l.port}/` },
  { label: 'hex 0xa000001 (10.0.0.1)', url: (l) => `https://0xa000001:${l.port}/` },
  { label: 'short 10.1 (10.0.0.1)', url: (l) => `https://10.1:${l.port}/` },
  { label: 'cloud metadata 169.254.169.254', url: () => 'https://169.254.169.254/latest/meta-data/' },
  { label: 'metadata in hex 0xa9fea9fe', url: () => 'https://0xa9fea9fe/latest/meta-data/' },
  { label: 'link-local 169.254.1.1', url: (l) => `https://169.254.1.1:${l.port}/` },
  { label: 'CGNAT 100.64.0.1', url: (l) => `https://100.64.0.1:${l.port}/` },
  { label: 'Alibaba metadata 100.100.100.200', url: () => 'https://100.100.100.200/latest/meta-data/' },
  { label: 'Oracle metadata 192.0.0.192', url: () => 'https://192.0.0.192/opc/v2/instance/' },
  { label: 'AWS IPv6 metadata [fd00:ec2::254]', url: () => 'https://[fd00:ec2::254]/latest/meta-data/' },
  { label: 'unspecified 0.0.0.0', url: (l) => `https://0.0.0.0:${l.port}/` },
  { label: 'unspecified [::]', url: (l) => `https://[::]:${l.port}/` },
  { label: 'broadcast 255.255.255.255', url: (l) => `https://255.255.255.255:${l.port}/` },
  { label: 'multicast 224.0.0.1', url: (l) => `https://224.0.0.1:${l.port}/` },
  { label: 'multicast [ff02::1]', url: (l) => `https://[ff02::1]:${l.port}/` },
  { label: 'reserved 240.0.0.1', url: (l) => `https://240.0.0.1:${l.port}/` },
  { label: 'benchmarking 198.18.0.1', url: (l) => `https://198.18.0.1:${l.port}/` },
  { label: 'IPv4-mapped private [::ffff:10.0.0.1]', url: (l) => `https://[::ffff:10.0.0.1]:${l.port}/` },
  { label: 'IPv4-mapped metadata [::ffff:169.254.169.254]', url: () => 'https://[::ffff:169.254.169.254]/' },
  { label: 'IPv4-compatible [::10.0.0.1]', url: (l) => `https://[::10.0.0.1]:${l.port}/` },
  { label: 'NAT64 of a private address [64:ff9b::10.0.0.1]', url: (l) => `https://[64:ff9b::10.0.0.1]:${l.port}/` },
  { label: '6to4 of 10.0.0.1 [2002:a00:1::1]', url: (l) => `https://[2002:a00:1::1]:${l.port}/` },
  { label: 'Teredo of 10.0.0.1', url: (l) => `https://[2001:0:4136:e378:8000:63bf:f5ff:fffe]:${l.port}/` },
  { label: 'ULA [fd12:3456::1]', url: (l) => `https://[fd12:3456::1]:${l.port}/` },
  { label: 'IPv6 link-local [fe80::1]', url: (l) => `https://[fe80::1]:${l.port}/` },
  // Names whose answers are private: what they resolve to must never reach the caller.
  { label: 'a name resolving to 10.1.2.3', url: (l) => `https://internal.partner.example:${l.port}/` },
  {
    label: 'a name resolving to the metadata address',
    url: () => 'https://metadata.google.internal/computeMetadata/v1/',
  },
  { label: 'a name resolving to fd00:ec2::254', url: (l) => `https://ula.partner.example:${l.port}/` },
  { label: 'a name resolving to ::ffff:10.0.0.1', url: (l) => `https://mapped.partner.example:${l.port}/` },
  { label: 'a name resolving to NAT64 of 10.0.0.1', url: (l) => `https://nat64.partner.example:${l.port}/` },
  {
    label: 'a name resolving to a public and a private address',
    url: (l) => `https://mixed.partner.example:${l.port}/`,
  },
];

const DNS = fakeDns({
  'hooks.partner.example': ['93.184.215.14'],
  'loopback.partner.example': ['127.0.0.1'],
  'mapped-loopback.partner.example': ['::ffff:127.0.0.1'],
  'loopback6.partner.example': ['::1'],
  'internal.partner.example': ['10.1.2.3'],
  'metadata.google.internal': ['169.254.169.254'],
  'ula.partner.example': ['fd00:ec2::254'],
  'mapped.partner.example': ['::ffff:10.0.0.1'],
  'nat64.partner.example': ['64:ff9b::a00:1'],
  'mixed.partner.example': ['93.184.215.14', '10.0.0.7'],
});
// What an answer must never contain: the addresses the names above resolve to.
const RESOLVED = /10\.1\.2\.3|169\.254\.169\.254|fd00:ec2|10\.0\.0\.7|::ffff:10|64:ff9b|resolves/;

describe('LAYERS_WEBHOOK_ALLOW_LOOPBACK', () => {
  it('is off by default and in production, on only when set to 1; refused in production with one line', () => {
    assert.deepEqual(
      Object.entries(MODES).map(([m, c]) => [m, c.webhookAllowLoopback]),
      [
        ['default', false],
        ['production', false],
        ['loopback opt-in', true],
      ],
    );
    assert.equal(loadConfig({ NODE_ENV: 'test' }).webhookAllowLoopback, false);
    assert.equal(loadConfig({ LAYERS_WEBHOOK_ALLOW_LOOPBACK: '0' }).webhookAllowLoopback, false);
    assert.throws(
      () => loadConfig({ LAYERS_WEBHOOK_ALLOW_LOOPBACK: 'yes' }),
      (err: Error) => err instanceof ConfigError && /LAYERS_WEBHOOK_ALLOW_LOOPBACK/.test(err.message),
    );
    assert.throws(
      () => loadConfig({ NODE_ENV: 'production', LAYERS_WEBHOOK_ALLOW_LOOPBACK: '1' }),
      (err: Error) => {
        assert.ok(err instanceof ConfigError, String(err));
        assert.equal(
          err.message,
          'Invalid configuration: LAYERS_WEBHOOK_ALLOW_LOOPBACK=1 (loopback webhook receivers, for local development) is refused when NODE_ENV=production',
        );
        return true;
      },
    );
  });
});

const fence = installNetworkFence(); // for the whole file: installed once, whatever the databases
after(() => fence.uninstall());

describeEachDb('SSRF: webhook URLs in every mode', (h) => {
  let v4!: Listener;
  let v6: Listener | undefined;
  before(async () => {
    v4 = (await countingListener('127.0.0.1'))!;
    v6 = await countingListener('::1');
  });
  after(async () => {
    await v4.close();
    await v6?.close();
  });
  const connections = () => v4.connections + (v6?.connections ?? 0);

  const endpoint = (t: Tenant, url: string) =>
    h.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: t.auth, payload: { url, events: ['*'] } });
  /** The full 422 envelope, its one issue at `url`, and nothing about what the host resolves to. */
  function assertRefused(
    res: { statusCode: number; body: string; headers: Record<string, unknown> },
    message: string,
    label: string,
  ) {
    const issues = [{ path: 'url', message }];
    const err = assertEnvelope(res, 422, 'VALIDATION', { issues });
    assert.equal(err.message, `Webhook URL refused: url ${message}.`, label);
    assert.doesNotMatch(res.body, RESOLVED, `${label}: the answer names no resolved address`);
  }

  for (const [mode, config] of Object.entries(MODES)) {
    for (const form of FORMS) {
      const allowed = config.webhookAllowLoopback && form.lands !== undefined;
      const expected =
        form.http && !allowed
          ? config.webhookAllowLoopback
            ? 'must use https (http only for a loopback receiver)'
            : 'must use https'
          : NOT_PUBLIC;
      it(`${mode}: ${form.label} → ${allowed ? 'accepted, delivered to the loopback listener' : `refused (${expected}), never connected to`}`, async (t) => {
        if (form.lands === 'v6' && !v6) return t.skip('no ::1 on this machine');
        h.deps.webhookAllowLoopback = config.webhookAllowLoopback;
        h.deps.webhookDnsLookup = DNS;
        const url = form.url(v4, v6);
        const tenant = await h.tenant();
        const before = connections();

        // Registration.
        const created = await endpoint(tenant, url);
        if (allowed) assert.equal(created.statusCode, 201, `${url}: ${created.body}`);
        else assertRefused(created, expected, `create ${url}`);

        // Update of an endpoint saved with a public URL.
        const publicEndpoint = json(await endpoint(tenant, 'https://hooks.partner.example/hook'));
        const patched = await h.inject({
          method: 'PATCH',
          url: `/v1/webhook-endpoints/${publicEndpoint.id}`,
          headers: tenant.auth,
          payload: { url },
        });
        if (allowed) assert.equal(patched.statusCode, 200, `${url}: ${patched.body}`);
        else {
          assertRefused(patched, expected, `update ${url}`);
          assert.equal(
            json(
              await h.inject({
                method: 'GET',
                url: `/v1/webhook-endpoints/${publicEndpoint.id}`,
                headers: tenant.auth,
              }),
            ).url,
            'https://hooks.partner.example/hook',
          );
        }
        assert.equal(connections(), before, 'saving a URL never connects to it');

        // Delivery: the URL written straight into the row (registration bypassed), then a worker pass.
        await h.db.updateTable('webhook_endpoints').set({ url }).where('id', '=', publicEndpoint.id).execute();
        const test = await h.inject({
          method: 'POST',
          url: `/v1/webhook-endpoints/${publicEndpoint.id}/test`,
          headers: tenant.auth,
        });
        assert.equal(test.statusCode, 202, test.body);
        await deliverDue(
          workerDeps(h, {
            webhookAllowLoopback: config.webhookAllowLoopback,
            webhookDnsLookup: DNS,
            webhookTimeoutMs: 2_000,
          }),
        );
        const row = await h.db
          .selectFrom('webhook_deliveries')
          .selectAll()
          .where('id', '=', json(test).id)
          .executeTakeFirstOrThrow();
        assert.deepEqual(fence.attempts, [], 'no connection beyond loopback was attempted');
        if (allowed) {
          assert.ok(connections() > before, `${url}: the loopback listener saw the delivery (${row.last_error})`);
          assert.doesNotMatch(row.last_error ?? '', /^refused/, url);
          // Its retry must not land in a later case's pass: deleting the endpoint abandons it.
          assert.equal(
            (
              await h.inject({
                method: 'DELETE',
                url: `/v1/webhook-endpoints/${publicEndpoint.id}`,
                headers: tenant.auth,
              })
            ).statusCode,
            200,
          );
        } else {
          assert.equal(connections(), before, `${url}: the listener saw no connection`);
          assert.deepEqual(
            {
              status: row.status,
              attempts: row.attempts,
              statusCode: row.last_status_code,
              error: row.last_error,
              next: row.next_attempt_at,
            },
            { status: 'failed', attempts: 1, statusCode: null, error: `refused: url ${expected}`, next: null },
            url,
          );
        }
      });
    }
  }

  it('the listeners were live: the opt-in cases above reached them', () => {
    assert.ok(v4.connections > 0, 'the IPv4 listener saw the allowed deliveries');
    if (v6) assert.ok(v6.connections > 0, 'the IPv6 listener saw the allowed deliveries');
  });

  it('a name that does not resolve is refused like a private one at registration (no probing which names exist)', async () => {
    h.deps.webhookAllowLoopback = false;
    h.deps.webhookDnsLookup = DNS;
    assertRefused(await endpoint(await h.tenant(), 'https://nowhere.partner.example/hook'), NOT_PUBLIC, 'unresolvable');
  });
});
