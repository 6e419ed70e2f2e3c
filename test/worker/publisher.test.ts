import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSandboxAdapters } from '../../src/platforms/index.js';
import { type SandboxPlatform, startSandboxPlatform } from '../../src/platforms/sandbox/server.js';
import * as admin from '../../src/services/admin.js';
import { runOnce } from '../../src/worker/index.js';
import { CLAIM_LEASE_MS, MAX_PUBLISH_ATTEMPTS, RETRY_BASE_MS, RETRY_CAP_MS } from '../../src/worker/publish-post.js';
import { runPublisher } from '../../src/worker/publisher.js';
import { describeEachDb, json, type Tenant } from '../harness.js';
import { gate, sandboxAccount, useSandbox, workerDeps } from '../support/sandbox.js';

const DAY = 24 * 3600 * 1000;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describeEachDb('worker: publisher', (h) => {
  const fx = useSandbox();
  const deps = (overrides: Parameters<typeof workerDeps>[2] = {}) =>
    workerDeps(h, fx, { random: () => 0.5, ...overrides });

  async function publishNow(
    t: Tenant,
    targets: { socialAccountId: string; mode?: 'publish' | 'draft' }[],
    when?: string,
  ) {
    const up = await h.inject({
      method: 'POST',
      url: `/v1/projects/${t.projectId}/content/upload`,
      headers: t.auth,
      payload: { media: ['https://cdn.example.com/clip.mp4'], caption: 'Hello from Layers' },
    });
    assert.equal(up.statusCode, 201, up.body);
    const url = `/v1/content/${json(up).id}/${when ? 'schedule' : 'publish'}`;
    const res = await h.inject({
      method: 'POST',
      url,
      headers: t.auth,
      payload: { ...(when ? { scheduledFor: when } : {}), targets: targets.map((x) => ({ mode: 'publish', ...x })) },
    });
    assert.equal(res.statusCode, 201, res.body);
    return (json(res).scheduledPosts as { id: string }[]).map((p) => p.id);
  }
  const getPost = async (t: Tenant, id: string) =>
    json(await h.inject({ method: 'GET', url: `/v1/scheduled-posts/${id}`, headers: t.auth }));
  const publishCalls = (key: string, sandbox: SandboxPlatform = fx.sandbox) =>
    sandbox.log.filter((c) => c.endpoint.endsWith('.publish') && c.idempotencyKey === key);
  const events = (type: string, postId: string) =>
    h.db
      .selectFrom('outbox_events')
      .selectAll()
      .where('type', '=', type)
      .where(h.sql<boolean>`data->>'id' = ${postId}`)
      .execute();
  const audits = (type: string, postId: string) =>
    h.db
      .selectFrom('audit_log')
      .selectAll()
      .where('event_type', '=', type)
      .where(h.sql<boolean>`data->>'scheduledPostId' = ${postId}`)
      .execute();
  const row = (id: string) =>
    h.db.selectFrom('scheduled_posts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const accountRow = (id: string) =>
    h.db.selectFrom('social_accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const revoke = async (t: Tenant, id: string) => {
    const res = await h.inject({ method: 'DELETE', url: `/v1/social-accounts/${id}`, headers: t.auth });
    assert.equal(res.statusCode, 200, res.body);
    return json(res);
  };
  it('due posts are published once: externalId, publishedAt, a post.published event of the GET shape, an audit row; one publish per post, keyed by its id', async () => {
    const t = await h.tenant();
    const tiktok = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
    const insta = await sandboxAccount(h, t, fx, 'instagram', new Date(Date.now() + 30 * DAY));
    const [a, b] = await publishNow(t, [{ socialAccountId: tiktok.id }, { socialAccountId: insta.id }]);
    const [later] = await publishNow(
      t,
      [{ socialAccountId: tiktok.id }],
      new Date(Date.now() + 3600_000).toISOString(),
    );

    const pass = await runOnce(deps());
    assert.ok(
      'claimed' in pass.publisher && pass.publisher.published === 2,
      JSON.stringify([pass.publisher, await getPost(t, b!)]),
    );
    for (const [id, account] of [
      [a!, tiktok],
      [b!, insta],
    ] as const) {
      const post = await getPost(t, id);
      assert.equal(post.status, 'published', JSON.stringify(post));
      assert.equal(post.socialAccountId, account.id);
      assert.ok(post.externalId, JSON.stringify(post));
      assert.equal(post.externalUrl, null, 'both platforms give the public URL later; the id is the handle');
      assert.match(post.publishedAt, TIMESTAMP);
      assert.match(post.attemptedAt, TIMESTAMP);
      assert.equal(post.lastError, null);
      const calls = publishCalls(id);
      assert.deepEqual(
        calls.map((c) => [c.status, c.externalAccountId, c.externalId, c.replayed]),
        [[200, account.externalAccountId, post.externalId, false]],
      );
      assert.equal(calls[0]!.token, account.token.accessToken, 'published with the account’s own token');
      const evts = await events('post.published', id);
      assert.equal(evts.length, 1);
      assert.equal(evts[0]!.organization_id, t.organizationId);
      assert.deepEqual(evts[0]!.data, post, 'the event carries the post as GET shows it');
      const audit = await audits('scheduled_post.published', id);
      assert.equal(audit.length, 1);
      assert.deepEqual(audit[0]!.data, {
        scheduledPostId: id,
        socialAccountId: account.id,
        externalId: post.externalId,
        mode: 'publish',
      });
      assert.equal((await row(id)).claim_expires_at, null);
    }
    assert.equal((await getPost(t, later!)).status, 'queued', 'a post due later is left alone');
    assert.equal(publishCalls(later!).length, 0);

    await runOnce(deps());
    assert.equal(publishCalls(a!).length + publishCalls(b!).length, 2, 'a published post is never sent again');
  });

  it('mode draft: sent to the TikTok inbox endpoint, ends in status draft with its external id and a post.published event', async () => {
    const t = await h.tenant();
    const account = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
    const [id] = await publishNow(t, [{ socialAccountId: account.id, mode: 'draft' }]);
    await runPublisher(deps());
    const post = await getPost(t, id!);
    assert.equal(post.status, 'draft', JSON.stringify(post));
    assert.equal(post.mode, 'draft');
    assert.ok(post.externalId);
    assert.deepEqual(
      publishCalls(id!).map((c) => c.path),
      ['/v2/post/publish/inbox/video/init/'],
    );
    assert.deepEqual(
      (await events('post.published', id!)).map((e) => (e.data as { status: string }).status),
      ['draft'],
    );
  });

  it('CREDENTIAL_INVALID: the post fails, the account turns reauth_required with one needs_reauth event; its other due posts hold', async () => {
    const t = await h.tenant();
    const id = await h.account(t); // its fixture token was never issued by the sandbox: the platform refuses it
    const ids = [
      ...(await publishNow(t, [{ socialAccountId: id }])),
      ...(await publishNow(t, [{ socialAccountId: id }])),
    ];
    const summary = await runPublisher(deps());
    assert.deepEqual([summary.failed, summary.held], [1, 1], JSON.stringify(summary));
    // Due in the same second, they are taken in id order: the first one sent is refused, the other then holds.
    const rows = await Promise.all(ids.map((i) => row(i)));
    const first = rows.find((r) => r.status === 'failed')?.id;
    const second = rows.find((r) => r.id !== first)!.id;
    const failed = await getPost(t, first!);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.lastError.code, 'CREDENTIAL_INVALID');
    assert.match(failed.lastError.message, /access_token_invalid/);
    assert.doesNotMatch(failed.lastError.message, /sbx_at_/, 'no token in the error');
    assert.equal((await accountRow(id)).status, 'reauth_required');
    const reauth = await h.db
      .selectFrom('outbox_events')
      .selectAll()
      .where('type', '=', 'social_account.needs_reauth')
      .where(h.sql<boolean>`data->>'socialAccountId' = ${id}`)
      .execute();
    assert.deepEqual(
      reauth.map((e) => (e.data as { reason: string }).reason),
      ['publish_rejected'],
    );
    assert.deepEqual(
      (await events('post.failed', first!)).map((e) => (e.data as { lastError: unknown }).lastError),
      [failed.lastError],
    );
    assert.equal((await audits('scheduled_post.failed', first!)).length, 1);
    const held = await getPost(t, second!);
    assert.deepEqual(
      [held.status, held.lastError, held.attemptedAt],
      ['queued', null, null],
      'held for its owner to reconnect, not failed',
    );
    await runPublisher(deps());
    assert.equal(publishCalls(second!).length, 0, 'nothing is sent for an account that needs reauth');
  });

  it('RETRYABLE: back to queued with lastError and a back-off, then published by a later pass with the same key', async () => {
    const t = await h.tenant();
    const account = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
    const [id] = await publishNow(t, [{ socialAccountId: account.id }]);
    const start = new Date(Date.now() + 1000);
    fx.sandbox.setFault({ endpoint: 'tiktok.publish', mode: '5xx', count: 1 });
    await h.atTime(start, async () => {
      assert.equal((await runPublisher(deps())).retry, 1);
      const post = await getPost(t, id!);
      assert.equal(post.status, 'queued');
      assert.equal(post.lastError.code, 'PLATFORM_UNAVAILABLE');
      assert.match(post.lastError.message, /503/);
      const wait = (await row(id!)).retry_at!.getTime() - start.getTime();
      assert.ok(wait >= RETRY_BASE_MS / 2 && wait <= RETRY_BASE_MS, `back-off ${wait} ms`);
      await runPublisher(deps()); // not due again yet
      assert.equal(publishCalls(id!).length, 1);
    });
    await h.atTime(new Date(start.getTime() + 2 * RETRY_BASE_MS), () => runPublisher(deps()));
    const post = await getPost(t, id!);
    assert.equal(post.status, 'published', JSON.stringify(post));
    assert.equal(post.lastError, null);
    assert.deepEqual(
      publishCalls(id!).map((c) => c.status),
      [503, 200],
    );
    assert.equal((await row(id!)).publish_attempts, 2);
  });

  it('RETRYABLE until the budget is spent: failed PLATFORM_UNAVAILABLE after MAX_PUBLISH_ATTEMPTS calls, one post.failed', async () => {
    const t = await h.tenant();
    const account = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
    const [id] = await publishNow(t, [{ socialAccountId: account.id }]);
    fx.sandbox.setFault({ endpoint: 'tiktok.publish', mode: '5xx' });
    const start = Date.now() + 1000;
    for (let pass = 0; pass < MAX_PUBLISH_ATTEMPTS + 2; pass++) {
      await h.atTime(new Date(start + pass * (RETRY_CAP_MS + 60_000)), () => runPublisher(deps()));
    }
    const post = await getPost(t, id!);
    assert.equal(post.status, 'failed');
    assert.equal(post.lastError.code, 'PLATFORM_UNAVAILABLE');
    assert.equal(publishCalls(id!).length, MAX_PUBLISH_ATTEMPTS);
    assert.equal((await events('post.failed', id!)).length, 1);
  });

  it('PERMANENT: failed PLATFORM_REJECTED at once, never retried', async () => {
    const t = await h.tenant();
    const account = await sandboxAccount(h, t, fx, 'instagram', new Date(Date.now() + 30 * DAY));
    // An Instagram user id the grant does not belong to: Graph refuses the container (code 100).
    await h.db
      .updateTable('social_accounts')
      .set({ external_account_id: '17841400000000001' })
      .where('id', '=', account.id)
      .execute();
    const [id] = await publishNow(t, [{ socialAccountId: account.id }]);
    await runPublisher(deps());
    const post = await getPost(t, id!);
    assert.equal(post.status, 'failed');
    assert.equal(post.lastError.code, 'PLATFORM_REJECTED');
    assert.match(post.lastError.message, /another user/);
    assert.equal(
      (await accountRow(account.id)).status,
      'connected',
      'a refusal of the post is not a refusal of the grant',
    );
    await h.atTime(new Date(Date.now() + RETRY_CAP_MS * 2), () => runPublisher(deps()));
    assert.equal(
      fx.sandbox.log.filter((c) => c.endpoint === 'instagram.media' && c.idempotencyKey === `${id}:0`).length,
      1,
    );
  });

  for (const scope of ['organization', 'global'] as const) {
    it(`${scope} kill switch on: due posts hold (queued, nothing sent); off: published`, async () => {
      const t = await h.tenant();
      const account = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
      const [id] = await publishNow(t, [{ socialAccountId: account.id }]);
      const target = scope === 'organization' ? t.organizationId : undefined;
      await admin.setKillSwitch(h.adminCtx(), { scope, target, on: true });
      try {
        const summary = await runPublisher(deps());
        assert.equal(summary.claimed, 0, JSON.stringify(summary));
        assert.equal((await row(id!)).status, 'queued'); // (the API itself answers 503 while switched off)
        assert.equal(publishCalls(id!).length, 0);
      } finally {
        await admin.setKillSwitch(h.adminCtx(), { scope, target, on: false });
      }
      await runPublisher(deps());
      assert.equal((await getPost(t, id!)).status, 'published');
      assert.equal(publishCalls(id!).length, 1);
    });
  }

  it('a switch flipped on between the claim and the call: the re-check puts the post back to queued, unsent', async () => {
    const t = await h.tenant();
    const account = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
    const [id] = await publishNow(t, [{ socialAccountId: account.id }]);
    const flip = async (p: string) => {
      if (p === 'publisher:after-claim')
        await admin.setKillSwitch(h.adminCtx(), { scope: 'organization', target: t.organizationId, on: true });
    };
    try {
      const summary = await runPublisher(deps({ fault: flip }));
      assert.deepEqual([summary.claimed, summary.held], [1, 1], JSON.stringify(summary));
      const r = await row(id!);
      assert.deepEqual(
        [r.status, r.claim_expires_at, r.call_started_at, r.publish_attempts, r.attempted_at],
        ['queued', null, null, 0, null],
      );
      assert.equal(publishCalls(id!).length, 0);
    } finally {
      await admin.setKillSwitch(h.adminCtx(), { scope: 'organization', target: t.organizationId, on: false });
    }
    await runPublisher(deps());
    assert.equal((await getPost(t, id!)).status, 'published');
  });

  it('a revoke committed between the claim and the call wins: the claimed post fails ACCOUNT_DISCONNECTED unsent; the rest were canceled', async () => {
    const t = await h.tenant();
    const account = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
    const [claimed] = await publishNow(t, [{ socialAccountId: account.id }]);
    const [later] = await publishNow(
      t,
      [{ socialAccountId: account.id }],
      new Date(Date.now() + 3600_000).toISOString(),
    );
    let revoked: { canceledScheduledPosts: number } | undefined;
    const summary = await runPublisher(
      deps({
        fault: async (p) => {
          if (p === 'publisher:after-claim') revoked = await revoke(t, account.id);
        },
      }),
    );
    assert.equal(summary.failed, 1, JSON.stringify(summary));
    assert.equal(revoked!.canceledScheduledPosts, 1, 'the queued one; the claimed one was no longer queued');
    const post = await getPost(t, claimed!);
    assert.equal(post.status, 'failed');
    assert.equal(post.lastError.code, 'ACCOUNT_DISCONNECTED');
    assert.equal(post.externalId, null);
    assert.equal(publishCalls(claimed!).length, 0, 'the platform never saw it');
    assert.equal((await getPost(t, later!)).status, 'canceled');
    assert.equal((await events('post.failed', claimed!)).length, 1);
  });

  it('fenced, not lucky: a revoke arriving while a publish is in flight waits for it, then cancels the rest', async () => {
    const t = await h.tenant();
    const account = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
    const [inFlight] = await publishNow(t, [{ socialAccountId: account.id }]);
    const [later] = await publishNow(
      t,
      [{ socialAccountId: account.id }],
      new Date(Date.now() + 3600_000).toISOString(),
    );
    const reached = gate();
    const release = gate();
    const publishing = runPublisher(
      deps({
        fault: async (p) => {
          if (p === 'publisher:before-call') {
            reached.open();
            await release.opened;
          }
        },
      }),
    );
    await reached.opened; // the publisher holds the account lock and has re-checked it
    let settled = false;
    const revoking = revoke(t, account.id).then((r) => {
      settled = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 250));
    const waited = !settled;
    release.open();
    const [summary, revoked] = await Promise.all([publishing, revoking]);
    assert.ok(waited, 'the revoke waited for the publish in flight');
    assert.equal(summary.published, 1);
    assert.equal(revoked.canceledScheduledPosts, 1);
    assert.equal((await getPost(t, inFlight!)).status, 'published');
    assert.equal((await getPost(t, later!)).status, 'canceled');
    const published = (await row(inFlight!)).published_at!;
    const disconnected = (await accountRow(account.id)).disconnected_at!;
    assert.ok(
      published.getTime() <= disconnected.getTime(),
      `published ${published.toISOString()} before the revoke took the lock ${disconnected.toISOString()}`,
    );
    assert.ok(
      Date.parse(publishCalls(inFlight!)[0]!.at) <= disconnected.getTime(),
      'the platform call happened before the revoke committed',
    );
  });

  it('an account that turned reauth_required between claim and call: its claimed post goes back to queued (holds)', async () => {
    const t = await h.tenant();
    const account = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
    const [id] = await publishNow(t, [{ socialAccountId: account.id }]);
    const summary = await runPublisher(
      deps({
        fault: async (p) => {
          if (p === 'publisher:after-claim')
            await h.db
              .updateTable('social_accounts')
              .set({ status: 'reauth_required' })
              .where('id', '=', account.id)
              .execute();
        },
      }),
    );
    assert.equal(summary.held, 1, JSON.stringify(summary));
    assert.equal((await row(id!)).status, 'queued');
    assert.equal(publishCalls(id!).length, 0);
  });

  it('a worker that dies after claiming: the post is re-queued once the claim lease runs out, then published once', async () => {
    const t = await h.tenant();
    const account = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
    const [id] = await publishNow(t, [{ socialAccountId: account.id }]);
    const start = new Date(Date.now() + 1000);
    await h.atTime(start, async () => {
      await assert.rejects(
        runPublisher(
          deps({
            fault: (p) => {
              if (p === 'publisher:after-claim') throw new Error('worker killed');
            },
          }),
        ),
        /worker killed/,
      );
      const claimed = await row(id!);
      assert.deepEqual([claimed.status, claimed.call_started_at], ['publishing', null]);
      assert.equal((await runPublisher(deps())).claimed, 0, 'still leased: nobody touches it');
    });
    const summary = await h.atTime(new Date(start.getTime() + CLAIM_LEASE_MS + 1000), () => runPublisher(deps()));
    assert.deepEqual([summary.recovered, summary.published], [1, 1], JSON.stringify(summary));
    assert.equal((await getPost(t, id!)).status, 'published');
    assert.equal(publishCalls(id!).length, 1);
  });

  const lookups = (externalAccountId: string) =>
    fx.sandbox.log.filter((c) => c.endpoint === 'tiktok.publish_status' && c.externalAccountId === externalAccountId);
  /** A first pass whose worker "dies" at `point` (the record rolls back), then a pass after its lease. */
  async function dieThenRecover(point: string, overrides: Parameters<typeof deps>[0] = {}) {
    const start = new Date(Date.now() + 1000);
    const died = await h.atTime(start, () =>
      runPublisher(
        deps({
          ...overrides,
          fault: (p) => {
            if (p === point) throw new Error('worker killed');
          },
        }),
      ),
    );
    assert.equal(died.errors, 1, JSON.stringify(died));
    return () => h.atTime(new Date(start.getTime() + CLAIM_LEASE_MS + 1000), () => runPublisher(deps(overrides)));
  }

  it('a worker that dies after the call (the sandbox ignoring keys, as real platforms do): the platform is asked, has the post, and it is recorded published — not sent again', async () => {
    const t = await h.tenant();
    const account = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
    const [id] = await publishNow(t, [{ socialAccountId: account.id }]);
    fx.sandbox.configure({ ignoreIdempotencyKeys: true });
    try {
      const recover = await dieThenRecover('publisher:after-call');
      const stuck = await row(id!);
      assert.equal(stuck.status, 'publishing', 'the record rolled back with the "crash"');
      assert.ok(stuck.call_started_at, 'but the call marker was committed first');
      const summary = await recover();
      assert.deepEqual([summary.recovered, summary.published, summary.claimed], [1, 1, 0], JSON.stringify(summary));
    } finally {
      fx.sandbox.configure({ ignoreIdempotencyKeys: false });
    }
    const post = await getPost(t, id!);
    assert.equal(post.status, 'published');
    const onPlatform = fx.sandbox.posts(id!);
    assert.equal(onPlatform.length, 1, `exactly one post on the platform: ${JSON.stringify(onPlatform)}`);
    assert.equal(publishCalls(id!).length, 1, 'sent once, by the worker that died');
    assert.equal(post.externalId, onPlatform[0]!.externalId);
    assert.deepEqual(
      lookups(account.externalAccountId).map((c) => [c.status, c.found]),
      [[200, true]],
    );
    assert.match(post.reconciliation?.checkedAt ?? '', TIMESTAMP, JSON.stringify(post));
    assert.deepEqual(post.reconciliation, {
      cause: 'worker_stopped',
      result: 'found',
      decidedBy: 'platform_lookup',
      lookups: 1,
      checkedAt: post.reconciliation.checkedAt,
    });
    const [audit, ...more] = await audits('scheduled_post.reconciled', id!);
    assert.equal(more.length, 0);
    assert.deepEqual(
      { ...(audit!.data as object), reason: undefined },
      {
        scheduledPostId: id,
        socialAccountId: account.id,
        cause: 'worker_stopped',
        result: 'found',
        decidedBy: 'platform_lookup',
        lookups: 1,
        externalId: post.externalId,
        reason: undefined,
      },
    );
    const [published] = await events('post.published', id!);
    assert.equal((published!.data as { reconciliation: { result: string } }).reconciliation.result, 'found');
  });

  it('a worker that dies between the call marker and the call: the platform does not have the post, so it is sent, once', async () => {
    const t = await h.tenant();
    const account = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
    const [id] = await publishNow(t, [{ socialAccountId: account.id }]);
    fx.sandbox.configure({ ignoreIdempotencyKeys: true });
    try {
      const recover = await dieThenRecover('publisher:before-call');
      assert.equal(publishCalls(id!).length, 0, 'never sent');
      const summary = await recover();
      assert.deepEqual([summary.recovered, summary.retry, summary.published], [1, 1, 1], JSON.stringify(summary));
    } finally {
      fx.sandbox.configure({ ignoreIdempotencyKeys: false });
    }
    const post = await getPost(t, id!);
    assert.deepEqual([post.status, post.lastError], ['published', null]);
    assert.equal(fx.sandbox.posts(id!).length, 1);
    assert.equal(post.externalId, fx.sandbox.posts(id!)[0]!.externalId);
    assert.deepEqual(
      [post.reconciliation.cause, post.reconciliation.result, post.reconciliation.decidedBy],
      ['worker_stopped', 'not_found', 'platform_lookup'],
    );
    assert.deepEqual(
      (await audits('scheduled_post.reconciled', id!)).map((a) => (a.data as { result: string }).result),
      ['not_found'],
    );
  });

  it('a worker that dies after the call (a platform without lookup, as TikTok and Instagram): failed PUBLISH_OUTCOME_UNKNOWN, undecided, never sent twice', async () => {
    const t = await h.tenant({ env: 'live' });
    const account = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
    const [id] = await publishNow(t, [{ socialAccountId: account.id }]);
    const adapters = createSandboxAdapters(fx.sandbox.url, { reconcile: 'none' });
    const summary = await (await dieThenRecover('publisher:after-call', { adapters }))();
    assert.deepEqual([summary.recovered, summary.failed], [1, 1], JSON.stringify(summary));
    const post = await getPost(t, id!);
    assert.equal(post.status, 'failed');
    assert.equal(post.lastError.code, 'PUBLISH_OUTCOME_UNKNOWN');
    assert.deepEqual(post.reconciliation, {
      cause: 'worker_stopped',
      result: 'undecided',
      decidedBy: null,
      lookups: 0,
      checkedAt: null,
    });
    assert.equal(publishCalls(id!).length, 1);
    assert.equal(lookups(account.externalAccountId).length, 0, 'nothing to ask');
    assert.equal((await events('post.failed', id!)).length, 1);
    assert.equal((await audits('scheduled_post.reconciled', id!)).length, 1);
  });

  describe('env picks the adapters', () => {
    let live: SandboxPlatform;
    before(async () => (live = await startSandboxPlatform({ port: 0 })));
    after(() => live.close());

    it('each account publishes where its env says: live through `adapters`, test through `testAdapters`', async () => {
      const t = await h.tenant();
      const lt = await h.tenant({ env: 'live' });
      const testAccount = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
      const liveAccount = await h.account(lt);
      const grant = live.issueToken('tiktok');
      await h.setAccountToken(liveAccount, grant.token, new Date(Date.now() + DAY));
      await h.db
        .updateTable('social_accounts')
        .set({ external_account_id: grant.externalAccountId })
        .where('id', '=', liveAccount)
        .execute();
      const [toTest] = await publishNow(t, [{ socialAccountId: testAccount.id }]);
      const [toLive] = await publishNow(lt, [{ socialAccountId: liveAccount }]);
      await runPublisher(deps({ adapters: createSandboxAdapters(live.url), testAdapters: fx.adapters }));
      assert.equal((await getPost(t, toTest!)).status, 'published');
      assert.equal((await getPost(lt, toLive!)).status, 'published');
      assert.deepEqual([publishCalls(toTest!).length, publishCalls(toTest!, live).length], [1, 0]);
      assert.deepEqual([publishCalls(toLive!).length, publishCalls(toLive!, live).length], [0, 1]);
    });

    it('the second wall: a test post on a live account (written past the API) fails ENVIRONMENT_MISMATCH and reaches no platform', async () => {
      const t = await h.tenant();
      const account = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
      const [id] = await publishNow(t, [{ socialAccountId: account.id }]);
      // What a bug or a hand-edited row could leave: the account turned live under a queued test post.
      await h.db.updateTable('social_accounts').set({ env: 'live' }).where('id', '=', account.id).execute();
      const summary = await runPublisher(
        deps({ adapters: createSandboxAdapters(live.url), testAdapters: fx.adapters }),
      );
      assert.equal(summary.claimed, 1, JSON.stringify(summary));
      const post = await row(id!);
      assert.equal(post.status, 'failed');
      assert.deepEqual(post.last_error, {
        code: 'ENVIRONMENT_MISMATCH',
        message: 'A test post cannot be published to a live account.',
      });
      assert.deepEqual([publishCalls(id!).length, publishCalls(id!, live).length], [0, 0], 'no platform saw it');
      assert.equal((await events('post.failed', id!)).length, 1);
    });
  });
});
