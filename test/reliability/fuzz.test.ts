import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Answer, problemWith } from './envelope.js';
import { createGenerator, type FuzzCase } from './fuzz-cases.js';
import {
  ADMIN_TOKEN,
  admin,
  call,
  createAccount,
  createDatabase,
  createTenant,
  DATABASES,
  prng,
  rssKb,
  type Server,
  seedFrom,
  show,
  sleep,
  startServer,
  stopServer,
  tempDir,
} from './support.js';

// ≥ 10,000 malformed requests, generated from /openapi.json and a seeded PRNG, against a real
// `layers serve` process: no 500, every non-2xx answer is the one envelope with X-Request-Id, the
// process keeps answering /healthz, and its resident memory stays flat after a warm-up.
// About one request in ten is aimed at an input class that once answered 500 or the wrong status
// (fuzz-input-classes.ts: cursors, timestamps out of range, text/plain bodies).
// REL_FUZZ_SEED replays a run; REL_FUZZ_REQUESTS changes the count (default 12,000).

const TOTAL = Number(process.env.REL_FUZZ_REQUESTS ?? 12_000);
const WARMUP = Math.min(2_000, Math.floor(TOTAL / 6));
const CONCURRENCY = 12;
// Generous: the heap and PGlite's buffers may still settle after the warm-up; a leak of ~10 KB per
// request would still cross it between the first and the last third of 10,000 requests.
const RSS_GROWTH_LIMIT_KB = 50 * 1024;
const PGLITE_SHARED_BUFFERS_KB = 128 * 1024;
// What is still reachable after a full GC: a leak of 1 KB per request over 10,000 requests crosses it.
const HEAP_GROWTH_LIMIT_KB = 10 * 1024;

type Failure = { index: number; label: string; request: string; problem: string };

/** Every complete HTTP/1.1 response in `buf` (Content-Length or chunked bodies). */
function parseResponses(buf: Buffer): Answer[] {
  const out: Answer[] = [];
  let rest = buf;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return out;
    const [statusLine, ...lines] = rest.subarray(0, end).toString('latin1').split('\r\n');
    const headers = Object.fromEntries(
      lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
    );
    let body: Buffer = Buffer.alloc(0);
    let next = end + 4;
    if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = rest.indexOf('\r\n', next);
        if (lineEnd < 0) return out;
        const size = parseInt(rest.subarray(next, lineEnd).toString(), 16);
        if (Number.isNaN(size)) return out;
        next = lineEnd + 2 + size + 2;
        if (size === 0) break;
        parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      }
      body = Buffer.concat(parts);
    } else {
      const length = Number(headers['content-length'] ?? 0);
      if (rest.length < next + length) return out;
      body = rest.subarray(next, next + length);
      next += length;
    }
    out.push({ status: Number(statusLine!.split(' ')[1]), headers, body: body.toString('utf8') });
    rest = rest.subarray(next);
  }
}

/**
 * Raw bytes on a fresh connection: collect what comes back until the server closes, or it has
 * been quiet for a while after a full answer; a request it is still waiting on gets an EOF.
 */
function sendRaw(port: number, data: Buffer): Promise<Answer[]> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    let ended = false;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(parseResponses(Buffer.concat(chunks)).filter((r) => r.status >= 200));
    };
    const quiet = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (ended) return finish();
        ended = true; // nothing more is coming for what was sent: end our side, then give up
        socket.end();
        quiet(1_500);
      }, ms);
    };
    socket.on('error', () => {});
    socket.on('close', finish);
    socket.on('data', (d) => {
      chunks.push(d);
      quiet(parseResponses(Buffer.concat(chunks)).length ? 250 : 1_500);
    });
    socket.on('connect', () => {
      socket.write(data);
      quiet(1_500);
    });
  });
}

const GC_PROBE = fileURLToPath(new URL('./gc-probe.cjs', import.meta.url));

/** The server's memory after two full collections (gc-probe.cjs, on SIGUSR2): heap used and RSS, in KB. */
async function afterGc(server: Server, n: number) {
  server.child.kill('SIGUSR2');
  const lines = () =>
    server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{"gcProbe"'));
  for (let i = 0; i < 100 && lines().length < n; i++) await sleep(100);
  const probe = JSON.parse(lines()[n - 1] ?? assert.fail(`no gc probe answer: ${show(server.output())}`)).gcProbe as {
    heapUsed: number;
  };
  await sleep(500); // let the freed pages go back before reading RSS
  return { heapKb: Math.round(probe.heapUsed / 1024), rssKb: rssKb(server.pid) };
}

async function sendHttp(base: string, c: Extract<FuzzCase, { kind: 'http' }>): Promise<Answer> {
  const url = new URL(base + c.path); // concatenated: a path like //v1 must not become a host
  assert.equal(url.origin, base, `the fuzzer only talks to the server under test: ${url}`);
  const res = await fetch(url, {
    method: c.method,
    headers: c.headers,
    body: c.body === undefined ? undefined : new Uint8Array(Buffer.from(c.body)),
    signal: AbortSignal.timeout(30_000),
  });
  const body = await res.text();
  return { status: res.status, headers: Object.fromEntries(res.headers), body };
}

for (const kind of DATABASES)
  describe(`fuzzing a real server with malformed requests [${kind}]`, { timeout: 900_000 }, () => {
    const dataDir = tempDir(`fuzz-${kind}`);
    let server: Server | undefined;
    let database: Awaited<ReturnType<typeof createDatabase>> | undefined;
    after(async () => {
      await server?.kill9();
      fs.rmSync(dataDir, { recursive: true, force: true });
      await database?.drop();
    });
    // On PostgreSQL the process is the app alone; with PGlite it also holds the database's buffer
    // cache (shared_buffers 128 MB), which fills as the fuzzer's rows and indexes grow: allowed on top.
    const rssLimitKb = RSS_GROWTH_LIMIT_KB + (kind === 'pglite' ? PGLITE_SHARED_BUFFERS_KB : 0);

    // In the test's name, so the seed is in every report of a failure — the summary of failing
    // tests too, and a run that times out or whose log is cut — not only in its diagnostics.
    const seed = seedFrom('REL_FUZZ_SEED');
    it(`${TOTAL} malformed requests (seed ${seed}, REL_FUZZ_SEED replays): no 500, the envelope with X-Request-Id on every error, still serving, memory flat`, async (t) => {
      t.diagnostic(`seed ${seed} (replay with REL_FUZZ_SEED=${seed})`);
      // No worker: nothing the fuzzer creates (webhook endpoints, posts) is acted on outside this process.
      if (kind === 'postgres') database = await createDatabase();
      // The endpoint below names a loopback port (nothing is delivered: no worker), so loopback
      // receivers are allowed explicitly, as a developer would. About 1,500 of the requests carry a
      // bad key, all from 127.0.0.1: a failed-auth budget no run reaches, so the rest still get
      // past authentication into validation and the handlers (the budget is tested on its own).
      const env = {
        LOG_LEVEL: 'error',
        LAYERS_WEBHOOK_ALLOW_LOOPBACK: '1',
        LAYERS_AUTH_FAILURES_PER_MINUTE: '1000000',
        ...(database ? { DATABASE_URL: database.url, RATE_LIMIT_STORE: 'memory' } : {}),
      };
      server = await startServer({
        dataDir,
        env,
        args: ['--no-worker'],
        nodeArgs: ['--expose-gc', '--require', GC_PROBE],
      });
      const base = server.url;
      const port = Number(new URL(base).port);

      // Real rows to aim at, so requests get past the 404s into validation and handlers.
      const a = await createTenant(base);
      const other = await createTenant(base);
      const keys = [a.auth];
      for (let i = 0; i < 5; i++) {
        const k = await admin(base, 'POST', '/api-keys', {
          organizationId: a.organizationId,
          scopes: ['*'],
          tier: 'partner',
          env: 'test',
        });
        keys.push(`Bearer ${k.key}`);
      }
      const sacrificial = await admin(base, 'POST', '/api-keys', {
        organizationId: a.organizationId,
        scopes: ['*'],
        tier: 'partner',
        env: 'test',
      });
      const accounts = [
        await createAccount(base, a, 20),
        await createAccount(base, a, 5),
        await createAccount(base, other, 5),
      ];
      const content = await call(base, 'POST', `/v1/projects/${a.projectId}/content/upload`, {
        auth: a.auth,
        body: { media: ['https://cdn.fuzz.test/a.mp4'], caption: 'fuzz' },
      });
      assert.equal(content.status, 201, show(content.text));
      const scheduled = await call(base, 'POST', `/v1/content/${content.body.id}/schedule`, {
        auth: a.auth,
        body: {
          scheduledFor: new Date(Date.now() + 86_400_000).toISOString(),
          // accounts[1]: its 5 queued posts leave room in TikTok's 15-a-day publishing budget
          targets: [{ socialAccountId: accounts[1], mode: 'publish' }],
        },
      });
      assert.equal(scheduled.status, 201, show(scheduled.text));
      const endpoint = await call(base, 'POST', '/v1/webhook-endpoints', {
        auth: a.auth,
        body: { url: 'https://127.0.0.1:9/hook', events: ['post.published'] },
      });
      assert.equal(endpoint.status, 201, show(endpoint.text));
      const lease = await call(base, 'POST', `/v1/projects/${a.projectId}/leased-accounts/request`, {
        auth: a.auth,
        body: { count: 1, niche: { vertical: 'fitness' } },
      });
      assert.equal(lease.status, 201, show(lease.text));

      // Real cursors (lists with a second page), for the fuzzer to aim at other lists and to poison.
      const cursors: string[] = [];
      for (const list of [
        '/v1/audit-log',
        `/v1/projects/${a.projectId}/scheduled-posts`,
        `/v1/projects/${a.projectId}/social-accounts`,
      ]) {
        const first = await call(base, 'GET', `${list}?limit=1`, { auth: a.auth });
        assert.equal(typeof first.body?.nextCursor, 'string', `${list}: ${show(first.text)}`);
        cursors.push(first.body.nextCursor);
      }

      const docRes = await call(base, 'GET', '/openapi.json');
      assert.equal(docRes.status, 200);
      const gen = createGenerator(
        docRes.body,
        {
          ids: {
            org: [a.organizationId],
            prj: [a.projectId, other.projectId],
            sa: accounts,
            cnt: [content.body.id],
            sp: scheduled.body.scheduledPosts.map((p: any) => p.id),
            whe: [endpoint.body.id],
            lreq: [lease.body.requestId],
            key: [sacrificial.apiKeyId],
          },
          auths: keys,
          adminToken: ADMIN_TOKEN,
          cursors,
        },
        prng(seed),
      );
      t.diagnostic(`${gen.operations} operations in /openapi.json, ${gen.writeOperations} with a JSON body`);

      const failures: Failure[] = [];
      const rss: { at: number; kb: number }[] = [];
      const statuses = new Map<string, number>();
      let sent = 0;
      let raw = 0;
      let unanswered = 0;
      const cases: FuzzCase[] = Array.from({ length: TOTAL }, () => gen.next()); // drawn up front: replays do not depend on timing
      const describeCase = (c: FuzzCase) =>
        c.kind === 'raw'
          ? `raw ${JSON.stringify(c.data.subarray(0, 300).toString('latin1'))}`
          : `${c.method} ${c.path.slice(0, 300)} ${JSON.stringify(c.headers).slice(0, 300)} ${String(c.body ?? '').slice(0, 300)}`;

      async function runOne(index: number) {
        const c = cases[index]!;
        sent++;
        try {
          if (c.kind === 'raw') {
            raw++;
            const answers = await sendRaw(port, c.data);
            if (answers.length === 0) unanswered++;
            for (const ans of answers) {
              statuses.set(`${ans.status}`, (statuses.get(`${ans.status}`) ?? 0) + 1);
              const p = problemWith(ans, 'GET');
              if (p)
                failures.push({
                  index,
                  label: c.label,
                  request: describeCase(c),
                  problem: `${p}: ${show(ans.body, 300)}`,
                });
            }
          } else {
            const ans = await sendHttp(base, c);
            statuses.set(`${ans.status}`, (statuses.get(`${ans.status}`) ?? 0) + 1);
            const p = problemWith(ans, c.method);
            if (p)
              failures.push({
                index,
                label: c.label,
                request: describeCase(c),
                problem: `${p}: ${show(ans.body, 300)}`,
              });
          }
        } catch (err) {
          failures.push({
            index,
            label: c.label,
            request: describeCase(c),
            problem: `no answer: ${(err as Error).message} ${(err as Error).cause ?? ''}`,
          });
        }
      }

      async function runRange(from: number, to: number) {
        let next = from;
        const workers = Array.from({ length: CONCURRENCY }, async () => {
          while (next < to) {
            const i = next++;
            await runOne(i);
            if (i % 250 === 249) rss.push({ at: i + 1, kb: rssKb(server!.pid) });
            if (i % 1000 === 999) {
              const h = await call(base, 'GET', '/healthz').catch((e: Error) => ({ status: 0, text: e.message }));
              if (h.status !== 200)
                failures.push({
                  index: i,
                  label: 'healthz',
                  request: 'GET /healthz',
                  problem: `${h.status} ${h.text}`,
                });
            }
          }
        });
        await Promise.all(workers);
      }

      const started = performance.now();
      await runRange(0, WARMUP);
      const warm = await afterGc(server, 1);
      await runRange(WARMUP, TOTAL);
      const end = await afterGc(server, 2);
      const seconds = (performance.now() - started) / 1000;

      const health = await call(base, 'GET', '/healthz');
      assert.equal(health.status, 200, 'still answering /healthz');
      assert.ok(server.alive(), `the server process is alive: ${show(server.output())}`);
      const byStatus = [...statuses.entries()]
        .sort()
        .map(([s, n]) => `${s}×${n}`)
        .join(' ');
      t.diagnostic(
        `${sent} requests (${raw} raw-socket, ${unanswered} of those closed without an answer) in ${seconds.toFixed(0)} s; statuses ${byStatus}`,
      );
      // Compared after full collections (a GC-neutral reading): between them RSS swings by ±150 MB
      // with what the last burst allocated (1 MiB bodies, 400,000-deep JSON).
      const mb = (kb: number) => (kb / 1024).toFixed(1);
      t.diagnostic(
        `after a full GC: RSS ${mb(warm.rssKb)} MB and heap ${mb(warm.heapKb)} MB after the ${WARMUP}-request warm-up, RSS ${mb(end.rssKb)} MB and heap ${mb(end.heapKb)} MB at the end (RSS growth ${mb(end.rssKb - warm.rssKb)} MB, limit ${mb(rssLimitKb)} MB; heap growth ${mb(end.heapKb - warm.heapKb)} MB, limit ${mb(HEAP_GROWTH_LIMIT_KB)} MB); between them RSS peaked at ${mb(Math.max(...rss.map((r) => r.kb)))} MB`,
      );
      t.diagnostic(
        `RSS every 1,000 requests (MB): ${rss
          .filter((r) => r.at % 1000 === 0)
          .map((r) => mb(r.kb))
          .join(' ')}`,
      );
      assert.ok(sent >= 10_000 || process.env.REL_FUZZ_REQUESTS, `at least 10,000 requests (sent ${sent})`);
      assert.deepEqual(
        failures.slice(0, 15).map((f) => `#${f.index} ${f.label}: ${f.problem}\n    ${f.request}`),
        [],
        `${failures.length} bad answers (seed ${seed})`,
      );
      assert.ok(end.rssKb - warm.rssKb < rssLimitKb, `RSS grew ${mb(end.rssKb - warm.rssKb)} MB after the warm-up`);
      assert.ok(
        end.heapKb - warm.heapKb < HEAP_GROWTH_LIMIT_KB,
        `the live heap grew ${mb(end.heapKb - warm.heapKb)} MB after the warm-up`,
      );
      const logged500 = server
        .output()
        .split('\n')
        .filter((l) => /"level":50/.test(l));
      assert.deepEqual(
        logged500.slice(0, 5).map((l) => l.slice(0, 600)),
        [],
        'no error logged by the server',
      );
      assert.deepEqual(await stopServer(server), { code: 0, signal: null }, show(server.output()));
    });
  });
