import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { systemClock } from '../../src/clock.js';
import type { openDatabase } from '../../src/db/client.js';
import { expandPostCancellations } from '../../src/worker/post-cancellations.js';
import { crashSite } from './crash-site.js';
import {
  call,
  createAccount,
  createTenant,
  DATABASES,
  prng,
  type Res,
  type Server,
  seedFrom,
  show,
  sleep,
  stopServer,
  type Tenant,
} from './support.js';

// kill -9 of a real `layers serve` process while it revokes an account with 10,000 queued posts,
// then a restart on the same data: the revoke is all or nothing (account, token, every post, its
// audit row and event, the record from which the worker writes each post's audit row and event,
// upstream-revocation job), never a mix. Kill points: held open by
// the test-only pause (LAYERS_TEST_FAULTS=<point>:pause) after the account update and just
// before COMMIT; on PostgreSQL, while its statement canceling the 10,000 posts is seen running;
// after seeded random delays across the request; and right after the 200 (an
// acknowledged revoke must survive: the durability of the embedded default, docs/operations.md).

const POSTS = 10_000;

type Plan =
  | { name: string; kind: 'pause'; point: 'revoke:after-account-update' | 'revoke:before-commit' }
  | { name: string; kind: 'delay'; fraction: number }
  | { name: string; kind: 'statement'; query: RegExp }
  | { name: string; kind: 'after-200' };

type Attempt = {
  plan: Plan;
  tenant: Tenant;
  accountId: string;
  /** What the client saw before the kill: an HTTP status, or the transport error. */
  answer: string;
  delayMs?: number;
  outcome?: 'revoked' | 'untouched';
};

for (const kind of DATABASES) {
  describe(`kill -9 mid-revoke of ${POSTS} queued posts, then restart [${kind}]`, { timeout: 600_000 }, () => {
    const site = crashSite(kind, 'kill');
    let server: Server | undefined;

    /** The account as the restarted server shows it: exactly one of the two whole states. */
    async function apiState(a: Attempt): Promise<'revoked' | 'untouched'> {
      const res = await call(server!.url, 'GET', `/v1/social-accounts/${a.accountId}`, { auth: a.tenant.auth });
      const shown = `${a.plan.name} (${a.answer}): ${res.status} ${show(res.text, 600)}`;
      assert.equal(res.status, 200, shown);
      const { status, disconnectedReason, queuedScheduledPosts } = res.body;
      if (status === 'disconnected' && disconnectedReason === 'revoked_by_partner' && queuedScheduledPosts === 0)
        return 'revoked';
      if (status === 'connected' && disconnectedReason === null && queuedScheduledPosts === POSTS) return 'untouched';
      return assert.fail(`a mix after the crash: ${shown}`);
    }

    it('every kill point leaves all or nothing, and the server restarts on the same data', async (t) => {
      const seed = seedFrom('REL_KILL_SEED');
      t.diagnostic(`seed ${seed} (replay with REL_KILL_SEED=${seed})`);
      const rnd = prng(seed);

      // Calibration: whole revokes on this machine and database (the first warms the process up),
      // so that random kills land inside one.
      server = await site.start();
      const calTenant = await createTenant(server.url);
      let revokeMs = 0;
      for (let i = 0; i < 2; i++) {
        const calAccount = await createAccount(server.url, calTenant, POSTS);
        const started = performance.now();
        const cal = await call(server.url, 'DELETE', `/v1/social-accounts/${calAccount}`, { auth: calTenant.auth });
        revokeMs = performance.now() - started;
        assert.equal(cal.status, 200, show(cal.text));
        assert.equal(cal.body.canceledScheduledPosts, POSTS);
      }
      t.diagnostic(`a ${POSTS}-post revoke takes ${revokeMs.toFixed(0)} ms here (warm)`);

      // The first attempt runs on the calibration server; each later one on a restart armed with
      // its plan's pause. The last is a pause, so the data is left mid-transaction for the end.
      // On PostgreSQL also: the moment its own statement is seen running in pg_stat_activity.
      const delays = [0, 1, 2].map(() => 0.2 + rnd.next() * 0.95); // some land after the 200: then it must hold
      const plans: Plan[] = [
        { name: 'random delay #1', kind: 'delay', fraction: delays[0]! },
        { name: 'right after the 200', kind: 'after-200' },
        { name: 'paused after the account update', kind: 'pause', point: 'revoke:after-account-update' },
        ...(kind === 'postgres'
          ? [
              {
                name: 'during the statement canceling 10,000 posts and recording them for the worker',
                kind: 'statement' as const,
                query: /UPDATE scheduled_posts\s+SET status = 'canceled'/, // the cancel statement, however its lines break
              },
            ]
          : []),
        { name: 'random delay #2', kind: 'delay', fraction: delays[1]! },
        { name: 'random delay #3', kind: 'delay', fraction: delays[2]! },
        { name: 'paused just before COMMIT', kind: 'pause', point: 'revoke:before-commit' },
      ];
      const attempts: Attempt[] = [];

      for (const plan of plans) {
        if (attempts.length > 0) {
          // Restart on the same data after the kill, armed with this plan's pause; check the previous attempt.
          server = await site.start({ LAYERS_TEST_FAULTS: plan.kind === 'pause' ? `${plan.point}:pause` : undefined });
          attempts.at(-1)!.outcome = await apiState(attempts.at(-1)!);
        }
        const tenant = await createTenant(server.url);
        const accountId = await createAccount(server.url, tenant, POSTS);
        const attempt: Attempt = { plan, tenant, accountId, answer: 'none' };
        attempts.push(attempt);
        const request: Promise<Res | undefined> = call(server.url, 'DELETE', `/v1/social-accounts/${accountId}`, {
          auth: tenant.auth,
        }).then(
          (res) => {
            attempt.answer = String(res.status);
            return res;
          },
          (err: Error) => {
            attempt.answer = `${err.message}: ${(err.cause as Error | undefined)?.message ?? ''}`;
            return undefined;
          },
        );

        if (plan.kind === 'pause') {
          await server.waitForLine(new RegExp(`"testFault":"paused","point":"${plan.point}"`));
          await sleep(rnd.int(0, 50)); // the transaction is open and stays open: any moment is the same
        } else if (plan.kind === 'delay') {
          attempt.delayMs = Math.round(plan.fraction * revokeMs);
          await sleep(attempt.delayMs);
        } else if (plan.kind === 'statement') {
          await statementRunning(site.databaseUrl()!, plan.query);
        } else {
          const res: Res | undefined = await request;
          assert.equal(res?.status, 200, `the revoke to be killed after: ${res?.status} ${show(res?.text ?? '')}`);
          assert.equal(res!.body.canceledScheduledPosts, POSTS);
        }
        await server.kill9(); // for after-200 at once: nothing after the 200 gets a chance to flush anything
        await request;
      }

      // The whole state, row by row, straight from what the last kill left behind (crash recovery
      // of the embedded database runs here, in this process).
      const handle = await site.open();
      try {
        // Each revoke's per-post audit rows and events are the worker's to write after commit
        // (test/reliability/kill-mid-expansion.test.ts kills it doing so): what the servers' workers
        // had not finished when they were killed, a pass finishes here.
        while ((await expandPostCancellations({ db: handle.db, clock: systemClock })).batches > 0);
        const last = attempts.at(-1)!;
        last.outcome =
          (
            await handle.db
              .selectFrom('social_accounts')
              .select('status')
              .where('id', '=', last.accountId)
              .executeTakeFirstOrThrow()
          ).status === 'connected'
            ? 'untouched'
            : 'revoked';
        for (const a of attempts) {
          t.diagnostic(
            `${a.plan.name}${a.delayMs === undefined ? '' : ` (${a.delayMs} ms)`}: client saw ${a.answer.slice(0, 80)} → ${a.outcome}`,
          );
          if (a.plan.kind === 'pause')
            assert.equal(a.outcome, 'untouched', `${a.plan.name}: nothing committed, so nothing may show`);
          if (a.plan.kind === 'after-200' || a.answer === '200')
            assert.equal(a.outcome, 'revoked', `${a.plan.name}: an acknowledged revoke was lost`);
          await assertWholeState(handle.db, a);
        }
      } finally {
        await handle.close();
      }

      // The server starts on that data, shows the same, and a revoke the crash undid is simply
      // retried (the seed: "Safe to retry"); then a clean SIGTERM.
      server = await site.start();
      assert.equal(await apiState(attempts.at(-1)!), attempts.at(-1)!.outcome);
      const undone = attempts.filter((a) => a.outcome === 'untouched');
      for (const a of undone) {
        const res = await call(server.url, 'DELETE', `/v1/social-accounts/${a.accountId}`, { auth: a.tenant.auth });
        assert.equal(res.status, 200, `retry after ${a.plan.name}: ${show(res.text)}`);
        assert.equal(res.body.canceledScheduledPosts, POSTS, `retry after ${a.plan.name}`);
      }
      assert.deepEqual(
        await stopServer(server),
        { code: 0, signal: null },
        `SIGTERM after the crashes: ${show(server.output())}`,
      );
      t.diagnostic(
        `outcomes: ${attempts.filter((a) => a.outcome === 'revoked').length} revoked, ${undone.length} untouched (then retried: 200 × ${undone.length})`,
      );
    });
  });
}

/** Resolves as soon as a statement matching `query` is seen running (polled every few ms). */
async function statementRunning(url: string, query: RegExp) {
  const observer = new pg.Client({ connectionString: url });
  await observer.connect();
  try {
    for (let i = 0; i < 20_000; i++) {
      const { rows } = await observer.query(
        `SELECT query FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid()`,
      );
      if (rows.some((r) => query.test(r.query))) return;
    }
    assert.fail(`never saw ${query} running`);
  } finally {
    await observer.end();
  }
}

type Db = Awaited<ReturnType<typeof openDatabase>>['db'];

/** Account, token, posts, audit rows, outbox events and upstream job agree on one whole state. */
async function assertWholeState(db: Db, a: Attempt) {
  const account = await db
    .selectFrom('social_accounts')
    .select(['status', 'disconnected_reason', 'disconnected_at', 'token_ciphertext', 'token_wrapped_key'])
    .where('id', '=', a.accountId)
    .executeTakeFirstOrThrow();
  const posts = await db
    .selectFrom('scheduled_posts')
    .select(['status', 'cancel_reason', (eb) => eb.fn.countAll<number>().as('n')])
    .where('social_account_id', '=', a.accountId)
    .groupBy(['status', 'cancel_reason'])
    .execute();
  const audit = await db
    .selectFrom('audit_log')
    .select(['event_type', (eb) => eb.fn.countAll<number>().as('n')])
    .where('organization_id', '=', a.tenant.organizationId)
    .where('event_type', 'in', ['social_account.revoked', 'scheduled_post.canceled'])
    .groupBy('event_type')
    .orderBy('event_type')
    .execute();
  const outbox = await db
    .selectFrom('outbox_events')
    .select([
      'type',
      (eb) => eb.fn.countAll<number>().as('n'),
      (eb) => eb.fn.count<number>(sql`data->>'id'`).distinct().as('posts'),
    ])
    .where('organization_id', '=', a.tenant.organizationId)
    .where('type', 'in', ['social_account.revoked', 'post.canceled'])
    .where(sql<boolean>`NOT (data ? 'upstreamRevocation')`) // the worker's follow-up event, after the upstream call
    .groupBy('type')
    .orderBy('type')
    .execute();
  const bulkCancels = await db
    .selectFrom('post_cancellations')
    .select(['posts', 'expanded'])
    .where('organization_id', '=', a.tenant.organizationId)
    .execute();
  const upstream = await db
    .selectFrom('upstream_revocations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('social_account_id', '=', a.accountId)
    .executeTakeFirstOrThrow();

  const seen = {
    status: account.status,
    reason: account.disconnected_reason,
    disconnectedAt: account.disconnected_at !== null,
    token: account.token_ciphertext !== null && account.token_wrapped_key !== null,
    posts: posts.map((p) => [p.status, p.cancel_reason, Number(p.n)]),
    audit: audit.map((r) => [r.event_type, Number(r.n)]),
    outbox: outbox.map((r) => [r.type, Number(r.n)]),
    upstreamJobs: Number(upstream.n),
    bulkCancels: bulkCancels.map((b) => [b.posts, b.expanded]),
  };
  const revoked = {
    status: 'disconnected',
    reason: 'revoked_by_partner',
    disconnectedAt: true,
    token: false,
    posts: [['canceled', 'revoked_by_partner', POSTS]],
    audit: [
      ['scheduled_post.canceled', POSTS],
      ['social_account.revoked', 1],
    ],
    outbox: [
      ['post.canceled', POSTS],
      ['social_account.revoked', 1],
    ],
    upstreamJobs: 1,
    bulkCancels: [[POSTS, POSTS]],
  };
  const untouched = {
    status: 'connected',
    reason: null,
    disconnectedAt: false,
    token: true,
    posts: [['queued', null, POSTS]],
    audit: [],
    outbox: [],
    upstreamJobs: 0,
    bulkCancels: [],
  };
  assert.deepEqual(
    seen,
    a.outcome === 'revoked' ? revoked : untouched,
    `${a.plan.name} (${a.answer}, API said ${a.outcome}): ${JSON.stringify(seen)}`,
  );
  if (a.outcome === 'revoked') {
    const distinct = outbox.find((r) => r.type === 'post.canceled');
    assert.equal(Number(distinct?.posts), POSTS, `${a.plan.name}: one post.canceled event per distinct post`);
  }
}
