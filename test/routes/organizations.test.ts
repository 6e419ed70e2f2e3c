import assert from 'node:assert/strict';
import { afterEach, it } from 'node:test';
import { assertEnvelope, assertValidation } from '../assertions.js';
import { describeEachDb, json, type Tenant } from '../harness.js';
import { CHILD_SCOPES, childTenant } from '../support/child-organizations.js';

// Child organizations: POST/GET /v1/organizations, GET/PATCH/DELETE /v1/organizations/:orgId,
// POST …/suspend and …/resume. Guards (401/403/404/429/503) are in the guard matrix.

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describeEachDb('child organizations', (h) => {
  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, t: Tenant, payload?: object) =>
    h.inject({ method, url, headers: t.auth, ...(payload && { payload }) });
  const create = (t: Tenant, payload: object) => call('POST', '/v1/organizations', t, payload);
  /** Pins the clock `ms` later than now (unpinned after each test). */
  const tick = (ms: number) => h.clock.set(new Date(h.clock.now().getTime() + ms));
  afterEach(() => h.clock.set(undefined));
  const whoami = async (t: Tenant) => h.inject({ method: 'GET', url: '/v1/whoami', headers: t.auth });

  it('create: 201 with the child; get, list newest first with keyset pages and a status filter; audited', async () => {
    const parent = await h.tenant();
    const res = await create(parent, {
      name: 'Acme',
      metadata: { crm: 'c_1' },
      billingEmail: 'billing@acme.test',
    });
    assert.equal(res.statusCode, 201, res.body);
    const child = json(res);
    assert.match(child.id, /^org_[0-9a-f-]{36}$/);
    assert.deepEqual(
      { ...child, createdAt: undefined, updatedAt: undefined },
      {
        id: child.id,
        parentOrganizationId: parent.organizationId,
        name: 'Acme',
        status: 'active',
        metadata: { crm: 'c_1' },
        billingEmail: 'billing@acme.test',
        archivedAt: null,
        createdAt: undefined,
        updatedAt: undefined,
      },
    );
    assert.match(child.createdAt, TIMESTAMP);
    assert.equal(child.updatedAt, child.createdAt);
    assert.deepEqual(json(await call('GET', `/v1/organizations/${child.id}`, parent)), child);

    const ids = [child.id];
    for (const name of ['B', 'C']) {
      tick(1000);
      ids.unshift(json(await create(parent, { name })).id);
    }
    const first = json(await call('GET', '/v1/organizations?limit=2', parent));
    assert.deepEqual(
      first.items.map((o: { id: string }) => o.id),
      ids.slice(0, 2),
    );
    const second = json(await call('GET', `/v1/organizations?limit=2&cursor=${first.nextCursor}`, parent));
    assert.deepEqual(
      second.items.map((o: { id: string }) => o.id),
      ids.slice(2),
    );
    assert.equal(second.nextCursor, null);
    await call('POST', `/v1/organizations/${ids[1]}/suspend`, parent);
    const suspended = json(await call('GET', '/v1/organizations?status=suspended', parent));
    assert.deepEqual(
      suspended.items.map((o: { id: string }) => o.id),
      [ids[1]],
    );
    // Another parent sees none of them.
    assert.deepEqual(json(await call('GET', '/v1/organizations', await h.tenant())).items, []);

    const audit = await h.db
      .selectFrom('audit_log')
      .select(['event_type', 'data'])
      .where('organization_id', '=', parent.organizationId)
      .where('event_type', '=', 'organization.created')
      .execute();
    assert.equal(audit.length, 3);
  });

  it('create: 422 for a bad name, metadata or billingEmail; a child creating a child is 422', async () => {
    const parent = await h.tenant();
    assertValidation(await create(parent, { name: '' }), 422, 'name');
    assertValidation(await create(parent, { name: 'x'.repeat(129) }), 422, 'name');
    assert.equal((await create(parent, { name: 'x'.repeat(128) })).statusCode, 201);
    assertValidation(await create(parent, { name: 'A', metadata: { k: 1 } }), 422, 'metadata.k');
    assertValidation(await create(parent, { name: 'A', billingEmail: 'nope' }), 422, 'billingEmail');
    assertValidation(await create(parent, { name: 'A', status: 'suspended' }), 422, 'status');

    // A child's key never holds org:admin when the parent makes it; an operator-made one still cannot nest.
    const child = await childTenant(h, parent);
    const childAdmin = await h.key(child, ['org:admin']);
    const nested = await h.inject({
      method: 'POST',
      url: '/v1/organizations',
      headers: childAdmin.auth,
      payload: { name: 'Grandchild' },
    });
    assertEnvelope(nested, 422, 'VALIDATION', {
      issues: [{ path: '', message: 'the calling organization is itself a child organization' }],
    });
  });

  it('whoami shows parentOrganizationId: the parent for a child key, null for a top-level key', async () => {
    const parent = await h.tenant();
    const child = await childTenant(h, parent);
    assert.equal(json(await whoami(child)).parentOrganizationId, parent.organizationId);
    assert.equal(json(await whoami(parent)).parentOrganizationId, null);
  });

  it('PATCH: name and billingEmail; metadata merged per key, null removes one; status is not patchable', async () => {
    const parent = await h.tenant();
    const child = json(await create(parent, { name: 'Acme', metadata: { a: '1', b: '2' } }));
    tick(5000);
    const res = await call('PATCH', `/v1/organizations/${child.id}`, parent, {
      name: 'Acme Inc',
      metadata: { a: null, c: '3' },
      billingEmail: null,
    });
    assert.equal(res.statusCode, 200, res.body);
    const patched = json(res);
    assert.equal(patched.name, 'Acme Inc');
    assert.deepEqual(patched.metadata, { b: '2', c: '3' });
    assert.equal(patched.billingEmail, null);
    assert.notEqual(patched.updatedAt, child.updatedAt);
    assert.equal(patched.createdAt, child.createdAt);
    assertValidation(await call('PATCH', `/v1/organizations/${child.id}`, parent, { status: 'active' }), 422, 'status');
  });

  it('suspend: the child’s next request is 503 KILL_SWITCH {scope: organization}; resume restores it', async () => {
    const parent = await h.tenant();
    const child = await childTenant(h, parent);
    assert.equal((await whoami(child)).statusCode, 200);
    const suspend = await call('POST', `/v1/organizations/${child.organizationId}/suspend`, parent);
    assert.equal(suspend.statusCode, 200, suspend.body);
    assert.equal(json(suspend).status, 'suspended');
    assertEnvelope(await whoami(child), 503, 'KILL_SWITCH', { scope: 'organization' });
    assertEnvelope(await call('GET', `/v1/projects/${child.projectId}`, child), 503, 'KILL_SWITCH', {
      scope: 'organization',
    });
    assert.equal((await whoami(parent)).statusCode, 200, 'the parent is untouched');
    // Idempotent by state: the same answer, no second audit row.
    const again = await call('POST', `/v1/organizations/${child.organizationId}/suspend`, parent);
    assert.deepEqual(json(again), json(suspend));

    const resume = await call('POST', `/v1/organizations/${child.organizationId}/resume`, parent);
    assert.equal(json(resume).status, 'active');
    assert.equal((await whoami(child)).statusCode, 200);
    assert.deepEqual(
      json(await call('POST', `/v1/organizations/${child.organizationId}/resume`, parent)),
      json(resume),
    );
    const audit = await h.db
      .selectFrom('audit_log')
      .select('event_type')
      .where('organization_id', '=', parent.organizationId)
      .where('event_type', 'in', ['organization.suspended', 'organization.resumed'])
      .orderBy('id')
      .execute();
    assert.deepEqual(
      audit.map((a) => a.event_type),
      ['organization.suspended', 'organization.resumed'],
    );
  });

  it('archive: every key of the child revoked (next call 401), its queued posts canceled, counts; final', async () => {
    const parent = await h.tenant();
    const child = await childTenant(h, parent);
    const second = json(
      await call('POST', `/v1/organizations/${child.organizationId}/api-keys`, parent, {
        name: 'Second',
        scopes: ['social:read'],
        env: 'test',
      }),
    );
    const account = await h.account(child);
    await h.queuedPosts(account, 4);
    const parentAccount = await h.account(parent);
    await h.queuedPosts(parentAccount, 2);

    tick(1000);
    const res = await call('DELETE', `/v1/organizations/${child.organizationId}`, parent);
    assert.equal(res.statusCode, 200, res.body);
    const body = json(res);
    assert.deepEqual(body, {
      id: child.organizationId,
      status: 'archived',
      archivedAt: body.archivedAt,
      revokedApiKeys: 2,
      canceledScheduledPosts: 4,
    });
    assert.match(body.archivedAt, TIMESTAMP);
    assertEnvelope(await whoami(child), 401, 'UNAUTHENTICATED');
    assertEnvelope(
      await h.inject({ method: 'GET', url: '/v1/whoami', headers: { authorization: `Bearer ${second.key}` } }),
      401,
      'UNAUTHENTICATED',
    );
    assert.deepEqual(await h.postStatuses(account), { canceled: 4 });
    assert.deepEqual(await h.postStatuses(parentAccount), { queued: 2 }, 'the parent’s posts are untouched');
    const acct = await h.db
      .selectFrom('social_accounts')
      .select('status')
      .where('id', '=', account)
      .executeTakeFirstOrThrow();
    assert.equal(acct.status, 'connected', 'archive disconnects nothing');
    await h.expandCancellations(); // the posts' records follow from the worker after commit
    const canceledEvents = await h.db
      .selectFrom('outbox_events')
      .select(['type', 'data'])
      .where('organization_id', '=', child.organizationId)
      .where('type', '=', 'post.canceled')
      .execute();
    assert.equal(canceledEvents.length, 4);
    for (const e of canceledEvents)
      assert.equal((e.data as { cancelReason: string }).cancelReason, 'organization_archived');

    // Archiving again: 200, the original archivedAt, nothing more.
    tick(1000);
    const again = json(await call('DELETE', `/v1/organizations/${child.organizationId}`, parent));
    assert.deepEqual(again, { ...body, revokedApiKeys: 0, canceledScheduledPosts: 0 });
    // Archived is final: suspend, resume, PATCH and new keys are 409 CONFLICT.
    const conflict = { reason: 'organization_archived', organizationId: child.organizationId };
    for (const verb of ['suspend', 'resume'])
      assertEnvelope(
        await call('POST', `/v1/organizations/${child.organizationId}/${verb}`, parent),
        409,
        'CONFLICT',
        conflict,
      );
    assertEnvelope(
      await call('PATCH', `/v1/organizations/${child.organizationId}`, parent, { name: 'X' }),
      409,
      'CONFLICT',
      conflict,
    );
    assertEnvelope(
      await call('POST', `/v1/organizations/${child.organizationId}/api-keys`, parent, {
        name: 'Late',
        scopes: ['social:read'],
        env: 'test',
      }),
      409,
      'CONFLICT',
      conflict,
    );
    assert.equal(json(await call('GET', `/v1/organizations/${child.organizationId}`, parent)).status, 'archived');
  });

  it('archive is all or nothing: a fault after the key revoke or before commit leaves keys, posts and logs', async () => {
    const parent = await h.tenant();
    const child = await childTenant(h, parent);
    const account = await h.account(child);
    await h.queuedPosts(account, 3);
    const count = async (table: 'audit_log' | 'outbox_events') =>
      (
        await h.db
          .selectFrom(table)
          .select('id')
          .where('organization_id', 'in', [parent.organizationId, child.organizationId])
          .execute()
      ).length;
    const before = { audit: await count('audit_log'), events: await count('outbox_events') };
    for (const point of ['archive-organization:after-revoke', 'archive-organization:before-commit']) {
      h.setFault((p) => {
        if (p === point) throw new Error('injected fault');
      });
      try {
        assertEnvelope(await call('DELETE', `/v1/organizations/${child.organizationId}`, parent), 500, 'INTERNAL');
      } finally {
        h.setFault(undefined);
      }
      assert.equal((await whoami(child)).statusCode, 200, `the child's key still works after a fault at ${point}`);
      assert.deepEqual(await h.postStatuses(account), { queued: 3 });
      assert.equal(json(await call('GET', `/v1/organizations/${child.organizationId}`, parent)).status, 'active');
      assert.deepEqual({ audit: await count('audit_log'), events: await count('outbox_events') }, before);
    }
  });

  it('isolation: a child never reaches its parent’s or a sibling’s resources, nor another parent’s child', async () => {
    const parent = await h.tenant();
    const child = await childTenant(h, parent, 'One');
    const sibling = await childTenant(h, parent, 'Two');
    const siblingAccount = await h.account(sibling);
    const parentAccount = await h.account(parent);
    const paths = [
      `/v1/projects/${parent.projectId}`,
      `/v1/projects/${sibling.projectId}`,
      `/v1/social-accounts/${siblingAccount}`,
      `/v1/social-accounts/${parentAccount}`,
      `/v1/api-keys/${sibling.apiKeyId}/kill`,
      `/v1/api-keys/${parent.apiKeyId}/kill`,
    ];
    for (const path of paths) {
      const method = path.endsWith('/kill') ? 'POST' : 'GET';
      assertEnvelope(await call(method, path, child), 404, 'NOT_FOUND');
    }
    // Even with an operator-made org:admin key, a child manages no organization but its own.
    const childAdmin = await h.key(child, ['org:admin']);
    const asChildAdmin = (method: 'GET' | 'POST', url: string) => h.inject({ method, url, headers: childAdmin.auth });
    for (const org of [sibling.organizationId, parent.organizationId]) {
      assertEnvelope(await asChildAdmin('GET', `/v1/organizations/${org}`), 404, 'NOT_FOUND');
      assertEnvelope(await asChildAdmin('POST', `/v1/organizations/${org}/suspend`), 404, 'NOT_FOUND');
      assertEnvelope(await asChildAdmin('GET', `/v1/organizations/${org}/api-keys`), 404, 'NOT_FOUND');
    }
    // Another parent cannot see, suspend or key this parent's child.
    const stranger = await h.tenant();
    assertEnvelope(await call('GET', `/v1/organizations/${child.organizationId}`, stranger), 404, 'NOT_FOUND');
    assertEnvelope(await call('DELETE', `/v1/organizations/${child.organizationId}`, stranger), 404, 'NOT_FOUND');
    assertEnvelope(await call('GET', `/v1/organizations/${child.organizationId}/api-keys`, stranger), 404, 'NOT_FOUND');
    assert.equal((await whoami(child)).statusCode, 200, 'nothing happened to the child');
  });

  it('the parent manages the child’s keys: create (never org:admin), list, revoke (next call 401)', async () => {
    const parent = await h.tenant();
    const child = await childTenant(h, parent);
    const keysUrl = `/v1/organizations/${child.organizationId}/api-keys`;
    for (const scopes of [['org:admin'], ['*'], ['social:read', 'org:admin']]) {
      assertEnvelope(await call('POST', keysUrl, parent, { name: 'K', scopes, env: 'test' }), 422, 'VALIDATION', {
        issues: [{ path: 'scopes', message: 'a child organization’s key never holds org:admin' }],
      });
    }
    const listed = json(await call('GET', keysUrl, parent));
    assert.deepEqual(
      listed.items.map((k: { apiKeyId: string; organizationId: string; scopes: string[] }) => [
        k.apiKeyId,
        k.organizationId,
        k.scopes,
      ]),
      [[child.apiKeyId, child.organizationId, CHILD_SCOPES]],
    );
    const revoked = await call('DELETE', `${keysUrl}/${child.apiKeyId}`, parent);
    assert.equal(json(revoked).status, 'revoked', revoked.body);
    assertEnvelope(await whoami(child), 401, 'UNAUTHENTICATED');
    // A parent's key of its own organization is not reachable under the child's id.
    assertEnvelope(await call('DELETE', `${keysUrl}/${parent.apiKeyId}`, parent), 404, 'NOT_FOUND');
  });
});
