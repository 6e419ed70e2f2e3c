import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { DATABASES, TEST_DATABASE_URL } from '../harness.js';
import { parseExposition } from '../support/prometheus.js';

// Start-up that explains itself, as real processes: a database that comes up late is waited
// for; one that never does, and a port already taken, stop the process with one line (exit 1).
// And `layers worker --metrics-port` answers /metrics, /healthz, /readyz.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN_TOKEN = 'lat_startup_test_token_0123456789abcdef';
const show = (s: string) => s.slice(-3000);

type Proc = { child: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<number | null> };

function layers(args: string[], extra: Record<string, string>): Proc {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^(LAYERS_|DATABASE_URL$|REDIS_URL$|PORT$|HOST$|NODE_TEST_CONTEXT$|NODE_OPTIONS$|TEST_|LOG_)/.test(k))
      delete env[k];
  }
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    env: {
      ...env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      LAYERS_SANDBOX_PORT: '0',
      LAYERS_ADMIN_TOKEN: ADMIN_TOKEN,
      ...extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** A TCP proxy to PostgreSQL on `port`, started on demand; stop() drops every connection. */
function pgProxy(port: number) {
  const target = new URL(TEST_DATABASE_URL);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  return {
    start: () => new Promise<void>((r) => server.listen(port, '127.0.0.1', r)),
    stop: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        if (!server.listening) return r();
        server.close(() => r());
      }),
  };
}

/** The first JSON log line with this message (stdout), once it appears. */
async function logLine(p: Proc, msg: string, seconds = 60): Promise<Record<string, any>> {
  for (let i = 0; i < seconds * 10; i++) {
    for (const line of p.stdout().split('\n')) {
      if (!line.startsWith('{')) continue;
      const record = JSON.parse(line) as Record<string, any>;
      if (record.msg === msg) return record;
    }
    if (p.child.exitCode !== null)
      assert.fail(`exited ${p.child.exitCode} before "${msg}": ${show(p.stdout() + p.stderr())}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return assert.fail(`no "${msg}" after ${seconds} s: ${show(p.stdout() + p.stderr())}`);
}

/** stderr is exactly one line starting with "layers: ", no stack. */
function assertOneLine(stderr: string, pattern: RegExp) {
  assert.match(stderr, /^layers: [^\n]+\n$/, `one line: ${show(stderr)}`);
  assert.match(stderr, pattern, stderr);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack');
}

describe('start-up', () => {
  const tmp: string[] = [];
  const scratch = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-startup-'));
    tmp.push(dir);
    return path.join(dir, 'data'); // not created yet
  };
  after(() => {
    for (const d of tmp) fs.rmSync(d, { recursive: true, force: true });
  });

  it('a database that never answers: retried until LAYERS_DB_CONNECT_TIMEOUT_MS, then one line (password masked), exit 1', async () => {
    const port = await freePort();
    const started = Date.now();
    const p = layers(['worker'], {
      DATABASE_URL: `postgres://postgres:hunter2-not-logged@127.0.0.1:${port}/test`,
      LAYERS_DB_CONNECT_TIMEOUT_MS: '1500',
      LAYERS_DATA_DIR: scratch(),
    });
    const code = await p.exited;
    assert.equal(code, 1, show(p.stderr()));
    assertOneLine(
      p.stderr(),
      new RegExp(
        `^layers: Database postgres://postgres:\\*\\*\\*@127\\.0\\.0\\.1:${port}/test is unreachable after \\d+ s`,
      ),
    );
    assert.ok(!(p.stdout() + p.stderr()).includes('hunter2'), 'the password appears nowhere');
    assert.ok(Date.now() - started < 20_000, `gave up in ${Date.now() - started} ms`);
    assert.match(p.stdout(), /database unreachable; retrying/, 'the retries are logged');
  });

  for (const kind of DATABASES) {
    it(`[${kind}] port in use: one line, exit 1, and nothing created in the data directory`, async () => {
      const busy = net.createServer();
      await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
      const { port } = busy.address() as net.AddressInfo;
      const dataDir = scratch();
      try {
        const p = layers(['serve', '--port', String(port), '--data-dir', dataDir], {
          ...(kind === 'postgres' ? { DATABASE_URL: TEST_DATABASE_URL } : {}),
        });
        assert.equal(await p.exited, 1, show(p.stderr()));
        assertOneLine(p.stderr(), new RegExp(`^layers: Port ${port} is in use on 127\\.0\\.0\\.1`));
        assert.equal(fs.existsSync(dataDir), false, 'the data directory was not created');
      } finally {
        await new Promise((r) => busy.close(r));
      }
    });
  }

  describe('against PostgreSQL', { skip: !DATABASES.includes('postgres') }, () => {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    before(async () => {
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
    });
    after(async () => {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    });

    it('a database up 2 s late is waited for; layers worker --metrics-port answers /metrics, /healthz, /readyz (503 once the database is gone)', async () => {
      const port = await freePort();
      const proxy = pgProxy(port);
      const url = new URL(TEST_DATABASE_URL);
      url.port = String(port);
      url.searchParams.set('options', `-c search_path=${schema}`);
      const p = layers(['worker', '--metrics-port', '0'], {
        DATABASE_URL: url.toString(),
        LAYERS_DB_CONNECT_TIMEOUT_MS: '30000',
        LAYERS_DATA_DIR: scratch(),
        LAYERS_MASTER_KEY: randomBytes(32).toString('base64'),
      });
      try {
        // The database comes up 2 s after the worker first found it unreachable.
        await logLine(p, 'database unreachable; retrying');
        await new Promise((r) => setTimeout(r, 2_000));
        await proxy.start();
        const running = await logLine(p, 'layers worker running');
        const base = running.metricsUrl as string;
        assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
        const metrics = await fetch(`${base}/metrics`);
        assert.equal(metrics.status, 200);
        const samples = parseExposition(await metrics.text());
        assert.ok(samples.has('layers_queue_depth{queue="due_posts"}'), [...samples.keys()].join(' '));
        assert.ok(samples.has('layers_db_pool_clients{state="total"}'));
        // The first pass has run by the time "running" is logged or soon after.
        for (let i = 0; i < 50; i++) {
          const s = parseExposition(await (await fetch(`${base}/metrics`)).text());
          if ((s.get('layers_worker_pass_duration_seconds_count') ?? 0) >= 1) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        const s = parseExposition(await (await fetch(`${base}/metrics`)).text());
        assert.ok((s.get('layers_worker_pass_duration_seconds_count') ?? 0) >= 1, 'a pass was observed');
        assert.ok((s.get('layers_worker_job_runs_total{job="publisher",outcome="ok"}') ?? 0) >= 1);
        assert.deepEqual(await (await fetch(`${base}/healthz`)).json(), { status: 'ok' });
        assert.equal((await fetch(`${base}/readyz`)).status, 200);
        await proxy.stop();
        const gone = await fetch(`${base}/readyz`);
        assert.equal(gone.status, 503);
        assert.deepEqual(await gone.json(), { status: 'not ready', check: 'database' });
        assert.equal((await fetch(`${base}/healthz`)).status, 200, 'alive all the same');
        p.child.kill('SIGTERM');
        assert.equal(await p.exited, 0, show(p.stdout() + p.stderr()));
      } finally {
        p.child.kill('SIGKILL');
        await proxy.stop();
      }
    });
  });
});
