import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { BUDGETS } from '../../src/http/guards/rate-limit.js';
import { problemWith } from './envelope.js';
import {
  admin,
  createAccount,
  createDatabase,
  createTenant,
  DATABASES,
  type Proc,
  prng,
  type Server,
  seedFrom,
  show,
  sleep,
  spawnLayers,
  startServer,
  stopServer,
  TEST_REDIS_URL,
  type Tenant,
  tempDir,
} from './support.js';

// The documented topology under mixed load: two `layers serve --no-worker` instances and two
// `layers worker` processes on one PostgreSQL, rate limits in Redis. Client loops schedule,
// publish, reschedule, cancel, revoke and list through both instances for REL_DURATION_S
// (default 60) while a standard-tier key is hammered through both. Then: no 500 anywhere; every
// post, once due and drained, in exactly one terminal state; each published once on the
// platform, none after its account's revoke; each revoke's count matches its cancellations; the
// two instances together admitted the standard key's budget within 1%; all four exit 0 on SIGTERM.

const DURATION_S = Number(process.env.REL_DURATION_S ?? 60);
const TENANTS = 3;
const ACCOUNTS_PER_TENANT = 6;
// Posts are due 2–20 s after they are scheduled: most are published during the run, the rest in the drain.
const MAX_DELAY_S = 20;

type Account = { id: string; tenant: number; revoked: boolean };
type Call = { instance: number; method: string; path: string; status: number; problem?: string };

if (DATABASES.includes('postgres')) {
  describe('2 API instances + 2 workers on one PostgreSQL and Redis, mixed load', { timeout: 900_000 }, () => {
    const dirs: string[] = [];
    const procs: Proc[] = [];
    let database: Awaited<ReturnType<typeof createDatabase>> | undefined;
    after(async () => {
      await Promise.all(procs.map((p) => p.kill9()));
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
      await database?.drop();
    });

    it(`${DURATION_S} s of schedule, publish, reschedule, cancel, revoke and list: no 500, one terminal state per post, rate limits held`, async (t) => {
      const seed = seedFrom('REL_LOAD_SEED');
      t.diagnostic(`seed ${seed} (replay the client choices with REL_LOAD_SEED=${seed})`);
      const rnd = prng(seed);
      database = await createDatabase();
      // Every instance of one installation shares the key ring (docs/key-ring.md).
      const keyRingDir = tempDir('load-keyring');
      dirs.push(keyRingDir);
      const shared = {
        DATABASE_URL: database.url,
        REDIS_URL: TEST_REDIS_URL,
        RATE_LIMIT_STORE: 'redis',
        LOG_LEVEL: 'warn',
        LAYERS_KEYRING_DIR: keyRingDir,
      };

      const servers: Server[] = [];
      for (let i = 0; i < 2; i++) {
        const dir = tempDir(`load-api${i}`);
        dirs.push(dir);
        const s = await startServer({ dataDir: dir, env: shared, args: ['--no-worker'] });
        procs.push(s);
        servers.push(s);
      }
      // Fixture accounts hold tokens the first instance's sandbox platform issued: the workers publish there.
      const sandboxUrl = JSON.parse(fs.readFileSync(`${servers[0]!.dataDir}/server.json`, 'utf8')).sandboxUrl as string;
      assert.match(sandboxUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
      const workers: Proc[] = [];
      for (let i = 0; i < 2; i++) {
        const dir = tempDir(`load-worker${i}`);
        dirs.push(dir);
        const w = spawnLayers(['worker', '--data-dir', dir], {
          ...shared,
          LOG_LEVEL: 'info',
          LAYERS_SANDBOX_PORT: new URL(sandboxUrl).port,
        });
        procs.push(w);
        workers.push(w);
        await w.waitForLine(/worker running|worker started/);
      }

      const base0 = servers[0]!.url;
      const tenants: (Tenant & { auths: string[] })[] = [];
      const accounts: Account[] = [];
      for (let i = 0; i < TENANTS; i++) {
        const tn = await createTenant(base0, 'partner');
        const second = await admin(base0, 'POST', '/api-keys', {
          organizationId: tn.organizationId,
          scopes: ['*'],
          tier: 'partner',
          env: 'test',
        });
        tenants.push({ ...tn, auths: [tn.auth, `Bearer ${second.key}`] });
        for (let j = 0; j < ACCOUNTS_PER_TENANT; j++)
          accounts.push({ id: await createAccount(base0, tn), tenant: i, revoked: false });
      }
      const hammered = await createTenant(base0, 'standard');

      const calls: Call[] = [];
      const created = new Map<string, { tenant: number; account: string }>();
      const revokes: { account: string; canceled: number }[] = [];
      const deadline = Date.now() + DURATION_S * 1000;

      async function send(method: string, path: string, auth: string, body?: unknown) {
        const instance = rnd.int(0, 1);
        const res = await fetch(servers[instance]!.url + path, {
          method,
          headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(30_000),
        });
        const text = await res.text();
        const answer = { status: res.status, headers: Object.fromEntries(res.headers), body: text };
        calls.push({
          instance,
          method,
          path,
          status: res.status,
          problem: problemWith(answer, method) && `${problemWith(answer, method)}: ${show(text, 300)}`,
        });
        let json: any;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        return { status: res.status, body: json };
      }
      const liveAccounts = (tenant: number) => accounts.filter((a) => a.tenant === tenant && !a.revoked);

      async function scheduleLoop(now: boolean) {
        while (Date.now() < deadline) {
          const ti = rnd.int(0, TENANTS - 1);
          const tn = tenants[ti]!;
          const auth = rnd.pick(tn.auths);
          const content = await send('POST', `/v1/projects/${tn.projectId}/content/upload`, auth, {
            media: ['https://cdn.load.test/clip.mp4'],
            caption: 'load',
          });
          if (content.status !== 201) continue;
          // Mostly live accounts; now and then one just revoked (the answer must be 409, never a queued post).
          const pool = rnd.chance(0.1) ? accounts.filter((a) => a.tenant === ti) : liveAccounts(ti);
          const targets = [...new Set(Array.from({ length: rnd.int(1, 3) }, () => rnd.pick(pool).id))].map(
            (socialAccountId) => ({ socialAccountId, mode: 'publish' }),
          );
          const res = now
            ? await send('POST', `/v1/content/${content.body.id}/publish`, auth, { targets })
            : await send('POST', `/v1/content/${content.body.id}/schedule`, auth, {
                scheduledFor: new Date(Date.now() + rnd.int(2, MAX_DELAY_S) * 1000).toISOString(),
                targets,
              });
          if (res.status === 201)
            for (const p of res.body.scheduledPosts) created.set(p.id, { tenant: ti, account: p.socialAccountId });
        }
      }

      async function churnLoop() {
        // Reschedule and cancel single posts while the workers claim them.
        while (Date.now() < deadline) {
          const ids = [...created.keys()];
          if (ids.length === 0) {
            await sleep(100);
            continue;
          }
          const id = rnd.pick(ids);
          const auth = rnd.pick(tenants[created.get(id)!.tenant]!.auths);
          if (rnd.chance(0.5)) await send('DELETE', `/v1/scheduled-posts/${id}`, auth);
          else
            await send('POST', `/v1/scheduled-posts/${id}/reschedule`, auth, {
              scheduledFor: new Date(Date.now() + rnd.int(2, MAX_DELAY_S) * 1000).toISOString(),
            });
          await sleep(rnd.int(20, 120));
        }
      }

      async function revokeLoop() {
        while (Date.now() < deadline) {
          await sleep(rnd.int(1_000, 2_500));
          const ti = rnd.int(0, TENANTS - 1);
          const live = liveAccounts(ti);
          if (live.length < 2) continue;
          const victim = rnd.pick(live);
          victim.revoked = true; // stop aiming new schedules at it (a few still will: that is the race)
          const res = await send('DELETE', `/v1/social-accounts/${victim.id}`, rnd.pick(tenants[ti]!.auths));
          if (res.status === 200) revokes.push({ account: victim.id, canceled: res.body.canceledScheduledPosts });
          accounts.push({ id: await createAccount(base0, tenants[ti]!), tenant: ti, revoked: false });
        }
      }

      async function listLoop() {
        while (Date.now() < deadline) {
          const tn = rnd.pick(tenants);
          const auth = rnd.pick(tn.auths);
          const path = rnd.pick([
            `/v1/projects/${tn.projectId}/scheduled-posts?limit=50`,
            `/v1/projects/${tn.projectId}/scheduled-posts?status=queued&limit=20`,
            `/v1/projects/${tn.projectId}/social-accounts`,
            '/v1/whoami',
            '/v1/audit-log?limit=20',
            `/v1/social-accounts/${rnd.pick(accounts).id}`,
          ]);
          await send('GET', path, auth);
        }
      }

      // The standard key, hammered through both instances from its first request for at most 50 s:
      // one fixed 60-second window, whose write-light budget the two together must not exceed.
      const budget = BUDGETS.standard['write-light'];
      const hammer = { admitted: [0, 0], limited: 0, badRetryAfter: 0 };
      async function hammerLoop(stopAt: number) {
        while (Date.now() < stopAt) {
          const instance = rnd.int(0, 1);
          const res = await fetch(
            `${servers[instance]!.url}/v1/social-accounts/sa_00000000-0000-4000-8000-${String(rnd.int(0, 1e6)).padStart(12, '0')}`,
            {
              method: 'DELETE',
              headers: { authorization: hammered.auth },
            },
          );
          const text = await res.text();
          calls.push({
            instance,
            method: 'DELETE',
            path: '/v1/social-accounts/(hammer)',
            status: res.status,
            problem: problemWith(
              { status: res.status, headers: Object.fromEntries(res.headers), body: text },
              'DELETE',
            ),
          });
          if (res.status === 429) {
            hammer.limited++;
            if (!(Number(res.headers.get('retry-after')) >= 1)) hammer.badRetryAfter++;
          } else hammer.admitted[instance]!++;
          await sleep(rnd.int(0, 30));
        }
      }

      const started = Date.now();
      const hammerStop = Math.min(deadline, started + 50_000);
      await Promise.all([
        scheduleLoop(false),
        scheduleLoop(false),
        scheduleLoop(true),
        churnLoop(),
        revokeLoop(),
        listLoop(),
        listLoop(),
        hammerLoop(hammerStop),
        hammerLoop(hammerStop),
        hammerLoop(hammerStop),
      ]);
      const loadSeconds = (Date.now() - started) / 1000;

      // Drain: the last posts fall due within MAX_DELAY_S; the workers then take every one to a terminal state.
      const db = new pg.Client({ connectionString: database.url });
      await db.connect();
      let pending = -1;
      const drainUntil = Date.now() + (MAX_DELAY_S + 60) * 1000;
      while (Date.now() < drainUntil) {
        const { rows } = await db.query(
          `SELECT count(*)::int AS n FROM scheduled_posts WHERE status IN ('queued', 'publishing')`,
        );
        pending = rows[0].n;
        if (pending === 0) break;
        await sleep(500);
      }
      const { rows: posts } = await db.query(
        `SELECT p.id, p.status, p.external_id, p.published_at, p.cancel_reason, p.last_error, a.disconnected_at
         FROM scheduled_posts p JOIN social_accounts a ON a.id = p.social_account_id`,
      );
      const { rows: cancellations } = await db.query(
        `SELECT social_account_id, count(*)::int AS n FROM scheduled_posts WHERE cancel_reason = 'revoked_by_partner' GROUP BY 1`,
      );
      await db.end();
      const log = (await (await fetch(`${sandboxUrl}/__sandbox/log`)).json()) as {
        calls: { endpoint: string; idempotencyKey?: string; externalId?: string; status?: number }[];
      };

      // Every answer: no 500, the envelope on every error.
      const bad = calls.filter((c) => c.status >= 500 || c.problem);
      const byStatus = new Map<number, number>();
      for (const c of calls) byStatus.set(c.status, (byStatus.get(c.status) ?? 0) + 1);
      const counts = (xs: { status: string }[]) =>
        Object.entries(
          xs.reduce<Record<string, number>>((m, p) => Object.assign(m, { [p.status]: (m[p.status] ?? 0) + 1 }), {}),
        );
      t.diagnostic(
        `${calls.length} requests in ${loadSeconds.toFixed(0)} s (${(calls.length / loadSeconds).toFixed(0)}/s) across 2 instances; statuses ${[
          ...byStatus,
        ]
          .sort()
          .map(([s, n]) => `${s}×${n}`)
          .join(' ')}`,
      );
      t.diagnostic(
        `${posts.length} posts (${created.size} acknowledged to the clients): ${counts(posts)
          .map(([s, n]) => `${s} ${n}`)
          .join(', ')}; ${revokes.length} revokes; still queued or publishing after the drain: ${pending}`,
      );
      const failedWhy = counts(
        posts
          .filter((p) => p.status === 'failed')
          .map((p) => ({ status: String(p.last_error?.code ?? JSON.stringify(p.last_error)).slice(0, 60) })),
      );
      if (failedWhy.length)
        t.diagnostic(`failed posts by lastError: ${failedWhy.map(([s, n]) => `${s} ×${n}`).join(', ')}`);
      t.diagnostic(
        `rate limit: the standard key's write-light budget ${budget}/min; admitted ${hammer.admitted[0]} + ${hammer.admitted[1]} = ${hammer.admitted[0]! + hammer.admitted[1]!} through instances A + B, ${hammer.limited} answered 429`,
      );
      assert.deepEqual(
        bad.slice(0, 10).map((c) => `${c.method} ${c.path} via ${c.instance} → ${c.status} ${c.problem ?? ''}`),
        [],
        `${bad.length} bad answers`,
      );

      // Every post in exactly one terminal state.
      assert.equal(pending, 0, 'every post reached a terminal state');
      for (const id of created.keys())
        assert.ok(
          posts.some((p) => p.id === id),
          `acknowledged post ${id} exists`,
        );
      const odd = posts.filter((p) => !['published', 'canceled', 'failed'].includes(p.status));
      assert.deepEqual(odd, [], 'no post left in between');
      assert.ok(
        posts.some((p) => p.status === 'published'),
        'the workers published',
      );

      // Published exactly once upstream; nothing canceled or failed was published; nothing after its account's revoke.
      const publishCalls = new Map<string, Set<string>>();
      for (const c of log.calls.filter((c) => c.endpoint === 'tiktok.publish' && c.idempotencyKey && c.externalId)) {
        publishCalls.set(c.idempotencyKey!, (publishCalls.get(c.idempotencyKey!) ?? new Set()).add(c.externalId!));
      }
      for (const p of posts) {
        const upstream = [...(publishCalls.get(p.id) ?? [])];
        if (p.status === 'published')
          assert.deepEqual(upstream, [p.external_id], `post ${p.id} published once, as recorded`);
        if (p.status === 'canceled' || p.status === 'failed')
          assert.deepEqual(upstream, [], `${p.status} post ${p.id} was never published on the platform`);
        if (p.status === 'published' && p.disconnected_at) {
          assert.ok(
            p.published_at <= p.disconnected_at,
            `post ${p.id} published ${p.published_at.toISOString()} after its account's revoke at ${p.disconnected_at.toISOString()}`,
          );
        }
      }
      // Each revoke's answer is its audit trail.
      for (const r of revokes) {
        const n = cancellations.find((c) => c.social_account_id === r.account)?.n ?? 0;
        assert.equal(
          r.canceled,
          n,
          `revoke of ${r.account} said ${r.canceled}, the database holds ${n} revoked_by_partner cancellations`,
        );
      }

      // Two instances, one budget: within 1%, and never over.
      const admitted = hammer.admitted[0]! + hammer.admitted[1]!;
      assert.ok(admitted <= budget && admitted >= budget * 0.99, `admitted ${admitted} of a budget of ${budget}`);
      assert.ok(
        hammer.admitted[0]! > 0 && hammer.admitted[1]! > 0,
        'both instances admitted some: the budget is shared, not split',
      );
      assert.equal(hammer.badRetryAfter, 0, 'every 429 carries Retry-After');

      for (const p of [...servers, ...workers]) {
        assert.ok(p.alive(), `a process died during the load: ${show(p.output())}`);
        assert.deepEqual(await stopServer(p), { code: 0, signal: null }, `SIGTERM: ${show(p.output())}`);
      }
      const errors = servers.flatMap((s) =>
        s
          .output()
          .split('\n')
          .filter((l) => /"level":50/.test(l)),
      );
      assert.deepEqual(
        errors.slice(0, 5).map((l) => l.slice(0, 500)),
        [],
        'no error logged by the API instances',
      );
    });
  });
}
