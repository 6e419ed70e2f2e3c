import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { openDatabase } from '../../src/db/client.js';
import { crashSite } from './crash-site.js';
import {
  admin,
  call,
  createAccount,
  createTenant,
  DATABASES,
  type Res,
  type Server,
  show,
  stopServer,
  type Tenant,
} from './support.js';

// kill -9 of a real `layers serve` while a parent archives its child organization (two keys, 2,000
// queued posts), then a restart on the same data: the archive is all or nothing — organization,
// every key, every post, audit rows and events — never a mix. Kill points: held open by the
// test-only pause after the keys are revoked and just before COMMIT, and right after the 200.
// (The pattern of kill-mid-revoke.test.ts, with fewer posts: the point here is the one transaction.)

const POSTS = 2_000;
const KEYS = 2;

type Plan =
  | { name: string; kind: 'pause'; point: 'archive-organization:after-revoke' | 'archive-organization:before-commit' }
  | { name: string; kind: 'after-200' };
type Attempt = { plan: Plan; parent: Tenant; child: Tenant; answer: string };

for (const kind of DATABASES) {
  describe(`kill -9 mid-archive of a child organization, then restart [${kind}]`, { timeout: 600_000 }, () => {
    const site = crashSite(kind, 'kill-archive');
    let server: Server | undefined;

    /** A child of a fresh parent: two keys (made by the parent), a project, an account with POSTS queued posts. */
    async function family(base: string): Promise<{ parent: Tenant; child: Tenant }> {
      const parent = await createTenant(base);
      const org = await call(base, 'POST', '/v1/organizations', { auth: parent.auth, body: { name: 'Customer' } });
      assert.equal(org.status, 201, show(org.text));
      const keys: Res[] = [];
      for (let i = 0; i < KEYS; i++) {
        keys.push(
          await call(base, 'POST', `/v1/organizations/${org.body.id}/api-keys`, {
            auth: parent.auth,
            body: { name: `k${i}`, scopes: ['projects:read', 'publish:read'], env: 'test' },
          }),
        );
        assert.equal(keys[i]!.status, 201, show(keys[i]!.text));
      }
      const project = await admin(base, 'POST', '/projects', { organizationId: org.body.id, name: 'Child project' });
      const child: Tenant = {
        organizationId: org.body.id,
        apiKeyId: keys[0]!.body.apiKeyId,
        key: keys[0]!.body.key,
        auth: `Bearer ${keys[0]!.body.key}`,
        projectId: project.projectId,
      };
      await createAccount(base, child, POSTS);
      return { parent, child };
    }

    it('every kill point leaves all or nothing, and an undone archive is simply retried', async (t) => {
      const plans: Plan[] = [
        { name: 'paused after the keys are revoked', kind: 'pause', point: 'archive-organization:after-revoke' },
        { name: 'right after the 200', kind: 'after-200' },
        { name: 'paused just before COMMIT', kind: 'pause', point: 'archive-organization:before-commit' },
      ];
      const attempts: Attempt[] = [];
      for (const plan of plans) {
        server = await site.start({ LAYERS_TEST_FAULTS: plan.kind === 'pause' ? `${plan.point}:pause` : undefined });
        const { parent, child } = await family(server.url);
        const attempt: Attempt = { plan, parent, child, answer: 'none' };
        attempts.push(attempt);
        const request = call(server.url, 'DELETE', `/v1/organizations/${child.organizationId}`, {
          auth: parent.auth,
        }).then(
          (res) => {
            attempt.answer = String(res.status);
            return res;
          },
          (err: Error) => {
            attempt.answer = err.message;
            return undefined;
          },
        );
        if (plan.kind === 'pause') {
          await server.waitForLine(new RegExp(`"testFault":"paused","point":"${plan.point}"`));
        } else {
          const res = await request;
          assert.equal(res?.status, 200, show(res?.text ?? ''));
          assert.deepEqual([res!.body.revokedApiKeys, res!.body.canceledScheduledPosts], [KEYS, POSTS]);
        }
        await server.kill9();
        await request;
      }

      // The whole state, straight from what the kills left behind.
      const handle = await site.open();
      try {
        for (const a of attempts) {
          const outcome = await wholeState(handle.db, a);
          t.diagnostic(`${a.plan.name}: client saw ${a.answer.slice(0, 60)} → ${outcome}`);
          assert.equal(outcome, a.plan.kind === 'pause' ? 'untouched' : 'archived', a.plan.name);
        }
      } finally {
        await handle.close();
      }

      // Restarted: the API shows the same; an undone archive retried answers the full counts.
      server = await site.start();
      for (const a of attempts) {
        const whoami = await call(server.url, 'GET', '/v1/whoami', { auth: a.child.auth });
        const res = await call(server.url, 'DELETE', `/v1/organizations/${a.child.organizationId}`, {
          auth: a.parent.auth,
        });
        assert.equal(res.status, 200, show(res.text));
        if (a.plan.kind === 'pause') {
          assert.equal(whoami.status, 200, `${a.plan.name}: the child's key still works`);
          assert.deepEqual([res.body.revokedApiKeys, res.body.canceledScheduledPosts], [KEYS, POSTS]);
        } else {
          assert.equal(whoami.status, 401, `${a.plan.name}: an acknowledged archive was lost`);
          assert.deepEqual([res.body.revokedApiKeys, res.body.canceledScheduledPosts], [0, 0]);
        }
      }
      assert.deepEqual(await stopServer(server), { code: 0, signal: null }, show(server.output()));
    });
  });
}

type Db = Awaited<ReturnType<typeof openDatabase>>['db'];

/** Organization, keys, posts, audit rows and events agree on one whole state; which one. */
async function wholeState(db: Db, a: Attempt): Promise<'archived' | 'untouched'> {
  const org = await db
    .selectFrom('organizations')
    .select(['status', 'archived_at'])
    .where('id', '=', a.child.organizationId)
    .executeTakeFirstOrThrow();
  const keys = await db
    .selectFrom('api_keys')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.count<number>('revoked_at').as('revoked')])
    .where('organization_id', '=', a.child.organizationId)
    .executeTakeFirstOrThrow();
  const posts = await db
    .selectFrom('scheduled_posts')
    .select(['status', 'cancel_reason', (eb) => eb.fn.countAll<number>().as('n')])
    .where('organization_id', '=', a.child.organizationId)
    .groupBy(['status', 'cancel_reason'])
    .execute();
  const audit = await db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('organization_id', 'in', [a.parent.organizationId, a.child.organizationId])
    .where('event_type', 'in', ['organization.archived', 'scheduled_post.canceled'])
    .executeTakeFirstOrThrow();
  const events = await db
    .selectFrom('outbox_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('organization_id', '=', a.child.organizationId)
    .where('type', '=', 'post.canceled')
    .executeTakeFirstOrThrow();
  const seen = {
    status: org.status,
    archivedAt: org.archived_at !== null,
    keys: [Number(keys.n), Number(keys.revoked)],
    posts: posts.map((p) => [p.status, p.cancel_reason, Number(p.n)]),
    audit: Number(audit.n),
    events: Number(events.n),
  };
  const archived = {
    status: 'archived',
    archivedAt: true,
    keys: [KEYS, KEYS],
    posts: [['canceled', 'organization_archived', POSTS]],
    audit: 2 + POSTS, // organization.archived in both logs, one scheduled_post.canceled per post
    events: POSTS,
  };
  const untouched = {
    status: 'active',
    archivedAt: false,
    keys: [KEYS, 0],
    posts: [['queued', null, POSTS]],
    audit: 0,
    events: 0,
  };
  const whole = seen.status === 'archived' ? archived : untouched;
  assert.deepEqual(seen, whole, `${a.plan.name} (${a.answer}): a mix after the crash: ${JSON.stringify(seen)}`);
  return seen.status === 'archived' ? 'archived' : 'untouched';
}
