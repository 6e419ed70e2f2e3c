import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { ERROR_CODES } from '../../src/http/errors.js';
import { REQUEST_ID } from '../harness.js';
import { createGenerator, type FuzzCase } from './fuzz-cases.js';
import {
  admin, ADMIN_TOKEN, call, createAccount, createTenant, prng, rssKb, seedFrom, show, sleep, startServer, stopServer, tempDir, type Server,
} from './support.js';

// ≥ 10,000 malformed requests, generated from /openapi.json and a seeded PRNG, against a real
// `layers serve` process: no 500, every non-2xx answer is the one envelope with X-Request-Id, the
// process keeps answering /healthz, and its resident memory stays flat after a warm-up.
// REL_FUZZ_SEED replays a run; REL_FUZZ_REQUESTS changes the count (default 12,000).

const TOTAL = Number(process.env.REL_FUZZ_REQUESTS ?? 12_000);
const WARMUP = Math.min(2_000, Math.floor(TOTAL / 6));
const CONCURRENCY = 12;
// Generous: the heap and PGlite's buffers may still settle after the warm-up; a leak of a few KB
// per request over 10,000 requests would still cross it.
const RSS_GROWTH_LIMIT_KB = 50 * 1024;

type Answer = { status: number; headers: Record<string, string>; body: string };
type Failure = { index: number; label: string; request: string; problem: string };

const INTERNALS = /\bat .+:\d+:\d+|node_modules|FST_ERR|TypeError|RangeError|SyntaxError|ECONN|SQLSTATE|pglite|postgres/i;

/** What is wrong with this answer, or undefined. 1xx are interim; 2xx/3xx need only X-Request-Id. */
function problemWith(a: Answer, method: string): string | undefined {
  if (a.status >= 500) return `${a.status}`;
  const rid = a.headers['x-request-id'];
  if (!rid || !REQUEST_ID.test(rid)) return `no X-Request-Id (${a.status})`;
  if (a.status < 400) return undefined;
  if (!/^application\/json/.test(a.headers['content-type'] ?? '')) return `content-type ${a.headers['content-type']}`;
  if (method === 'HEAD') return undefined;
  let body: any;
  try {
    body = JSON.parse(a.body);
  } catch {
    return 'not JSON';
  }
  const keys = Object.keys(body ?? {});
  if (keys.length !== 1 || keys[0] !== 'error') return `keys ${keys.join(',')}`;
  const e = body.error;
  const extra = Object.keys(e).filter((k) => !['code', 'message', 'requestId', 'details'].includes(k));
  if (extra.length) return `error has ${extra.join(',')}`;
  if (!(e.code in ERROR_CODES)) return `unknown code ${e.code}`;
  const expected = ERROR_CODES[e.code as keyof typeof ERROR_CODES];
  if (expected !== a.status && !(e.code === 'VALIDATION' && [400, 422].includes(a.status))) return `code ${e.code} with status ${a.status}`;
  if (typeof e.message !== 'string' || !e.message) return 'no message';
  if (e.requestId !== rid) return 'requestId differs from X-Request-Id';
  if (INTERNALS.test(a.body)) return 'internals in the body';
  return undefined;
}

/** Every complete HTTP/1.1 response in `buf` (Content-Length or chunked bodies). */
function parseResponses(buf: Buffer): Answer[] {
  const out: Answer[] = [];
  let rest = buf;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return out;
    const [statusLine, ...lines] = rest.subarray(0, end).toString('latin1').split('\r\n');
    const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
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

async function sendHttp(base: string, c: Extract<FuzzCase, { kind: 'http' }>): Promise<Answer> {
  const url = new URL(base + c.path); // concatenated: a path like //v1 must not become a host
  assert.equal(url.origin, base, `the fuzzer only talks to the server under test: ${url}`);
  const res = await fetch(url, {
    method: c.method, headers: c.headers, body: c.body === undefined ? undefined : new Uint8Array(Buffer.from(c.body)), signal: AbortSignal.timeout(30_000),
  });
  const body = await res.text();
  return { status: res.status, headers: Object.fromEntries(res.headers), body };
}

describe('fuzzing a real server with malformed requests [pglite]', { timeout: 900_000 }, () => {
  const dataDir = tempDir('fuzz');
  let server: Server | undefined;
  after(async () => {
    await server?.kill9();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it(`${TOTAL} malformed requests: no 500, the envelope with X-Request-Id on every error, still serving, memory flat`, async (t) => {
    const seed = seedFrom('REL_FUZZ_SEED');
    t.diagnostic(`seed ${seed} (replay with REL_FUZZ_SEED=${seed})`);
    // No worker: nothing the fuzzer creates (webhook endpoints, posts) is acted on outside this process.
    server = await startServer({ dataDir, env: { LOG_LEVEL: 'error' }, args: ['--no-worker'] });
    const base = server.url;
    const port = Number(new URL(base).port);

    // Real rows to aim at, so requests get past the 404s into validation and handlers.
    const a = await createTenant(base);
    const other = await createTenant(base);
    const keys = [a.auth];
    for (let i = 0; i < 5; i++) {
      const k = await admin(base, 'POST', '/api-keys', { organizationId: a.organizationId, scopes: ['*'], tier: 'partner', env: 'test' });
      keys.push(`Bearer ${k.key}`);
    }
    const sacrificial = await admin(base, 'POST', '/api-keys', { organizationId: a.organizationId, scopes: ['*'], tier: 'partner', env: 'test' });
    const accounts = [await createAccount(base, a, 20), await createAccount(base, a, 5), await createAccount(base, other, 5)];
    const content = await call(base, 'POST', `/v1/projects/${a.projectId}/content/upload`, { auth: a.auth, body: { media: ['https://cdn.fuzz.test/a.mp4'], caption: 'fuzz' } });
    assert.equal(content.status, 201, show(content.text));
    const scheduled = await call(base, 'POST', `/v1/content/${content.body.id}/schedule`, {
      auth: a.auth, body: { scheduledFor: new Date(Date.now() + 86_400_000).toISOString(), targets: [{ socialAccountId: accounts[0], mode: 'publish' }] },
    });
    assert.equal(scheduled.status, 201, show(scheduled.text));
    const endpoint = await call(base, 'POST', '/v1/webhook-endpoints', { auth: a.auth, body: { url: 'https://127.0.0.1:9/hook', eventTypes: ['post.published'] } });
    assert.equal(endpoint.status, 201, show(endpoint.text));
    const lease = await call(base, 'POST', `/v1/projects/${a.projectId}/leased-accounts/request`, { auth: a.auth, body: { count: 1, niche: { vertical: 'fitness' } } });
    assert.equal(lease.status, 201, show(lease.text));

    const docRes = await call(base, 'GET', '/openapi.json');
    assert.equal(docRes.status, 200);
    const gen = createGenerator(docRes.body, {
      ids: {
        org: [a.organizationId], prj: [a.projectId, other.projectId], sa: accounts, cnt: [content.body.id], sp: scheduled.body.scheduledPosts.map((p: any) => p.id),
        whe: [endpoint.body.id], lreq: [lease.body.requestId], key: [sacrificial.apiKeyId],
      },
      auths: keys,
      adminToken: ADMIN_TOKEN,
    }, prng(seed));
    t.diagnostic(`${gen.operations} operations in /openapi.json, ${gen.writeOperations} with a JSON body`);

    const failures: Failure[] = [];
    const rss: string[] = [];
    const statuses = new Map<string, number>();
    let sent = 0;
    let raw = 0;
    let unanswered = 0;
    const cases: FuzzCase[] = Array.from({ length: TOTAL }, () => gen.next()); // drawn up front: replays do not depend on timing
    const describeCase = (c: FuzzCase) =>
      c.kind === 'raw' ? `raw ${JSON.stringify(c.data.subarray(0, 300).toString('latin1'))}` : `${c.method} ${c.path.slice(0, 300)} ${JSON.stringify(c.headers).slice(0, 300)} ${String(c.body ?? '').slice(0, 300)}`;

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
            if (p) failures.push({ index, label: c.label, request: describeCase(c), problem: `${p}: ${show(ans.body, 300)}` });
          }
        } else {
          const ans = await sendHttp(base, c);
          statuses.set(`${ans.status}`, (statuses.get(`${ans.status}`) ?? 0) + 1);
          const p = problemWith(ans, c.method);
          if (p) failures.push({ index, label: c.label, request: describeCase(c), problem: `${p}: ${show(ans.body, 300)}` });
        }
      } catch (err) {
        failures.push({ index, label: c.label, request: describeCase(c), problem: `no answer: ${(err as Error).message} ${(err as Error).cause ?? ''}` });
      }
    }

    async function runRange(from: number, to: number) {
      let next = from;
      const workers = Array.from({ length: CONCURRENCY }, async () => {
        while (next < to) {
          const i = next++;
          await runOne(i);
          if (i % 2000 === 1999) rss.push(`${i + 1}: ${(rssKb(server!.pid) / 1024).toFixed(0)} MB`);
          if (i % 1000 === 999) {
            const h = await call(base, 'GET', '/healthz').catch((e: Error) => ({ status: 0, text: e.message }));
            if (h.status !== 200) failures.push({ index: i, label: 'healthz', request: 'GET /healthz', problem: `${h.status} ${h.text}` });
          }
        }
      });
      await Promise.all(workers);
    }

    const started = performance.now();
    await runRange(0, WARMUP);
    await sleep(1_000);
    const rssAfterWarmup = rssKb(server.pid);
    await runRange(WARMUP, TOTAL);
    await sleep(1_000);
    const rssAtEnd = rssKb(server.pid);
    const seconds = (performance.now() - started) / 1000;

    const health = await call(base, 'GET', '/healthz');
    assert.equal(health.status, 200, 'still answering /healthz');
    assert.ok(server.alive(), `the server process is alive: ${show(server.output())}`);
    const byStatus = [...statuses.entries()].sort().map(([s, n]) => `${s}×${n}`).join(' ');
    t.diagnostic(`${sent} requests (${raw} raw-socket, ${unanswered} of those closed without an answer) in ${seconds.toFixed(0)} s; statuses ${byStatus}`);
    t.diagnostic(`RSS after ${WARMUP}-request warm-up ${(rssAfterWarmup / 1024).toFixed(1)} MB, at the end ${(rssAtEnd / 1024).toFixed(1)} MB (growth ${((rssAtEnd - rssAfterWarmup) / 1024).toFixed(1)} MB, limit ${RSS_GROWTH_LIMIT_KB / 1024} MB); along the way ${rss.join(', ')}`);

    assert.ok(sent >= 10_000 || process.env.REL_FUZZ_REQUESTS, `at least 10,000 requests (sent ${sent})`);
    assert.deepEqual(failures.slice(0, 15).map((f) => `#${f.index} ${f.label}: ${f.problem}\n    ${f.request}`), [],
      `${failures.length} bad answers (seed ${seed})`);
    assert.ok(rssAtEnd - rssAfterWarmup < RSS_GROWTH_LIMIT_KB, `RSS grew ${((rssAtEnd - rssAfterWarmup) / 1024).toFixed(1)} MB after the warm-up`);
    const logged500 = server.output().split('\n').filter((l) => /"level":50/.test(l));
    assert.deepEqual(logged500.slice(0, 5).map((l) => l.slice(0, 600)), [], 'no error logged by the server');
    assert.deepEqual(await stopServer(server), { code: 0, signal: null }, show(server.output()));
  });
});
