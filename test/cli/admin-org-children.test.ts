import assert from 'node:assert/strict';
import type net from 'node:net';
import { before, it } from 'node:test';
import { ADMIN_TOKEN, describeEachDb } from '../harness.js';
import { childTenant } from '../support/child-organizations.js';
import { label, layers, type Run } from '../support/layers-cli.js';

// `layers admin org children ORG_ID`, as a user types it, against a real server (the harness's
// app on a port): the operator listing a partner's child organizations.

describeEachDb('layers admin org children (real processes)', (h) => {
  let base: string;
  before(async () => {
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(h.app.server.address() as net.AddressInfo).port}`;
  });
  const admin = (...args: string[]) => layers(['admin', ...args, '--url', base, '--token', ADMIN_TOKEN]);
  const ids = (r: Run) => {
    assert.equal(r.code, 0, label(r));
    return (JSON.parse(r.stdout).items as { id: string; parentOrganizationId: string }[]).map((o) => o.id);
  };

  it('lists a parent’s children newest first, in pages and by status; nobody else’s; 404 and usage errors', async () => {
    const parent = await h.tenant();
    const older = await childTenant(h, parent, 'Older');
    h.clock.set(new Date(Date.now() + 1000));
    const newer = await childTenant(h, parent, 'Newer');
    h.clock.set(undefined);
    await childTenant(h, await h.tenant(), 'Someone else’s');

    assert.deepEqual(ids(await admin('org', 'children', parent.organizationId)), [
      newer.organizationId,
      older.organizationId,
    ]);
    const first = await admin('org', 'children', parent.organizationId, '--limit', '1');
    assert.deepEqual(ids(first), [newer.organizationId]);
    const cursor = JSON.parse(first.stdout).nextCursor as string;
    const second = await admin('org', 'children', parent.organizationId, '--limit', '1', '--cursor', cursor);
    assert.deepEqual(ids(second), [older.organizationId]);
    assert.equal(JSON.parse(second.stdout).nextCursor, null);

    const suspend = await h.inject({
      method: 'POST',
      url: `/v1/organizations/${older.organizationId}/suspend`,
      headers: parent.auth,
    });
    assert.equal(suspend.statusCode, 200, suspend.body);
    assert.deepEqual(ids(await admin('org', 'children', parent.organizationId, '--status', 'suspended')), [
      older.organizationId,
    ]);
    assert.deepEqual(ids(await admin('org', 'children', newer.organizationId)), [], 'a child has no children');

    const unknown = await admin('org', 'children', 'org_00000000-0000-4000-8000-000000000000');
    assert.equal(unknown.code, 1, label(unknown));
    assert.equal(unknown.stdout, '');
    assert.equal(JSON.parse(unknown.stderr).error.code, 'NOT_FOUND');
    const usage = await admin('org', 'children', parent.organizationId, '--status', 'gone');
    assert.equal(usage.code, 2, label(usage));
  });
});
