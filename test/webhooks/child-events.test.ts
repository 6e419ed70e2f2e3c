import assert from 'node:assert/strict';
import { afterEach, it } from 'node:test';
import { deliverDue, dispatchOutbox } from '../../src/worker/webhook-delivery.js';
import { assertEnvelope, assertValidation } from '../assertions.js';
import { describeEachDb, json, type Tenant } from '../harness.js';
import { CHILD_SCOPES, childTenant } from '../support/child-organizations.js';
import { Receiver, workerDeps } from './receiver.js';

// A parent's `all_children` webhook endpoint (docs/webhooks.md, "Child organizations' events"):
// it receives its direct children's events, each tagged with data.organizationId; nobody else's.

const TYPES = ['social_account.revoked', 'post.canceled'];

describeEachDb('webhooks: a parent receiving its children’s events', (h) => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function receiver() {
    const r = await new Receiver().start();
    cleanup.push(() => r.stop());
    return r;
  }

  async function endpoint(t: Tenant, r: Receiver, scope: 'organization' | 'all_children') {
    const res = await h.inject({
      method: 'POST',
      url: '/v1/webhook-endpoints',
      headers: t.auth,
      payload: { url: r.url, events: TYPES, scope },
    });
    assert.equal(res.statusCode, 201, res.body);
    const body = json(res);
    assert.equal(body.scope, scope);
    r.secrets = [body.secret];
    cleanup.push(() => h.inject({ method: 'DELETE', url: `/v1/webhook-endpoints/${body.id}`, headers: t.auth }));
    return body as { id: string };
  }

  /** Revokes a fresh account of t's with one queued post: a social_account.revoked and a post.canceled. */
  async function revoke(t: Tenant) {
    const account = await h.account(t);
    await h.queuedPosts(account, 1);
    const res = await h.inject({ method: 'DELETE', url: `/v1/social-accounts/${account}`, headers: t.auth });
    assert.equal(res.statusCode, 200, res.body);
  }

  const outbox = (organizationId: string) =>
    h.db
      .selectFrom('outbox_events')
      .select(['id', 'type', 'data'])
      .where('organization_id', '=', organizationId)
      .where('type', 'in', TYPES)
      .execute();

  it('all_children: a child’s events arrive tagged; a stranger’s never; an organization endpoint gets only its own', async () => {
    const parent = await h.tenant();
    const child = await childTenant(h, parent);
    const stranger = await h.tenant(); // a top-level organization beside the parent
    const strangersChild = await childTenant(h, stranger); // another parent's child
    const all = await receiver();
    const own = await receiver();
    const allEndpoint = await endpoint(parent, all, 'all_children');
    await endpoint(parent, own, 'organization');

    for (const t of [parent, child, stranger, strangersChild]) await revoke(t);
    await h.expandCancellations();
    await dispatchOutbox(workerDeps(h));
    await deliverDue(workerDeps(h));

    assert.deepEqual(all.signatureFailures, []);
    const childEvents = await outbox(child.organizationId);
    const parentEvents = await outbox(parent.organizationId);
    assert.equal(childEvents.length, 2);
    assert.equal(parentEvents.length, 2);
    assert.deepEqual(
      [...all.events.keys()].sort(),
      [...childEvents, ...parentEvents].map((e) => e.id).sort(),
      'the parent’s and its child’s events, nobody else’s',
    );
    for (const e of childEvents) {
      // The stored event is the child's; the delivery adds the child's id and nothing else.
      assert.equal((e.data as { organizationId?: string }).organizationId, undefined);
      assert.deepEqual(all.events.get(e.id)!.envelope.data, {
        ...(e.data as object),
        organizationId: child.organizationId,
      });
    }
    for (const e of parentEvents) assert.deepEqual(all.events.get(e.id)!.envelope.data, e.data, 'its own: untagged');

    assert.deepEqual(
      [...own.events.keys()].sort(),
      parentEvents.map((e) => e.id).sort(),
      'an organization-scoped endpoint of the parent: its own events only',
    );

    // The parent replays its delivery of the child's revoke: the new event is tagged the same.
    const revoked = childEvents.find((e) => e.type === 'social_account.revoked')!;
    const dlv = await h.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('event_id', '=', revoked.id)
      .where('endpoint_id', '=', allEndpoint.id)
      .executeTakeFirstOrThrow();
    const replay = await h.inject({
      method: 'POST',
      url: `/v1/webhook-deliveries/${dlv.id}/replay`,
      headers: parent.auth,
    });
    assert.equal(replay.statusCode, 202, replay.body);
    await deliverDue(workerDeps(h));
    const replayed = all.requests.find((r) => r.envelope.replayOf === revoked.id);
    assert.deepEqual(replayed?.envelope.data, { ...(revoked.data as object), organizationId: child.organizationId });
  });

  it('a child’s endpoint never gets its sibling’s events; switching scope back stops the fan-out', async () => {
    const parent = await h.tenant();
    const child = await childTenant(h, parent);
    const sibling = await childTenant(h, parent, 'Sibling');
    const childsOwn = await receiver();
    await endpoint(child, childsOwn, 'organization');
    const all = await receiver();
    const e = await endpoint(parent, all, 'all_children');
    const patched = await h.inject({
      method: 'PATCH',
      url: `/v1/webhook-endpoints/${e.id}`,
      headers: parent.auth,
      payload: { scope: 'organization' },
    });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(json(patched).scope, 'organization');

    await revoke(sibling);
    await h.expandCancellations();
    await dispatchOutbox(workerDeps(h));
    await deliverDue(workerDeps(h));
    assert.equal(childsOwn.requests.length, 0, 'a sibling’s events are not the child’s');
    assert.equal(all.requests.length, 0, 'no longer all_children: the children’s events stop');
    const rows = await h.db.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', e.id).execute();
    assert.deepEqual(rows, []);
  });

  it('all_children takes org:admin (403, create and PATCH) and a parent: a child is refused', async () => {
    const parent = await h.tenant();
    const writer = await h.key(parent, ['webhooks:read', 'webhooks:write']);
    const body = { url: 'https://hooks.example.com/layers', events: TYPES, scope: 'all_children' };
    const post = (auth: Record<string, string>, payload: object) =>
      h.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: auth, payload });
    const forbidden = { requiredScope: 'org:admin' };
    assertEnvelope(await post(writer.auth, body), 403, 'FORBIDDEN_SCOPE', forbidden);

    const created = await post(writer.auth, { ...body, scope: undefined });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(json(created).scope, 'organization', 'the default');
    const id = json(created).id as string;
    cleanup.push(() => h.inject({ method: 'DELETE', url: `/v1/webhook-endpoints/${id}`, headers: parent.auth }));
    const patch = (auth: Record<string, string>, payload: object) =>
      h.inject({ method: 'PATCH', url: `/v1/webhook-endpoints/${id}`, headers: auth, payload });
    assertEnvelope(await patch(writer.auth, { scope: 'all_children' }), 403, 'FORBIDDEN_SCOPE', forbidden);
    const row = () =>
      h.db.selectFrom('webhook_endpoints').select('scope').where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal((await row()).scope, 'organization', 'the refused PATCH changed nothing');
    const admin = await patch(parent.auth, { scope: 'all_children' });
    assert.equal(admin.statusCode, 200, admin.body);
    assert.equal((await row()).scope, 'all_children');
    assertValidation(await patch(parent.auth, { scope: 'everyone' }), 422, 'scope');

    // A child's keys never hold org:admin (test/routes/organizations.test.ts): 403 like any key without it.
    const child = await childTenant(h, parent);
    assert.ok(!CHILD_SCOPES.includes('org:admin'));
    assertEnvelope(await post(child.auth, body), 403, 'FORBIDDEN_SCOPE', forbidden);
    // Even a key with every scope, which only the operator could mint for a child: 422, it has no children.
    const operatorMinted = await h.key(child, ['*']);
    assertValidation(await post(operatorMinted.auth, body), 422, 'scope');
    const none = await h.db
      .selectFrom('webhook_endpoints')
      .select('id')
      .where('organization_id', '=', child.organizationId)
      .execute();
    assert.deepEqual(none, []);
  });
});
