import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { CLAIM_LEASE_MS } from '../../src/worker/publish-post.js';
import { runPublisher } from '../../src/worker/publisher.js';
import { createHarness, DATABASES, json, TEST_DATABASE_URL, type Tenant } from '../harness.js';
import { sandboxAccount, useSandbox, workerDeps } from '../support/sandbox.js';

// `kill -9` of a worker process that has claimed a post. PostgreSQL only: PGlite is one process.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DAY = 24 * 3600 * 1000;

describe('publisher: a worker process killed with SIGKILL [postgres]', {
  skip: !DATABASES.includes('postgres'),
}, () => {
  const h = createHarness('postgres');
  before(() => h.start());
  after(() => h.stop());
  const fx = useSandbox();

  /** Starts test/support/worker-process.ts and resolves once it is paused at `point`. */
  async function pausedWorker(point: string): Promise<{ child: ChildProcess; exited: Promise<number | null> }> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/worker-process.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        WORKER_DATABASE_URL: TEST_DATABASE_URL,
        WORKER_SEARCH_PATH: h.schema!,
        WORKER_MASTER_KEY: h.masterKey.toString('base64'),
        WORKER_KEYRING_DIR: h.keyRingDir,
        WORKER_SANDBOX_URL: fx.sandbox.url,
        WORKER_PAUSE_AT: point,
        NODE_TEST_CONTEXT: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d) => {
        output += d;
        if (output.includes('"paused"')) resolve();
      });
      child.stderr!.on('data', (d) => (output += d));
      void exited.then((code) => reject(new Error(`worker exited ${code} before pausing: ${output.slice(0, 2000)}`)));
    });
    return { child, exited };
  }
  async function publishNow(t: Tenant, socialAccountId: string) {
    const up = await h.inject({
      method: 'POST',
      url: `/v1/projects/${t.projectId}/content/upload`,
      headers: t.auth,
      payload: { media: ['https://cdn.example.com/a.mp4'] },
    });
    const res = await h.inject({
      method: 'POST',
      url: `/v1/content/${json(up).id}/publish`,
      headers: t.auth,
      payload: { targets: [{ socialAccountId, mode: 'publish' }] },
    });
    assert.equal(res.statusCode, 201, res.body);
    return json(res).scheduledPosts[0].id as string;
  }
  const row = (id: string) =>
    h.db.selectFrom('scheduled_posts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const publishCalls = (id: string) =>
    fx.sandbox.log.filter((c) => c.endpoint === 'tiktok.publish' && c.idempotencyKey === id);
  /**
   * PostgreSQL ends a dead client's backend, and releases its locks, once it reads the closed
   * socket: on a loaded machine that can come a moment after the process is gone. The claim
   * skips locked rows, so the fresh worker must start after that (in production the lease is
   * minutes long); a lock still held after 10 s fails the test.
   */
  async function untilRowLockFreed(id: string) {
    for (let polls = 1; polls <= 200; polls++) {
      const free = await h.db
        .transaction()
        .execute((tx) => sql`SELECT id FROM scheduled_posts WHERE id = ${id} FOR UPDATE SKIP LOCKED`.execute(tx));
      if (free.rows.length === 1) return polls;
      await sleep(50);
    }
    assert.fail(`the dead worker's lock on ${id} was still held after 10 s`);
  }
  /** A fresh worker, in this process, once the dead one's claim lease has run out. */
  const freshWorkerAfterLease = () =>
    h.atTime(new Date(Date.now() + CLAIM_LEASE_MS + 60_000), () => runPublisher(workerDeps(h, fx)));

  it('killed after claiming, before any call: the post is recovered and published exactly once', async () => {
    const t = await h.tenant();
    const account = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
    const id = await publishNow(t, account.id);
    const worker = await pausedWorker('publisher:after-claim');
    const claimed = await row(id);
    assert.deepEqual([claimed.status, claimed.claim_count, claimed.call_started_at], ['publishing', 1, null]);
    worker.child.kill('SIGKILL');
    await worker.exited;

    assert.equal((await runPublisher(workerDeps(h, fx))).claimed, 0, 'within its lease the dead claim is left alone');
    const summary = await freshWorkerAfterLease();
    assert.deepEqual([summary.recovered, summary.published], [1, 1], JSON.stringify(summary));
    const done = await row(id);
    assert.equal(done.status, 'published');
    assert.deepEqual(
      publishCalls(id).map((c) => [c.status, c.replayed, c.externalId]),
      [[200, false, done.external_id]],
      'one publish, by the fresh worker',
    );
  });

  it('killed mid-transaction, after the platform call: PostgreSQL rolls it back, the lock is freed, the platform is asked and has the post — recorded, never sent again (the sandbox ignoring keys)', async (tc) => {
    const t = await h.tenant();
    const account = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
    const id = await publishNow(t, account.id);
    fx.sandbox.configure({ ignoreIdempotencyKeys: true }); // as real platforms: a re-send would post twice
    try {
      const worker = await pausedWorker('publisher:after-call');
      assert.equal(publishCalls(id).length, 1, 'the platform saw it');
      worker.child.kill('SIGKILL');
      await worker.exited;
      const stuck = await row(id);
      assert.equal(stuck.status, 'publishing', 'nothing was recorded');
      assert.ok(stuck.call_started_at, 'but the call marker says the platform may have seen it');
      const polls = await untilRowLockFreed(id);
      if (polls > 1) tc.diagnostic(`the dead backend's row lock was freed after ${polls} polls`);

      const summary = await freshWorkerAfterLease();
      assert.deepEqual([summary.recovered, summary.published, summary.claimed], [1, 1, 0], JSON.stringify(summary));
    } finally {
      fx.sandbox.configure({ ignoreIdempotencyKeys: false });
    }
    const done = await row(id);
    assert.equal(done.status, 'published');
    assert.equal(publishCalls(id).length, 1, 'never sent again');
    const onPlatform = fx.sandbox.posts(id);
    assert.equal(onPlatform.length, 1, `one post on the platform: ${JSON.stringify(onPlatform)}`);
    assert.equal(done.external_id, onPlatform[0]!.externalId);
    assert.deepEqual(
      [done.reconcile_cause, done.reconcile_result, done.reconcile_lookups],
      ['worker_stopped', 'found', 1],
    );
  });
});
