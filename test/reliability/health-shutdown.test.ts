import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { openEmbeddedDatabase } from '../../src/db/client.js';
import { REQUEST_ID } from '../harness.js';
import {
  call,
  createAccount,
  createDatabase,
  createTenant,
  DATABASES,
  type Res,
  type Server,
  show,
  sleep,
  startServer,
  TEST_DATABASE_URL,
  tempDir,
} from './support.js';
import { probeConnect, rawConnection, tcpProxy } from './tcp.js';

// Liveness, readiness and graceful shutdown of the real `layers serve` process: /healthz is 200
// whatever the database does; /readyz is 200 with the database up and 503 in the envelope when it
// is unreachable or hangs (a TCP proxy between the server and PostgreSQL is cut, then
// black-holed), and back to 200 once it returns; SIGTERM with requests in flight finishes them
// with 200, refuses new connections, answers what is already on an open connection in the
// envelope, and exits 0.

function expectEnvelope(
  res: { status: number; body: string; requestId: string | null },
  status: number,
  code: string,
  label: string,
) {
  const shown = `${label}: ${res.status} ${show(res.body, 500)}`;
  assert.equal(res.status, status, shown);
  assert.match(res.requestId ?? '', REQUEST_ID, `X-Request-Id: ${shown}`);
  const body = JSON.parse(res.body);
  assert.deepEqual(Object.keys(body), ['error'], shown);
  assert.equal(body.error.code, code, shown);
  assert.equal(body.error.requestId, res.requestId, shown);
  assert.doesNotMatch(res.body, /ECONNREFUSED|127\.0\.0\.1|\bat .+:\d+:\d+|timeout/i, `no internals: ${shown}`);
  return body.error;
}
const fromFetch = (r: Res) => ({ status: r.status, body: r.text, requestId: r.headers.get('x-request-id') });

async function eventually(label: string | (() => string), fn: () => Promise<boolean>, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await fn()) return;
    await sleep(100);
  }
  assert.fail(`${typeof label === 'string' ? label : label()}: not within ${timeoutMs} ms`);
}

if (DATABASES.includes('postgres')) {
  describe('/healthz and /readyz while PostgreSQL goes away and comes back [postgres]', { timeout: 180_000 }, () => {
    const dataDir = tempDir('ready');
    let server: Server | undefined;
    let database: Awaited<ReturnType<typeof createDatabase>> | undefined;
    let proxy: Awaited<ReturnType<typeof tcpProxy>> | undefined;

    after(async () => {
      await server?.kill9();
      await proxy?.close();
      await database?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('200 with the database; 503 envelope when it is cut or hangs; 200 again once it is back; /healthz always 200', async (t) => {
      database = await createDatabase();
      const target = new URL(TEST_DATABASE_URL);
      proxy = await tcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
      const viaProxy = new URL(database.url);
      viaProxy.host = `127.0.0.1:${proxy.port}`;
      // The pause holds one revoke's transaction open across the outage: its connection dies while
      // checked out, which used to crash the process (an 'error' event on a pg client nobody heard).
      server = await startServer({
        dataDir,
        env: {
          DATABASE_URL: viaProxy.toString(),
          RATE_LIMIT_STORE: 'memory',
          LAYERS_TEST_FAULTS: 'revoke:before-commit:pause',
        },
      });
      const base = server.url;
      const tenant = await createTenant(base);
      const held = new AbortController();
      const heldAccount = await createAccount(base, tenant, 10);
      const heldRevoke = call(base, 'DELETE', `/v1/social-accounts/${heldAccount}`, {
        auth: tenant.auth,
        signal: held.signal,
      }).catch(() => undefined);
      await server.waitForLine(/"testFault":"paused","point":"revoke:before-commit"/);

      const healthy = async () => {
        const h = await call(base, 'GET', '/healthz');
        assert.equal(h.status, 200, show(h.text));
        assert.deepEqual(h.body, { status: 'ok' });
        assert.match(h.headers.get('x-request-id') ?? '', REQUEST_ID);
      };
      const ready = await call(base, 'GET', '/readyz');
      assert.equal(ready.status, 200, show(ready.text));
      assert.deepEqual(ready.body, { status: 'ready' });
      await healthy();

      for (const outage of ['cut', 'hang'] as const) {
        if (outage === 'cut') await proxy.cut();
        else proxy.hang();
        const started = performance.now();
        const notReady = await call(base, 'GET', '/readyz');
        const tookMs = performance.now() - started;
        const err = expectEnvelope(fromFetch(notReady), 503, 'NOT_READY', `/readyz with the database ${outage}`);
        assert.deepEqual(err.details, { check: 'database' });
        assert.ok(tookMs < 5_000, `/readyz answered in ${tookMs.toFixed(0)} ms with the database ${outage}`);
        t.diagnostic(`database ${outage}: /readyz 503 in ${tookMs.toFixed(0)} ms`);
        await healthy();
        if (outage === 'cut') {
          // A partner request meanwhile: the fixed 500 envelope, no internals, and the process lives on.
          const whoami = await call(base, 'GET', '/v1/whoami', { auth: tenant.auth });
          const e = expectEnvelope(fromFetch(whoami), 500, 'INTERNAL', 'a partner request with the database cut');
          assert.match(e.message, /safe to retry/);
        }
        await proxy.restore();
        await eventually(
          `/readyz 200 after the database ${outage} ends`,
          async () => (await call(base, 'GET', '/readyz')).status === 200,
        );
        const whoami = await call(base, 'GET', '/v1/whoami', { auth: tenant.auth });
        assert.equal(whoami.status, 200, `back to serving after the ${outage}: ${show(whoami.text)}`);
      }
      assert.ok(server.alive(), `the server never crashed: ${show(server.output())}`);
      held.abort();
      await heldRevoke;
      // The held revoke's connection died mid-transaction: it was rolled back, the account is as it was.
      const account = await call(base, 'GET', `/v1/social-accounts/${heldAccount}`, { auth: tenant.auth });
      assert.equal(account.body?.status, 'connected', show(account.text));
      assert.equal(account.body?.queuedScheduledPosts, 10, show(account.text));
      // (No SIGTERM here: the paused handler never returns, so a drain would wait for it forever.)
    });
  });
}

const revokeReceived = (server: Server, id: string) =>
  server.waitForLine(
    new RegExp(
      `"url":"/v1/social-accounts/${id}".*"request received"|"request received".*"url":"/v1/social-accounts/${id}"`,
    ),
  );

if (DATABASES.includes('postgres')) {
  describe('graceful shutdown with requests in flight [postgres]', { timeout: 180_000 }, () => {
    const dataDir = tempDir('sigterm-pg');
    let server: Server | undefined;
    let database: Awaited<ReturnType<typeof createDatabase>> | undefined;
    let locker: pg.Client | undefined;
    after(async () => {
      await server?.kill9();
      await locker?.end().catch(() => {});
      await database?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('SIGTERM: new connections refused at once, in-flight revokes finish with 200 and close their connections, exit 0 promptly', async (t) => {
      const POSTS = 2_000;
      database = await createDatabase();
      server = await startServer({
        dataDir,
        // debug: the "request received" line tells the test a revoke is in flight (one access line at info comes at the end)
        env: { DATABASE_URL: database.url, RATE_LIMIT_STORE: 'memory', LOG_LEVEL: 'debug' },
      });
      const port = Number(new URL(server.url).port);
      const tenant = await createTenant(server.url);
      const accounts: string[] = [];
      for (let i = 0; i < 3; i++) accounts.push(await createAccount(server.url, tenant, POSTS));

      // The test holds the three account rows locked: each revoke is in flight (its transaction
      // waits on the lock) for exactly as long as the test wants.
      locker = new pg.Client({ connectionString: database.url });
      await locker.connect();
      await locker.query('BEGIN');
      await locker.query('SELECT id FROM social_accounts WHERE id = ANY($1) FOR UPDATE', [accounts]);

      const idle = rawConnection(port);
      idle.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      assert.equal((await idle.next()).status, 200);
      const inFlight = accounts
        .slice(0, 2)
        .map((id) => call(server!.url, 'DELETE', `/v1/social-accounts/${id}`, { auth: tenant.auth }));
      const busy = rawConnection(port);
      busy.write(
        `DELETE /v1/social-accounts/${accounts[2]} HTTP/1.1\r\nHost: x\r\nAuthorization: ${tenant.auth}\r\n\r\n`,
      );
      const busyFirst = busy.next();
      await Promise.all(accounts.map((id) => revokeReceived(server!, id)));
      // In flight for sure: three backends blocked by the test's lock on the revoke's row-lock query.
      // (Asked outside the locking transaction: pg_stat_activity is a snapshot per transaction.)
      const lockerPid = (await locker.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      let blocked: { query: string }[] = [];
      await eventually(
        () => `three revokes waiting on the row locks (blocked: ${JSON.stringify(blocked)})`,
        async () => {
          const observer = new pg.Client({ connectionString: database!.url });
          await observer.connect();
          try {
            ({ rows: blocked } = await observer.query(
              'SELECT left(query, 400) AS query FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))',
              [lockerPid],
            ));
          } finally {
            await observer.end();
          }
          return (
            blocked.filter((r) =>
              /from "social_accounts" where "id" = \$1 and "organization_id" = \$2 and "env" = \$3 for update/i.test(
                r.query,
              ),
            ).length === 3
          );
        },
      );

      let answered = 0;
      for (const p of [...inFlight, busyFirst])
        void p.then(
          () => answered++,
          () => answered++,
        );
      const sigtermAt = performance.now();
      server.child.kill('SIGTERM');
      let refusedAt: number | undefined;
      for (let i = 0; i < 500 && refusedAt === undefined; i++) {
        if ((await probeConnect(port)) === 'refused') refusedAt = performance.now();
        else await sleep(10);
      }
      assert.ok(refusedAt !== undefined, 'new connections were still accepted 5 s after SIGTERM');
      // A request pipelined behind the held one, during the drain.
      busy.write('GET /v1/whoami HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer lp_test_not_a_key\r\n\r\n');
      await sleep(300);
      assert.equal(answered, 0, 'nothing was answered (or cut off) while the revokes were held');
      assert.ok(server.alive(), 'the server waits for its in-flight requests');

      await locker.query('COMMIT');
      const releasedAt = performance.now();
      for (const r of await Promise.all(inFlight)) {
        assert.equal(r.status, 200, `in-flight revoke: ${show(r.text)}`);
        assert.equal(r.body.canceledScheduledPosts, POSTS);
      }
      // The answer to a request in flight at SIGTERM closes its connection (else the client's idle
      // keep-alive connection would hold the exit for keepAliveTimeout); what was pipelined behind
      // it is left unanswered, which HTTP/1.1 clients retry — never fastify's bare 503 outside our envelope.
      const first = await busyFirst;
      assert.equal(first.status, 200, `the revoke on the busy connection: ${show(first.body)}`);
      assert.equal(JSON.parse(first.body).canceledScheduledPosts, POSTS);
      assert.equal(
        first.headers.connection,
        'close',
        `the drain closes the connection after answering: ${JSON.stringify(first.headers)}`,
      );
      const second = await busy.next().then(
        (r) => r,
        (e: Error) => e.message,
      );
      assert.equal(
        second,
        'connection closed before a response',
        `the request pipelined during the drain: ${JSON.stringify(second).slice(0, 500)}`,
      );

      const exit = await server.exited;
      assert.deepEqual(exit, { code: 0, signal: null }, show(server.output()));
      const exitMs = performance.now() - releasedAt;
      await idle.closed; // the idle keep-alive connection was closed by the server, not left hanging
      // The clients' keep-alive connections (fetch's pool) must not hold the exit for keepAliveTimeout.
      assert.ok(exitMs < 10_000, `exit ${exitMs.toFixed(0)} ms after the last in-flight request could finish`);
      t.diagnostic(
        `new connections refused ${(refusedAt! - sigtermAt).toFixed(0)} ms after SIGTERM; exit 0 ${exitMs.toFixed(0)} ms after the held revokes were released`,
      );
      const { rows } = await locker.query('SELECT status FROM social_accounts WHERE id = ANY($1)', [accounts]);
      assert.deepEqual(
        rows.map((r) => r.status),
        ['disconnected', 'disconnected', 'disconnected'],
      );
    });
  });
}

describe('graceful shutdown with requests in flight [pglite]', { timeout: 180_000 }, () => {
  const dataDir = tempDir('sigterm');
  let server: Server | undefined;
  after(async () => {
    await server?.kill9();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  // PGlite runs in the server's thread: while a statement runs the event loop waits, so the
  // signal is noticed between statements. What must hold: everything received is finished.
  it('SIGTERM with three 10,000-post revokes received: all finish with 200, exit 0, all on disk', async (t) => {
    const POSTS = 10_000;
    server = await startServer({ dataDir, env: { LOG_LEVEL: 'debug' } }); // for "request received", as above
    const ready = await call(server.url, 'GET', '/readyz');
    assert.equal(ready.status, 200, show(ready.text));
    assert.deepEqual(ready.body, { status: 'ready' });
    const tenant = await createTenant(server.url);
    const accounts: string[] = [];
    for (let i = 0; i < 3; i++) accounts.push(await createAccount(server.url, tenant, POSTS));
    const inFlight = accounts.map((id) =>
      call(server!.url, 'DELETE', `/v1/social-accounts/${id}`, { auth: tenant.auth }),
    );
    await Promise.all(accounts.map((id) => revokeReceived(server!, id)));
    const sigtermAt = performance.now();
    server.child.kill('SIGTERM');
    for (const r of await Promise.all(inFlight)) {
      assert.equal(r.status, 200, `in-flight revoke: ${show(r.text)}`);
      assert.equal(r.body.canceledScheduledPosts, POSTS);
    }
    const exit = await server.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, show(server.output()));
    assert.ok(server.output().includes('"signal":"SIGTERM"'), 'the shutdown is logged');
    t.diagnostic(`exit 0 ${(performance.now() - sigtermAt).toFixed(0)} ms after SIGTERM`);
    const handle = await openEmbeddedDatabase(dataDir);
    try {
      const rows = await handle.db.selectFrom('social_accounts').select('status').where('id', 'in', accounts).execute();
      assert.deepEqual(
        rows.map((r) => r.status),
        ['disconnected', 'disconnected', 'disconnected'],
      );
    } finally {
      await handle.close();
    }
  });
});
