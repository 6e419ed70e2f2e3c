import assert from 'node:assert/strict';
import fs from 'node:fs';
import { before, describe, it } from 'node:test';
import {
  ALL_WEBHOOK_TYPES,
  AUDIT_EVENTS,
  type AuditEventType,
  isWebhookEventType,
  WEBHOOK_EVENTS,
} from '../../src/events/catalogue.js';
import * as admin from '../../src/services/admin.js';
import { runPublisher } from '../../src/worker/publisher.js';
import { runTokenRefresh } from '../../src/worker/token-refresh.js';
import { runUpstreamRevocations } from '../../src/worker/upstream-revocation.js';
import { ADMIN_TOKEN, describeEachDb, json, type Tenant } from '../harness.js';
import { sandboxAccount, useSandbox, workerDeps } from '../support/sandbox.js';

// Every event the server writes matches its catalogue entry: real flows run, then each outbox
// row's data is checked against its webhook type's schema and each audit row's against its
// audit type's — no missing field, no field the catalogue (and so the OpenAPI document) omits.

const HOUR = 3600_000;
const operator = { authorization: `Bearer ${ADMIN_TOKEN}` };
/** Audit types no flow below reaches, and why. */
const NOT_DRIVEN: Partial<Record<AuditEventType, string>> = {
  'webhook_endpoint.paused': 'needs 20 consecutive failed deliveries (test/webhooks/delivery.test.ts covers it)',
};

/** The payload as its schema reads it: parse errors name the type and the path. */
function checkAgainst(kind: string, type: string, schema: { safeParse(v: unknown): any }, data: unknown) {
  const parsed = schema.safeParse(data);
  assert.ok(parsed.success, `${kind} ${type}: ${JSON.stringify(parsed.error?.issues)}\n${JSON.stringify(data)}`);
  // zod drops fields it does not know: a difference is a field the catalogue does not describe.
  assert.deepEqual(parsed.data, data, `${kind} ${type}: a field outside the catalogue`);
}

describeEachDb('event catalogue: every written event matches its schema', (h) => {
  const fx = useSandbox();
  before(() => {
    h.deps.platforms = { live: fx.adapters, test: fx.adapters };
  });
  const call = async (
    t: Tenant | null,
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    payload?: object,
  ) => {
    const res = await h.inject({ method, url, headers: t ? t.auth : operator, ...(payload ? { payload } : {}) });
    assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
    return json(res);
  };

  async function connectViaOAuth(t: Tenant) {
    const k = await admin.createApiKey(h.adminCtx(), {
      organizationId: t.organizationId,
      scopes: ['*'],
      tier: 'partner',
      env: 'test',
      returnUrls: ['app.partner.test'],
    });
    const auth = { ...t, auth: { authorization: `Bearer ${k.key}` } };
    const { authorizeUrl } = await call(auth, 'POST', `/v1/projects/${t.projectId}/social/oauth-url`, {
      platform: 'tiktok',
      returnUrl: 'https://app.partner.test/connected',
    });
    const url = new URL(authorizeUrl);
    url.searchParams.set('sandbox_user', `u_${t.organizationId.slice(-6)}`);
    const atPlatform = await fetch(url, { redirect: 'manual' });
    const callback = new URL(atPlatform.headers.get('location')!);
    const cb = await h.inject({ method: 'GET', url: callback.pathname + callback.search });
    assert.equal(cb.statusCode, 302, cb.body);
    return new URL(String(cb.headers.location)).searchParams.get('socialAccountId')!;
  }

  async function schedule(t: Tenant, accounts: string[], when?: string) {
    const content = await call(t, 'POST', `/v1/projects/${t.projectId}/content/upload`, {
      media: ['https://cdn.example.com/clip.mp4'],
      caption: 'Catalogue',
    });
    const body = {
      ...(when ? { scheduledFor: when } : {}),
      targets: accounts.map((socialAccountId) => ({ socialAccountId, mode: 'publish' })),
    };
    const res = await call(t, 'POST', `/v1/content/${content.id}/${when ? 'schedule' : 'publish'}`, body);
    return (res.scheduledPosts as { id: string }[]).map((p) => p.id);
  }

  it('connect, schedule, reschedule, cancel, publish, fail, reauth, revoke, lease, release, archive, approval, webhooks, keys, organizations', async () => {
    const t = await h.tenant();
    const later = new Date(Date.now() + 24 * HOUR).toISOString();
    const deps = workerDeps(h, fx, { random: () => 0.5 });

    // Accounts: one connected through OAuth, one with a sandbox grant, one whose grant the sandbox never issued.
    const connected = await connectViaOAuth(t);
    const good = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + 24 * HOUR));
    const refused = await h.account(t);
    const expiring = await h.account(t);
    await h.db
      .updateTable('social_accounts')
      .set({ token_expires_at: new Date(Date.now() + HOUR) })
      .where('id', '=', expiring)
      .execute();

    const [moved, canceled] = await schedule(t, [connected, good.id], later);
    await call(t, 'POST', `/v1/scheduled-posts/${moved}/reschedule`, {
      scheduledFor: new Date(Date.now() + 48 * HOUR).toISOString(),
    });
    await call(t, 'DELETE', `/v1/scheduled-posts/${canceled}`, { reason: 'campaign pulled' });
    await schedule(t, [good.id, refused]); // published, and failed with CREDENTIAL_INVALID (needs_reauth)
    await runPublisher(deps);
    await runTokenRefresh(deps); // needs_reauth, refresh_rejected
    fx.sandbox.setFault({ endpoint: 'tiktok.publish', mode: 'lost_response', count: 1 });
    await schedule(t, [good.id]); // made, but answered 5xx: looked up and found (scheduled_post.reconciled)
    await runPublisher(deps);

    await call(t, 'PUT', `/v1/social-accounts/${connected}/test-faults`, { faults: [{ fault: 'server_error' }] });
    await call(t, 'DELETE', `/v1/social-accounts/${connected}/test-faults`);
    await h.queuedPosts(connected, 2);
    await call(t, 'DELETE', `/v1/social-accounts/${connected}`);
    await runUpstreamRevocations(deps); // the second social_account.revoked, with upstreamRevocation

    // Leasing: request, fulfil, release with a queued post; a second request rejected.
    const pool = await call(null, 'POST', '/admin/v1/lease-pool', { platform: 'tiktok', handle: 'warm', followers: 1 });
    const req = await call(t, 'POST', `/v1/projects/${t.projectId}/leased-accounts/request`, {
      count: 1,
      niche: { vertical: 'fitness' },
    });
    const done = await call(null, 'POST', `/admin/v1/lease-requests/${req.requestId}/fulfil`, {
      poolAccountIds: [pool.poolAccountId],
    });
    await h.queuedPosts(done.assignedSocialAccountIds[0], 1);
    await call(t, 'DELETE', `/v1/leased-accounts/${done.assignedSocialAccountIds[0]}`, { reason: 'done' });
    const second = await call(t, 'POST', `/v1/projects/${t.projectId}/leased-accounts/request`, {
      count: 1,
      niche: { vertical: 'travel' },
    });
    await call(null, 'POST', `/admin/v1/lease-requests/${second.requestId}/reject`, { reason: 'none left' });

    // Projects: create, update, archive (with a queued post), unarchive.
    const project = await call(t, 'POST', '/v1/projects', { name: 'Second', timezone: 'UTC' });
    await call(t, 'PATCH', `/v1/projects/${project.id}`, { name: 'Renamed' });
    const other = await h.account({ ...t, projectId: project.id });
    await h.queuedPosts(other, 1);
    await call(t, 'DELETE', `/v1/projects/${project.id}`);
    await call(t, 'PATCH', `/v1/projects/${project.id}`, { status: 'active' });
    // The worker writes the revoke's, the release's and the archive's per-post rows after commit.
    await h.expandCancellations();

    // Approval: a policy; a schedule stashed then promoted by the approval; another content rejected.
    await call(t, 'PATCH', `/v1/projects/${project.id}/approval-policy`, { requiresApproval: true });
    const gated = () =>
      call(t, 'POST', `/v1/projects/${project.id}/content/upload`, { media: ['https://cdn.example.com/gated.mp4'] });
    const approved = await gated();
    await call(t, 'POST', `/v1/content/${approved.id}/schedule`, {
      scheduledFor: later,
      targets: [{ socialAccountId: other, mode: 'publish' }],
    });
    await call(t, 'POST', `/v1/content/${approved.id}/approve`, { note: 'ok' });
    await call(t, 'POST', `/v1/content/${(await gated()).id}/reject`, { reason: 'off brand' });

    // Webhook endpoints, a test ping and its replay; a key killed.
    const endpoint = await call(t, 'POST', '/v1/webhook-endpoints', {
      url: 'https://hooks.example.com/layers',
      events: ['*'],
    });
    await call(t, 'PATCH', `/v1/webhook-endpoints/${endpoint.id}`, { description: 'catalogue' });
    await call(t, 'POST', `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`);
    const ping = await call(t, 'POST', `/v1/webhook-endpoints/${endpoint.id}/test`);
    await call(t, 'POST', `/v1/webhook-deliveries/${ping.id}/replay`);
    await call(t, 'DELETE', `/v1/webhook-endpoints/${endpoint.id}`);
    const spare = await h.key(t, ['*']);
    await call(t, 'POST', `/v1/api-keys/${spare.apiKeyId}/kill`);
    await call(null, 'POST', `/admin/v1/api-keys/${spare.apiKeyId}/revoke`);
    // Self-service keys: created, rotated, revoked by a partner key.
    const made = await call(t, 'POST', `/v1/organizations/${t.organizationId}/api-keys`, {
      name: 'catalogue',
      scopes: ['social:read'],
      env: 'test',
    });
    const successor = await call(t, 'POST', `/v1/api-keys/${made.apiKeyId}/rotate`, { graceSeconds: 0 });
    await call(t, 'DELETE', `/v1/organizations/${t.organizationId}/api-keys/${successor.apiKeyId}`);
    // Child organizations: created, updated, suspended, resumed, archived (audited in the parent's log).
    const child = await call(t, 'POST', '/v1/organizations', { name: 'catalogue child' });
    await call(t, 'PATCH', `/v1/organizations/${child.id}`, { metadata: { a: 'b' } });
    await call(t, 'POST', `/v1/organizations/${child.id}/suspend`);
    await call(t, 'POST', `/v1/organizations/${child.id}/resume`);
    await call(t, 'DELETE', `/v1/organizations/${child.id}`);

    const outbox = await h.db
      .selectFrom('outbox_events')
      .select(['type', 'data'])
      .where('organization_id', '=', t.organizationId)
      .orderBy('seq')
      .execute();
    for (const e of outbox) {
      assert.ok(isWebhookEventType(e.type), `outbox type ${e.type} is in the catalogue`);
      checkAgainst('webhook', e.type, WEBHOOK_EVENTS[e.type].payload, e.data);
    }
    assert.deepEqual(
      [...new Set(outbox.map((e) => e.type))].sort(),
      [...ALL_WEBHOOK_TYPES].sort(),
      'every webhook type was written by some flow',
    );

    const audit = await h.db
      .selectFrom('audit_log')
      .select(['event_type', 'data'])
      .where('organization_id', '=', t.organizationId)
      .orderBy('id')
      .execute();
    for (const a of audit) {
      assert.ok(Object.hasOwn(AUDIT_EVENTS, a.event_type), `audit type ${a.event_type} is in the catalogue`);
      checkAgainst('audit', a.event_type, AUDIT_EVENTS[a.event_type as AuditEventType], a.data);
    }
    const driven = new Set(audit.map((a) => a.event_type));
    const missing = (Object.keys(AUDIT_EVENTS) as AuditEventType[]).filter((k) => !driven.has(k) && !NOT_DRIVEN[k]);
    assert.deepEqual(missing, [], 'every audit type was written by some flow');
  });

  it('both cancel paths write one post.canceled shape: a revoke’s posts carry note null, a partner cancel its note', async () => {
    const t = await h.tenant();
    const account = await h.account(t);
    const [one, two] = await h.queuedPosts(account, 2);
    await call(t, 'DELETE', `/v1/scheduled-posts/${one}`, { reason: 'why not' });
    await call(t, 'DELETE', `/v1/social-accounts/${account}`);
    await h.expandCancellations(); // the revoke's post.canceled events are written by the worker
    const events = await h.db
      .selectFrom('outbox_events')
      .select('data')
      .where('organization_id', '=', t.organizationId)
      .where('type', '=', 'post.canceled')
      .orderBy('seq')
      .execute();
    const data = events.map((e) => e.data as Record<string, unknown>);
    assert.deepEqual(
      data.map((d) => [d.id, d.cancelReason, d.note]),
      [
        [one, 'canceled_by_partner', 'why not'],
        [two, 'revoked_by_partner', null],
      ],
    );
    assert.deepEqual(Object.keys(data[0]!).sort(), Object.keys(data[1]!).sort());
  });
});

describe('event catalogue: documentation', () => {
  it('every webhook type has its section in docs/webhooks.md', () => {
    const docs = fs.readFileSync(new URL('../../docs/webhooks.md', import.meta.url), 'utf8');
    const headings = docs.split('\n').filter((l) => l.startsWith('### '));
    for (const type of ALL_WEBHOOK_TYPES) {
      assert.ok(
        headings.some((l) => l.includes(`\`${type}\``)),
        `docs/webhooks.md documents ${type} (a ### heading naming it)`,
      );
    }
  });
});
