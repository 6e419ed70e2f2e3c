import assert from 'node:assert/strict';
import type net from 'node:net';
import { before, it } from 'node:test';
import { ADMIN_TOKEN, describeEachDb } from '../harness.js';
import { label, layers } from '../support/layers-cli.js';

// `layers admin key rotate` and `key list --limit/--cursor`, as a user types them, against a real
// server (the harness's app on a port): real processes, the operator plane over HTTP.

describeEachDb('layers admin key rotate / list pages (real processes)', (h) => {
  let base: string;
  before(async () => {
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(h.app.server.address() as net.AddressInfo).port}`;
  });
  const admin = (...args: string[]) => layers(['admin', ...args, '--url', base, '--token', ADMIN_TOKEN]);
  const whoami = (key: string) => fetch(`${base}/v1/whoami`, { headers: { authorization: `Bearer ${key}` } });

  it('key rotate: prints the new key once; the old one works through --grace-seconds; rotating again exits 1 (409)', async () => {
    const t = await h.tenant({ scopes: ['social:read'] });
    const run = await admin('key', 'rotate', t.apiKeyId, '--grace-seconds', '3600');
    assert.equal(run.code, 0, label(run));
    const body = JSON.parse(run.stdout);
    assert.equal(body.previousApiKeyId, t.apiKeyId);
    assert.deepEqual(body.scopes, ['social:read']);
    assert.equal((await (await whoami(body.key)).json()).apiKeyId, body.apiKeyId);
    assert.equal((await whoami(t.key)).status, 200, 'the old key is in its grace period');
    const expires = Date.parse(body.previousKeyExpiresAt) - Date.parse(body.createdAt);
    assert.equal(expires, 3600_000);

    const again = await admin('key', 'rotate', t.apiKeyId);
    assert.equal(again.code, 1, label(again));
    assert.equal(again.stdout, '');
    assert.equal(JSON.parse(again.stderr).error.details.reason, 'superseded');

    const table = await admin('key', 'list', '--org', t.organizationId, '--table');
    assert.match(table.stdout, new RegExp(`${t.apiKeyId}_…\\S+\\s.*superseded ${body.previousKeyExpiresAt}`));
    const usage = await admin('key', 'rotate', t.apiKeyId, '--grace-seconds', 'soon');
    assert.equal(usage.code, 2, label(usage));
  });

  it('key list --limit/--cursor: pages, newest first', async () => {
    // Pinned a second apart: "newest first" is then a fact, not the luck of two different milliseconds.
    const t = await h.atTime('2030-01-01T00:00:00Z', () => h.tenant());
    const second = await h.atTime('2030-01-01T00:00:01Z', () => h.key(t, ['social:read']));
    const first = await admin('key', 'list', '--org', t.organizationId, '--limit', '1');
    assert.equal(first.code, 0, label(first));
    const p1 = JSON.parse(first.stdout);
    assert.deepEqual(
      p1.items.map((k: { apiKeyId: string }) => k.apiKeyId),
      [second.apiKeyId],
    );
    const next = await admin('key', 'list', '--org', t.organizationId, '--limit', '1', '--cursor', p1.nextCursor);
    const p2 = JSON.parse(next.stdout);
    assert.deepEqual([p2.items.map((k: { apiKeyId: string }) => k.apiKeyId), p2.nextCursor], [[t.apiKeyId], null]);
  });
});
