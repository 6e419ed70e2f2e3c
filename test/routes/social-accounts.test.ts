import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { listMigrations } from '../../src/db/migrate.js';
import { insertSocialAccount } from '../../src/db/queries/social-accounts.js';
import { newId } from '../../src/ids.js';
import { assertEnvelope, assertValidation } from '../assertions.js';
import { describeEachDb, json, REQUEST_ID } from '../harness.js';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

// The seed's callout: every queued post is canceled in one transaction, however many there are.
// 10,000 rows also prove nothing binds one parameter per row (PostgreSQL stops at 65,535).
const POSTS = 10_000;

describeEachDb('social accounts', (h) => {
  const revoke = (id: string, headers: Record<string, string>) =>
    h.inject({ method: 'DELETE', url: `/v1/social-accounts/${id}`, headers });

  const list = (projectId: string, auth: Record<string, string>, query = '') =>
    h.inject({ method: 'GET', url: `/v1/projects/${projectId}/social-accounts${query}`, headers: auth });

  describe('DELETE /v1/social-accounts/:socialAccountId', () => {
    it('revokes: the seed response, field by field, and every queued post canceled', async () => {
      const t = await h.tenant();
      const id = await h.account(t);
      const queued = await h.queuedPosts(id, 4);
      await h.atTime('2026-04-18T19:15:02.345Z', async () => {
        const res = await revoke(id, t.auth);
        assert.equal(res.statusCode, 200, res.body);
        assert.match(String(res.headers['x-request-id']), REQUEST_ID);
        assert.deepEqual(json(res), {
          socialAccountId: id,
          status: 'disconnected',
          disconnectedReason: 'revoked_by_partner',
          canceledScheduledPosts: 4,
          disconnectedAt: '2026-04-18T19:15:02Z',
        });
        assert.deepEqual(Object.keys(json(res)), [
          'socialAccountId',
          'status',
          'disconnectedReason',
          'canceledScheduledPosts',
          'disconnectedAt',
        ]);
      });
      const account = await h.db
        .selectFrom('social_accounts')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.equal(account.status, 'disconnected');
      assert.equal(account.disconnected_reason, 'revoked_by_partner');
      assert.equal(account.token_ciphertext, null);
      assert.equal(account.token_wrapped_key, null);
      assert.equal(account.token_version, 1);
      const posts = await h.db
        .selectFrom('scheduled_posts')
        .select(['id', 'status', 'cancel_reason', 'canceled_at'])
        .where('id', 'in', queued)
        .execute();
      assert.equal(posts.length, 4);
      for (const p of posts) {
        assert.equal(p.status, 'canceled');
        assert.equal(p.cancel_reason, 'revoked_by_partner');
        assert.equal(p.canceled_at?.toISOString(), '2026-04-18T19:15:02.345Z');
      }
    });

    it('leaves publishing, published, failed and already-canceled posts as they are', async () => {
      const t = await h.tenant();
      const id = await h.account(t);
      await h.queuedPosts(id, 2);
      await h.postsWithStatus(t, id, 'publishing', 1);
      await h.postsWithStatus(t, id, 'published', 3);
      await h.postsWithStatus(t, id, 'failed', 2);
      await h.postsWithStatus(t, id, 'draft', 1);
      const res = await revoke(id, t.auth);
      assert.equal(json(res).canceledScheduledPosts, 2, res.body);
      assert.deepEqual(await h.postStatuses(id), { canceled: 2, publishing: 1, published: 3, failed: 2, draft: 1 });
    });

    it('400 VALIDATION for a path id that is not sa_<uuid>', async () => {
      const t = await h.tenant();
      for (const bad of [
        'sa_123',
        `prj_${randomUUID()}`,
        randomUUID(),
        `sa_${randomUUID()}x`,
        'sa_%00',
        `sa_${'a'.repeat(90)}`,
      ]) {
        const err = assertEnvelope(await revoke(bad, t.auth), 400, 'VALIDATION', {
          issues: [{ path: 'socialAccountId', message: 'must be a sa_<uuid> id' }],
        });
        assert.match(err.message, /socialAccountId/);
      }
    });

    it('400 VALIDATION in the same envelope for an over-long or badly encoded path', async () => {
      const t = await h.tenant();
      for (const bad of [`sa_${'a'.repeat(5000)}`, 'sa_%E0%A4%A']) {
        const res = await revoke(bad, t.auth);
        assertEnvelope(res, 400, 'VALIDATION');
        assert.match(String(res.headers['x-request-id']), REQUEST_ID);
      }
    });

    it('accepts an upper-case UUID as the same account', async () => {
      const t = await h.tenant();
      const id = await h.account(t);
      const res = await revoke(id.toUpperCase().replace('SA_', 'sa_'), t.auth);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(json(res).socialAccountId, id);
    });

    it('401 UNAUTHENTICATED for a missing, malformed, unknown or wrong-secret key', async () => {
      const t = await h.tenant();
      const id = await h.account(t);
      const wrongSecret = t.key.slice(0, -4) + (t.key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      const liveForTest = t.key.replace('lp_test_', 'lp_live_');
      const unknown = `lp_test_key_${randomUUID()}_${'A'.repeat(43)}`;
      for (const headers of [
        {} as Record<string, string>,
        { authorization: 'Basic abc' },
        { authorization: 'Bearer ' },
        { authorization: 'Bearer lp_test_nope' },
        { authorization: `Bearer ${wrongSecret}` },
        { authorization: `Bearer ${liveForTest}` },
        { authorization: `Bearer ${unknown}` },
        { authorization: t.key },
      ]) {
        assertEnvelope(await revoke(id, headers), 401, 'UNAUTHENTICATED');
      }
      assert.deepEqual(await h.postStatuses(id), {});
      const account = await h.db
        .selectFrom('social_accounts')
        .select('status')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.equal(account.status, 'connected');
    });

    it('401 comes before 400: an unauthenticated malformed id is not validated', async () => {
      assertEnvelope(await revoke('sa_bad', {}), 401, 'UNAUTHENTICATED');
    });

    it('403 FORBIDDEN_SCOPE naming social:write for a key without it', async () => {
      const t = await h.tenant();
      const id = await h.account(t);
      for (const scopes of [['social:read'], ['projects:write', 'publish:write'], ['leased:write']]) {
        const k = await h.key(t, scopes);
        assertEnvelope(await revoke(id, k.auth), 403, 'FORBIDDEN_SCOPE', { requiredScope: 'social:write' });
      }
      const writer = await h.key(t, ['social:write']);
      assert.equal((await revoke(id, writer.auth)).statusCode, 200);
    });

    it('404 NOT_FOUND for another organization’s account, an unknown id, and an already-disconnected one', async () => {
      const owner = await h.tenant();
      const other = await h.tenant();
      const id = await h.account(owner);
      await h.queuedPosts(id, 2);
      assertEnvelope(await revoke(id, other.auth), 404, 'NOT_FOUND');
      assertEnvelope(
        await h.inject({ method: 'GET', url: `/v1/social-accounts/${id}`, headers: other.auth }),
        404,
        'NOT_FOUND',
      );
      assert.deepEqual(await h.postStatuses(id), { queued: 2 }, 'the other organization changed nothing');
      assertEnvelope(await revoke(`sa_${randomUUID()}`, owner.auth), 404, 'NOT_FOUND');
      assert.equal((await revoke(id, owner.auth)).statusCode, 200);
      assertEnvelope(await revoke(id, owner.auth), 404, 'NOT_FOUND');
    });

    it('a leased account is disconnected and its lease stays assigned and billed', async () => {
      const t = await h.tenant();
      const id = await h.account(t, { leased: true });
      await h.queuedPosts(id, 1);
      const before = await h.db
        .selectFrom('leases')
        .selectAll()
        .where('social_account_id', '=', id)
        .executeTakeFirstOrThrow();
      const res = await revoke(id, t.auth);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(json(res).canceledScheduledPosts, 1);
      const lease = await h.db
        .selectFrom('leases')
        .selectAll()
        .where('social_account_id', '=', id)
        .executeTakeFirstOrThrow();
      assert.deepEqual(lease, before);
      assert.equal(lease.status, 'assigned');
      assert.equal(lease.monthly_price_cents, 15000);
    });

    it('500 INTERNAL on a fault mid-transaction, and nothing changed', async () => {
      const t = await h.tenant();
      const id = await h.account(t);
      await h.queuedPosts(id, 5);
      const before = await h.db
        .selectFrom('social_accounts')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      const auditBefore = await h.db
        .selectFrom('audit_log')
        .select('id')
        .where('organization_id', '=', t.organizationId)
        .execute();
      for (const point of ['revoke:after-account-update', 'revoke:before-commit']) {
        h.setFault((p) => {
          if (p === point) throw new Error('injected fault: secret detail sa_token=abc');
        });
        try {
          const res = await revoke(id, t.auth);
          const err = assertEnvelope(res, 500, 'INTERNAL');
          assert.doesNotMatch(res.body, /injected|secret|stack|Error/);
          assert.match(err.message, /safe to retry/);
        } finally {
          h.setFault(undefined);
        }
        const after = await h.db
          .selectFrom('social_accounts')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        assert.deepEqual(after, before, `account unchanged after a fault at ${point}`);
        assert.deepEqual(await h.postStatuses(id), { queued: 5 });
        const audit = await h.db
          .selectFrom('audit_log')
          .select('id')
          .where('organization_id', '=', t.organizationId)
          .execute();
        assert.equal(audit.length, auditBefore.length, 'no audit rows');
        const events = await h.db
          .selectFrom('outbox_events')
          .select('id')
          .where('organization_id', '=', t.organizationId)
          .execute();
        assert.equal(events.length, 0, 'no outbox events');
        const bulkCancels = await h.db
          .selectFrom('post_cancellations')
          .select('id')
          .where('organization_id', '=', t.organizationId)
          .execute();
        assert.equal(bulkCancels.length, 0, 'no record of canceled posts for the worker');
        const jobs = await h.db
          .selectFrom('upstream_revocations')
          .select('id')
          .where('social_account_id', '=', id)
          .execute();
        assert.equal(jobs.length, 0, 'no upstream revocation job');
      }
      const retry = await revoke(id, t.auth);
      assert.equal(retry.statusCode, 200, retry.body);
      assert.equal(json(retry).canceledScheduledPosts, 5);
    });

    it('20 parallel revokes of one account: exactly one 200 with the full count, 19 × 404', async () => {
      const t = await h.tenant();
      const id = await h.account(t);
      await h.queuedPosts(id, 7);
      await h.postsWithStatus(t, id, 'publishing', 1);
      await h.postsWithStatus(t, id, 'published', 1);
      await h.postsWithStatus(t, id, 'failed', 1);
      const results = await Promise.all(Array.from({ length: 20 }, () => revoke(id, t.auth)));
      const ok = results.filter((r) => r.statusCode === 200);
      const notFound = results.filter((r) => r.statusCode === 404);
      assert.equal(ok.length, 1, results.map((r) => r.statusCode).join(','));
      assert.equal(notFound.length, 19);
      assert.equal(json(ok[0]!).canceledScheduledPosts, 7);
      for (const r of notFound) assert.equal(json(r).error.code, 'NOT_FOUND');
      assert.deepEqual(await h.postStatuses(id), { canceled: 7, publishing: 1, published: 1, failed: 1 });
      const revokedAudits = await h.db
        .selectFrom('audit_log')
        .select('data')
        .where('organization_id', '=', t.organizationId)
        .where('event_type', '=', 'social_account.revoked')
        .execute();
      assert.equal(revokedAudits.length, 1);
    });

    it('writes the audit rows and outbox events of the revoke: its own at once, each post’s by the worker', async () => {
      const t = await h.tenant();
      const id = await h.account(t);
      const posts = await h.queuedPosts(id, 3);
      const res = await revoke(id, t.auth);
      const requestId = res.headers['x-request-id'];
      const auditRows = () =>
        h.db
          .selectFrom('audit_log')
          .selectAll()
          .where('organization_id', '=', t.organizationId)
          .orderBy('id')
          .execute();
      const outbox = () =>
        h.db
          .selectFrom('outbox_events')
          .selectAll()
          .where('organization_id', '=', t.organizationId)
          .orderBy('seq')
          .execute();
      // Committed with the revoke: its own audit row and event, and one record of the 3 canceled posts.
      assert.deepEqual(
        (await auditRows()).map((a) => a.event_type),
        ['social_account.revoked'],
      );
      assert.deepEqual(
        (await outbox()).map((e) => e.type),
        ['social_account.revoked'],
      );
      const pending = await h.db
        .selectFrom('post_cancellations')
        .selectAll()
        .where('organization_id', '=', t.organizationId)
        .execute();
      assert.equal(pending.length, 1);
      assert.deepEqual(
        { ...pending[0], id: undefined, canceled_at: undefined },
        {
          id: undefined,
          organization_id: t.organizationId,
          api_key_id: t.apiKeyId,
          request_id: requestId,
          reason: 'revoked_by_partner',
          canceled_at: undefined,
          posts: 3,
          expanded: 0,
          last_post_id: null,
          expanded_at: null,
        },
      );

      await h.expandCancellations();
      const audit = await auditRows();
      assert.equal(audit.length, 4);
      assert.equal(audit[0]!.event_type, 'social_account.revoked');
      assert.deepEqual(audit[0]!.data, { socialAccountId: id, leased: false, canceledScheduledPosts: 3 });
      for (const row of audit) {
        assert.equal(row.request_id, requestId);
        assert.equal(row.api_key_id, t.apiKeyId);
        assert.equal(row.project_id, t.projectId);
      }
      const canceled = audit.slice(1).map((a) => a.data as { scheduledPostId: string; reason: string });
      // In post id order, as when the request wrote them; at the revoke's instant.
      assert.deepEqual(
        canceled.map((c) => c.scheduledPostId),
        [...posts].sort(),
      );
      for (const c of canceled) assert.equal(c.reason, 'revoked_by_partner');
      for (const row of audit) assert.equal(row.created_at.getTime(), audit[0]!.created_at.getTime());
      const events = await outbox();
      assert.deepEqual(
        events.map((e) => [e.type, (e.data as { id?: string }).id ?? null]),
        [['social_account.revoked', null], ...[...posts].sort().map((p) => ['post.canceled', p])],
      );
      for (const e of events) assert.equal(e.created_at.getTime(), audit[0]!.created_at.getTime());
      const done = await h.db
        .selectFrom('post_cancellations')
        .select(['expanded', 'expanded_at', 'last_post_id'])
        .where('organization_id', '=', t.organizationId)
        .executeTakeFirstOrThrow();
      assert.equal(done.expanded, 3);
      assert.notEqual(done.expanded_at, null);
      assert.equal(done.last_post_id, [...posts].sort().at(-1));
      await h.expandCancellations(); // a second pass writes nothing twice
      assert.equal((await auditRows()).length, 4);
      const revoked = events.find((e) => e.type === 'social_account.revoked')!.data as Record<string, unknown>;
      assert.equal(revoked.canceledScheduledPosts, 3);
      assert.equal(revoked.socialAccountId, id);
    });

    it('cancels all 10,000 in one request, then an audit row and an outbox event each', async () => {
      const t = await h.tenant();
      const id = await h.account(t);
      const queued = await h.queuedPosts(id, POSTS);
      assert.equal(queued.length, POSTS, 'the fixture created every post');
      assert.deepEqual(await h.postStatuses(id), { queued: POSTS });

      const res = await h.inject({ method: 'DELETE', url: `/v1/social-accounts/${id}`, headers: t.auth });
      assert.equal(res.statusCode, 200, res.body.slice(0, 500));
      const body = json(res);
      assert.equal(body.canceledScheduledPosts, POSTS, res.body.slice(0, 500));
      assert.equal(body.status, 'disconnected');
      assert.equal(body.socialAccountId, id);

      assert.deepEqual(await h.postStatuses(id), { canceled: POSTS });
      await h.expandCancellations(); // the worker writes each post's audit row and event
      const reasons = await h.db
        .selectFrom('scheduled_posts')
        .select(['cancel_reason', (eb) => eb.fn.countAll<number>().as('n')])
        .where('social_account_id', '=', id)
        .groupBy('cancel_reason')
        .execute();
      assert.deepEqual(
        reasons.map((r) => [r.cancel_reason, Number(r.n)]),
        [['revoked_by_partner', POSTS]],
      );

      const requestId = String(res.headers['x-request-id']);
      const audit = await h.db
        .selectFrom('audit_log')
        .select([
          'event_type',
          (eb) => eb.fn.countAll<number>().as('n'),
          (eb) => eb.fn.count<number>('request_id').distinct().as('requests'),
        ])
        .where('organization_id', '=', t.organizationId)
        .where('request_id', '=', requestId)
        .groupBy('event_type')
        .orderBy('event_type')
        .execute();
      assert.deepEqual(
        audit.map((a) => [a.event_type, Number(a.n)]),
        [
          ['scheduled_post.canceled', POSTS],
          ['social_account.revoked', 1],
        ],
        JSON.stringify(audit).slice(0, 500),
      );

      // Each post is named exactly once in the audit trail and in the outbox.
      const auditedPosts = await h.db
        .selectFrom('audit_log')
        .select((eb) => eb.fn.count<number>(h.sql`data->>'scheduledPostId'`).distinct().as('n'))
        .where('organization_id', '=', t.organizationId)
        .where('event_type', '=', 'scheduled_post.canceled')
        .executeTakeFirstOrThrow();
      assert.equal(Number(auditedPosts.n), POSTS);
      const events = await h.db
        .selectFrom('outbox_events')
        .select([
          'type',
          (eb) => eb.fn.countAll<number>().as('n'),
          (eb) => eb.fn.count<number>(h.sql`data->>'id'`).distinct().as('posts'),
        ])
        .where('organization_id', '=', t.organizationId)
        .groupBy('type')
        .orderBy('type')
        .execute();
      assert.deepEqual(
        events.map((e) => [e.type, Number(e.n)]),
        [
          ['post.canceled', POSTS],
          ['social_account.revoked', 1],
        ],
        JSON.stringify(events).slice(0, 500),
      );
      assert.equal(Number(events.find((e) => e.type === 'post.canceled')!.posts), POSTS, 'one event per distinct post');

      const again = await h.inject({ method: 'GET', url: `/v1/social-accounts/${id}`, headers: t.auth });
      assert.equal(json(again).queuedScheduledPosts, 0, again.body.slice(0, 500));
    });
  });

  describe('GET /v1/social-accounts/:socialAccountId', () => {
    it('GET shows what a revoke would cancel, then the disconnected account', async () => {
      const t = await h.tenant();
      const id = await h.account(t);
      await h.queuedPosts(id, 3);
      const before = await h.inject({ method: 'GET', url: `/v1/social-accounts/${id}`, headers: t.auth });
      assert.equal(before.statusCode, 200, before.body);
      const b = json(before);
      assert.equal(b.socialAccountId, id);
      assert.equal(b.projectId, t.projectId);
      assert.equal(b.status, 'connected');
      assert.equal(b.queuedScheduledPosts, 3);
      assert.equal(b.leased, false);
      assert.match(b.connectedAt, TIMESTAMP);
      assert.equal(b.disconnectedAt, null);
      assert.equal(b.upstreamRevocation, null);
      const r = json(await revoke(id, t.auth));
      const after = json(await h.inject({ method: 'GET', url: `/v1/social-accounts/${id}`, headers: t.auth }));
      assert.equal(after.status, 'disconnected');
      assert.equal(after.disconnectedReason, 'revoked_by_partner');
      assert.equal(after.disconnectedAt, r.disconnectedAt);
      assert.equal(after.queuedScheduledPosts, 0);
      assert.equal(after.upstreamRevocation.status, 'pending');
    });

    it('tokenExpiresAt: the token’s expiry while connected, null once revoked (the token is gone), in GET and in the list', async () => {
      const t = await h.tenant();
      const id = await h.account(t);
      const view = async () => {
        const one = json(await h.inject({ method: 'GET', url: `/v1/social-accounts/${id}`, headers: t.auth }));
        const list = json(
          await h.inject({ method: 'GET', url: `/v1/projects/${t.projectId}/social-accounts`, headers: t.auth }),
        );
        const listed = list.items.find((a: { socialAccountId: string }) => a.socialAccountId === id);
        assert.equal(listed.tokenExpiresAt, one.tokenExpiresAt, 'the list and GET agree');
        return one.tokenExpiresAt as string | null;
      };
      assert.match((await view()) ?? '', TIMESTAMP);
      assert.equal((await revoke(id, t.auth)).statusCode, 200);
      assert.equal(await view(), null);
      const row = await h.db
        .selectFrom('social_accounts')
        .select('token_expires_at')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.equal(row.token_expires_at, null);

      // Accounts disconnected before this rule lose their stale expiry in migration 0010.
      await h.db
        .updateTable('social_accounts')
        .set({ token_expires_at: new Date('2030-01-01T00:00:00Z') })
        .where('id', '=', id)
        .execute();
      const connected = await h.account(t);
      const migration = listMigrations().find((m) => m.name === '0010_disconnected_token_expiry.sql')!;
      await sql.raw(migration.sql).execute(h.db);
      assert.equal(await view(), null);
      const kept = await h.db
        .selectFrom('social_accounts')
        .select('token_expires_at')
        .where('id', '=', connected)
        .executeTakeFirstOrThrow();
      assert.notEqual(kept.token_expires_at, null, 'a connected account keeps its expiry');
    });
  });

  describe('GET /v1/projects/:projectId/social-accounts', () => {
    it('walks 450 accounts with no duplicates or gaps; filters combine', async () => {
      const t = await h.tenant();
      const now = new Date('2026-02-01T00:00:00Z');
      // Set-based fixture: 450 accounts, created in bursts that share timestamps (ties broken by id).
      const rows = Array.from({ length: 450 }, (_, i) => ({
        id: newId('sa'),
        organization_id: t.organizationId,
        project_id: t.projectId,
        platform: (i % 3 === 0 ? 'instagram' : 'tiktok') as 'instagram' | 'tiktok',
        external_account_id: null,
        handle: `acct${i}`,
        avatar_url: null,
        status: (i % 5 === 0 ? 'disconnected' : 'connected') as 'connected' | 'disconnected',
        leased: i % 7 === 0,
        connected_at: now,
        token_expires_at: null,
        disconnected_at: i % 5 === 0 ? now : null,
        disconnected_reason: i % 5 === 0 ? 'revoked_by_partner' : null,
        token_ciphertext: null,
        token_wrapped_key: null,
        created_at: new Date(now.getTime() + Math.floor(i / 10) * 1000),
        updated_at: now,
      }));
      for (const r of rows) await insertSocialAccount(h.db, r);

      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await list(t.projectId, t.auth, `?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(res.statusCode, 200, res.body.slice(0, 300));
        const body = json(res);
        seen.push(...body.items.map((a: { socialAccountId: string }) => a.socialAccountId));
        cursor = body.nextCursor;
        pages++;
      } while (cursor);
      assert.equal(pages, 3);
      assert.equal(seen.length, 450);
      assert.equal(new Set(seen).size, 450, 'no duplicates');
      assert.deepEqual(new Set(seen), new Set(rows.map((r) => r.id)), 'no gaps');

      const leasedTiktok = json(await list(t.projectId, t.auth, '?leased=true&platform=tiktok&limit=200'));
      const expected = rows.filter((r) => r.leased && r.platform === 'tiktok').map((r) => r.id);
      assert.deepEqual(
        new Set(leasedTiktok.items.map((a: { socialAccountId: string }) => a.socialAccountId)),
        new Set(expected),
      );
      const disconnected = json(await list(t.projectId, t.auth, '?status=disconnected&limit=200'));
      assert.equal(disconnected.items.length, 90);
      assert.ok(
        disconnected.items.every(
          (a: { status: string; disconnectedReason: string }) =>
            a.status === 'disconnected' && a.disconnectedReason === 'revoked_by_partner',
        ),
      );
    });

    it('items have the documented shape; a revoked account shows its disconnection', async () => {
      const t = await h.tenant();
      const live = await h.account(t);
      const leased = await h.account(t, { leased: true, platform: 'instagram' });
      await h.inject({ method: 'DELETE', url: `/v1/social-accounts/${live}`, headers: t.auth });
      const body = json(await list(t.projectId, t.auth));
      assert.equal(body.nextCursor, null);
      assert.equal(body.items.length, 2);
      const [a, b] = body.items;
      assert.deepEqual(Object.keys(a), [
        'socialAccountId',
        'projectId',
        'platform',
        'handle',
        'avatarUrl',
        'status',
        'leased',
        'connectedAt',
        'tokenExpiresAt',
        'disconnectedAt',
        'disconnectedReason',
      ]);
      assert.equal(a.socialAccountId, live);
      assert.equal(a.status, 'disconnected');
      assert.equal(a.disconnectedReason, 'revoked_by_partner');
      assert.equal(b.socialAccountId, leased);
      assert.equal(b.leased, true);
      assert.equal(b.platform, 'instagram');
      assert.equal(b.status, 'connected');
    });

    it('404 for an unknown or foreign project; 422 for bad filters', async () => {
      const t = await h.tenant();
      const other = await h.tenant();
      assertEnvelope(await list(other.projectId, t.auth), 404, 'NOT_FOUND');
      assertEnvelope(await list(`prj_${randomUUID()}`, t.auth), 404, 'NOT_FOUND');
      assertValidation(await list('prj_x', t.auth), 400, 'projectId');
      assertValidation(await list(t.projectId, t.auth, '?platform=myspace'), 422, 'platform');
      assertValidation(await list(t.projectId, t.auth, '?leased=yes'), 422, 'leased');
      assertValidation(await list(t.projectId, t.auth, '?limit=201'), 422, 'limit');
      assertValidation(await list(t.projectId, t.auth, '?cursor=%%%'), 422, 'cursor');
    });
  });
});
