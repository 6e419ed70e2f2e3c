import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import * as admin from '../../src/services/admin.js';
import { assertValidation } from '../assertions.js';
import { createContainer } from '../content-fixtures.js';
import { ADMIN_TOKEN, describeEachDb, type Harness, json, type Tenant } from '../harness.js';
import { webhookDeliveryFixture, webhookEndpointFixture } from '../webhooks/fixtures.js';

// One validation for every cursor (src/services/pagination.ts): a cursor is accepted only by the
// list that issued it, with the same parent and filters, and nothing in it reaches a query
// unchecked. A NUL inside a decoded cursor used to reach PostgreSQL (500); a cursor of one list
// was accepted by another.

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v), 'utf8').toString('base64url');
const decoded = (cursor: string) => JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));

type ListCase = { route: string; url: string };

/** Two assigned leases in t's project, through the lease pool as the operator fulfils them. */
async function twoLeases(h: Harness, t: Tenant) {
  const operator = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const ids: string[] = [];
  for (const handle of ['warm.one', 'warm.two']) {
    ids.push(
      json(
        await h.inject({
          method: 'POST',
          url: '/admin/v1/lease-pool',
          headers: operator,
          payload: { platform: 'tiktok', handle, followers: 10 },
        }),
      ).poolAccountId,
    );
  }
  const req = json(
    await h.inject({
      method: 'POST',
      url: `/v1/projects/${t.projectId}/leased-accounts/request`,
      headers: t.auth,
      payload: { count: 2, niche: { vertical: 'fitness' } },
    }),
  );
  const done = await h.inject({
    method: 'POST',
    url: `/admin/v1/lease-requests/${req.requestId}/fulfil`,
    headers: operator,
    payload: { poolAccountIds: ids },
  });
  assert.equal(done.statusCode, 200, done.body);
}

describeEachDb('cursors: bound to the list that issued them, checked before any query', (h) => {
  let t: Tenant;
  let lists: ListCase[];
  const get = (url: string, as = t) => h.inject({ method: 'GET', url, headers: as.auth });
  const withCursor = (url: string, cursor: string) =>
    `${url}${url.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}`;
  /** The nextCursor of the first one-item page of `url`. */
  async function firstCursor(url: string, as = t) {
    const res = await get(`${url}${url.includes('?') ? '&' : '?'}limit=1`, as);
    assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
    const { nextCursor } = json(res);
    assert.equal(typeof nextCursor, 'string', `${url} has a second page`);
    return nextCursor as string;
  }

  before(async () => {
    t = await h.tenant();
    await admin.createProject(h.adminCtx(), {
      organizationId: t.organizationId,
      name: 'Second project',
      timezone: 'UTC',
    });
    const sa = await h.account(t);
    await h.account(t, { platform: 'instagram' });
    await h.queuedPosts(sa, 2);
    await createContainer(h, t);
    await createContainer(h, t);
    await twoLeases(h, t);
    const delivery = await webhookDeliveryFixture(h, t);
    await h.inject({
      method: 'POST',
      url: `/v1/webhook-endpoints/${delivery.webhookEndpointId}/test`,
      headers: t.auth,
    });
    await webhookEndpointFixture(h, t);
    await h.inject({
      method: 'PATCH',
      url: `/v1/projects/${t.projectId}`,
      headers: t.auth,
      payload: { name: 'Audited twice' },
    });
    await h.inject({
      method: 'PATCH',
      url: `/v1/projects/${t.projectId}`,
      headers: t.auth,
      payload: { name: 'Audited thrice' },
    });
    for (const name of ['Child one', 'Child two']) {
      const child = await h.inject({ method: 'POST', url: '/v1/organizations', headers: t.auth, payload: { name } });
      assert.equal(child.statusCode, 201, child.body);
    }
    const key = await h.inject({
      method: 'POST',
      url: `/v1/organizations/${t.organizationId}/api-keys`,
      headers: t.auth,
      payload: { name: 'second', scopes: ['projects:read'], env: 'test' },
    });
    assert.equal(key.statusCode, 201, key.body);
    lists = [
      { route: '/v1/organizations', url: '/v1/organizations' },
      { route: '/v1/organizations/{orgId}/api-keys', url: `/v1/organizations/${t.organizationId}/api-keys` },
      { route: '/v1/projects', url: '/v1/projects' },
      { route: '/v1/projects/{projectId}/social-accounts', url: `/v1/projects/${t.projectId}/social-accounts` },
      { route: '/v1/projects/{projectId}/leased-accounts', url: `/v1/projects/${t.projectId}/leased-accounts` },
      { route: '/v1/projects/{projectId}/content', url: `/v1/projects/${t.projectId}/content` },
      { route: '/v1/projects/{projectId}/scheduled-posts', url: `/v1/projects/${t.projectId}/scheduled-posts` },
      { route: '/v1/webhook-endpoints', url: '/v1/webhook-endpoints' },
      {
        route: '/v1/webhook-endpoints/{webhookEndpointId}/deliveries',
        url: `/v1/webhook-endpoints/${delivery.webhookEndpointId}/deliveries`,
      },
      { route: '/v1/audit-log', url: '/v1/audit-log' },
    ];
  });

  it('covers every list route: each GET with a cursor parameter in the OpenAPI document', () => {
    const doc = h.app.swagger() as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
    };
    const paged = Object.entries(doc.paths)
      .filter(([, ops]) => ops.get?.parameters?.some((p) => p.in === 'query' && p.name === 'cursor'))
      .map(([p]) => p);
    assert.deepEqual(lists.map((l) => l.route).sort(), paged.sort());
  });

  it('each list pages with its own cursor, and its cursor carries the list’s tag', async () => {
    for (const { url } of lists) {
      const cursor = await firstCursor(url);
      assert.equal(typeof decoded(cursor).l, 'string', url);
      const next = await get(withCursor(`${url}${url.includes('?') ? '&' : '?'}limit=1`, cursor));
      assert.equal(next.statusCode, 200, `${url}: ${next.body}`);
      assert.equal(json(next).items.length, 1, url);
    }
  });

  it('a NUL or a lone surrogate anywhere inside a decoded cursor → 422 at cursor, on every list', async () => {
    for (const { url } of lists) {
      const own = decoded(await firstCursor(url));
      const poisoned = [
        ...Object.keys(own)
          .filter((k) => typeof own[k] === 'string')
          .map((k) => ({ ...own, [k]: `${own[k]}\u0000` })),
        { ...own, 'x\u0000': 1 },
        { ...own, nested: ['\ud800'] },
        { createdAt: '2026-01-01T00:00:00.000Z', id: 'sa_\u0000' },
      ];
      for (const value of poisoned) {
        const issues = assertValidation(await get(withCursor(url, b64(value))), 422, 'cursor');
        assert.equal(issues.length, 1, JSON.stringify(issues));
      }
    }
  });

  it('a cursor issued by another list → 422 at cursor naming that list, on every list', async () => {
    const cursors = await Promise.all(lists.map((l) => firstCursor(l.url)));
    for (const [i, { url }] of lists.entries()) {
      for (const [j, cursor] of cursors.entries()) {
        if (i === j) continue;
        const issues = assertValidation(await get(withCursor(url, cursor)), 422, 'cursor');
        assert.match(issues[0]!.message, /another list/, `${lists[j]!.url} cursor on ${url}`);
      }
    }
  });

  it('a cursor without the list tag (issued before it existed), or with junk beside the position → 422 at cursor', async () => {
    for (const { url } of lists) {
      const own = decoded(await firstCursor(url));
      const { l: _l, f: _f, ...untagged } = own;
      for (const value of [
        untagged,
        { ...own, extra: 1 },
        { ...own, l: 'orders' },
        { ...own, l: 7 },
        [own],
        'null',
        '"x"',
      ]) {
        assertValidation(await get(withCursor(url, b64(value))), 422, 'cursor');
      }
      for (const raw of [`${b64(own)}!`, `${b64(own)}==`, b64(own).slice(0, -3), 'e30']) {
        assertValidation(await get(withCursor(url, raw)), 422, 'cursor');
      }
    }
  });

  it('a cursor is bound to its parent and filters: another project’s, or other filters → 422; the same filters page on', async () => {
    const other = await h.tenant();
    await h.account(other);
    await h.account(other);
    const foreign = await firstCursor(`/v1/projects/${other.projectId}/social-accounts`, other);
    const accounts = `/v1/projects/${t.projectId}/social-accounts`;
    assertValidation(await get(withCursor(accounts, foreign)), 422, 'cursor');
    // A second project of the same organization is another parent too.
    const second = (
      await admin.createProject(h.adminCtx(), { organizationId: t.organizationId, name: 'Third', timezone: 'UTC' })
    ).projectId;
    assertValidation(
      await get(withCursor(`/v1/projects/${second}/social-accounts`, await firstCursor(accounts))),
      422,
      'cursor',
    );

    const filtered = `${accounts}?status=connected`;
    const cursor = await firstCursor(filtered);
    const same = await get(withCursor(`${filtered}&limit=5`, cursor)); // a different limit is fine
    assert.equal(same.statusCode, 200, same.body);
    for (const changed of [accounts, `${accounts}?status=disconnected`, `${filtered}&platform=tiktok`]) {
      const issues = assertValidation(await get(withCursor(changed, cursor)), 422, 'cursor');
      assert.match(issues[0]!.message, /other filters/, changed);
    }
    // since/until bind as instants: the same instant with another offset is the same filter.
    const posts = `/v1/projects/${t.projectId}/scheduled-posts?since=${encodeURIComponent('2000-01-01T00:00:00Z')}`;
    const postCursor = await firstCursor(posts);
    const sameInstant = await get(
      withCursor(
        `/v1/projects/${t.projectId}/scheduled-posts?since=${encodeURIComponent('2000-01-01T02:00:00+02:00')}`,
        postCursor,
      ),
    );
    assert.equal(sameInstant.statusCode, 200, sameInstant.body);
    assertValidation(await get(withCursor(`/v1/projects/${t.projectId}/scheduled-posts`, postCursor)), 422, 'cursor');
  });
});
