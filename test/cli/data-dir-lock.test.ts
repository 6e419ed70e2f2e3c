import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { after, describe, it } from 'node:test';
import {
  call,
  createDatabase,
  createTenant,
  DATABASES,
  type Proc,
  ROOT,
  type Server,
  show,
  spawnLayers,
  startServer,
  stopServer,
  type Tenant,
  tempDir,
} from '../reliability/support.js';

// One process owns an embedded data directory, with real `layers` processes: a second
// `layers serve` or a `layers migrate` is refused at once and changes nothing, the owner keeps
// every acknowledged write, a holder killed with kill -9 is taken over on the next start, and an
// owner whose lock is taken from it stops.

const inUse = (dir: string, pid: number) =>
  `layers: data directory ${dir} is in use by another layers process (pid ${pid}); stop it first or use --data-dir\n`;
// Without these in its environment a process would generate secrets into the data directory.
const NO_ENV_SECRETS = { LAYERS_ADMIN_TOKEN: undefined, LAYERS_MASTER_KEY: undefined };
// Refused before the database, the platforms or a port: only process start-up (tsx) is slower.
const REFUSAL_MS = 15_000;

/** stdout, stderr, exit code and duration of a `layers` run to its end. */
async function run(args: string[], env: Record<string, string | undefined> = {}) {
  const started = performance.now();
  const p = spawnLayers(args, env);
  let stdout = '';
  let stderr = '';
  p.child.stdout!.on('data', (d) => (stdout += d));
  p.child.stderr!.on('data', (d) => (stderr += d));
  const { code } = await p.exited;
  return { code, stdout, stderr, ms: performance.now() - started };
}

/** What a refused process could have touched: every name at the top, server.json whole, pgdata's names. */
function snapshot(dir: string) {
  const top = fs.readdirSync(dir).sort();
  const serverJson = fs.existsSync(path.join(dir, 'server.json'))
    ? `${fs.readFileSync(path.join(dir, 'server.json'), 'utf8')}@${fs.statSync(path.join(dir, 'server.json')).mtimeMs}`
    : null;
  const pgdata = fs.existsSync(path.join(dir, 'pgdata')) ? fs.readdirSync(path.join(dir, 'pgdata')).sort() : null;
  return { top, serverJson, pgdata };
}

const holderPid = (dir: string) => {
  const [marker, ...rest] = fs.readdirSync(path.join(dir, 'layers.lock'));
  assert.equal(rest.length, 0);
  return (JSON.parse(fs.readFileSync(path.join(dir, 'layers.lock', marker!), 'utf8')) as { pid: number }).pid;
};

describe('data directory ownership (real processes)', { timeout: 300_000 }, () => {
  const dir = tempDir('lock');
  const procs: Proc[] = [];
  let first: Server;
  let tenant: Tenant;
  const projectIds: string[] = [];
  after(async () => {
    await Promise.all(procs.map((p) => p.kill9()));
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const serve = async (extra: Record<string, string | undefined> = {}) => {
    const s = await startServer({ dataDir: dir, env: extra });
    procs.push(s);
    return s;
  };
  /** Writes acknowledged with 201: a project through /v1 with the tenant's key. */
  async function createProjects(base: string, n: number) {
    for (let i = 0; i < n; i++) {
      const res = await call(base, 'POST', '/v1/projects', {
        auth: tenant.auth,
        body: { name: `Owned ${projectIds.length}`, timezone: 'UTC' },
      });
      assert.equal(res.status, 201, show(res.text));
      projectIds.push(res.body.id);
    }
  }
  async function assertAllThere(base: string) {
    for (const id of [tenant.projectId, ...projectIds]) {
      const res = await call(base, 'GET', `/v1/projects/${id}`, { auth: tenant.auth });
      assert.equal(res.status, 200, `${id} after the restart: ${show(res.text)}`);
    }
  }

  it('a second layers serve on the directory exits 3 at once with one line naming it and the holder; nothing created or changed', async (t) => {
    first = await serve();
    tenant = await createTenant(first.url);
    await createProjects(first.url, 5);
    const before = snapshot(dir);

    const second = await run(['serve', '--port', '0', '--data-dir', dir], NO_ENV_SECRETS);
    assert.equal(second.code, 3, show(second.stderr));
    assert.equal(second.stderr, inUse(dir, first.pid));
    assert.equal(second.stdout, '');
    assert.ok(second.ms < REFUSAL_MS, `refused after ${second.ms.toFixed(0)} ms`);
    t.diagnostic(`refused ${second.ms.toFixed(0)} ms after spawn`);
    assert.deepEqual(snapshot(dir), before, 'no secrets generated, no server.json written, nothing in pgdata');
    assert.ok(!before.top.includes('master.key') && !before.top.includes('admin-token'));
    assert.equal(holderPid(dir), first.pid);
  });

  it('layers migrate against the held directory exits 3 with the same line and changes nothing', async () => {
    const before = snapshot(dir);
    const migrate = await run(['migrate', '--data-dir', dir]);
    assert.equal(migrate.code, 3, show(migrate.stderr));
    assert.equal(migrate.stderr, inUse(dir, first.pid));
    assert.equal(migrate.stdout, '');
    assert.deepEqual(snapshot(dir), before);
  });

  it('the owner kept serving: more writes, SIGTERM (exit 0, lock released), then every acknowledged write is there', async () => {
    await createProjects(first.url, 5);
    assert.deepEqual(await stopServer(first), { code: 0, signal: null }, show(first.output()));
    assert.ok(!fs.existsSync(path.join(dir, 'layers.lock')), 'released on SIGTERM');

    const migrate = await run(['migrate', '--data-dir', dir]);
    assert.equal(migrate.code, 0, show(migrate.stderr));
    assert.equal(migrate.stdout, '{"applied":[],"database":"pglite"}\n');
    assert.ok(!fs.existsSync(path.join(dir, 'layers.lock')), 'migrate released it too');

    const again = await serve();
    await assertAllThere(again.url);
    assert.equal(projectIds.length, 10);
    first = again;
  });

  it('kill -9 of the owner: the next layers serve takes the lock over at once and has every write', async (t) => {
    await createProjects(first.url, 3);
    await first.kill9();
    assert.equal(holderPid(dir), first.pid, 'the dead holder’s lock is still there');
    const started = performance.now();
    const next = await serve();
    const ms = performance.now() - started;
    assert.equal(holderPid(dir), next.pid);
    await assertAllThere(next.url);
    // As long as any start: no waiting out a timeout (the heartbeat's would be 60 s).
    assert.ok(ms < 30_000, `took over after ${ms.toFixed(0)} ms`);
    t.diagnostic(`listening ${ms.toFixed(0)} ms after spawn, on the dead holder's directory`);
    first = next;
  });

  it('a lock taken from a running owner: it stops at once (exit 1, one line) instead of writing on', async () => {
    fs.rmSync(path.join(dir, 'layers.lock'), { recursive: true });
    const exit = await Promise.race([first.exited, new Promise((r) => setTimeout(r, 15_000, 'still running'))]);
    assert.deepEqual(exit, { code: 1, signal: null }, show(first.output()));
    assert.match(
      first.output(),
      new RegExp(
        `^layers: lost the lock on data directory ${dir} \\(.+\\); exiting so no further write reaches it$`,
        'm',
      ),
    );
  });

  it('a directory held by another process before anything was created: serve and migrate leave it holding only the lock', async () => {
    const empty = tempDir('lock-empty');
    const holder = spawn(process.execPath, ['--import', 'tsx', 'test/support/lock-holder.ts', empty], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const exited = new Promise((r) => holder.on('exit', r));
    try {
      const lines = readline.createInterface({ input: holder.stdout! })[Symbol.asyncIterator]();
      assert.equal((await lines.next()).value, 'ready');
      holder.stdin!.write('go\n');
      assert.equal((await lines.next()).value, 'locked');
      for (const args of [
        ['serve', '--port', '0', '--data-dir', empty],
        ['migrate', '--data-dir', empty],
      ]) {
        const res = await run(args, NO_ENV_SECRETS);
        assert.equal(res.code, 3, show(res.stderr));
        assert.equal(res.stderr, inUse(empty, holder.pid!));
        assert.deepEqual(fs.readdirSync(empty), ['layers.lock'], `${args[0]}: no pgdata, no secrets, no server.json`);
      }
    } finally {
      holder.stdin!.end();
      await exited;
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('with DATABASE_URL no lock is taken: two layers serve share one data directory and one PostgreSQL', {
    skip: !DATABASES.includes('postgres'),
  }, async () => {
    const shared = tempDir('lock-pg');
    const database = await createDatabase();
    const env = { DATABASE_URL: database.url, RATE_LIMIT_STORE: 'memory', LOG_LEVEL: 'info' };
    try {
      const a = spawnLayers(['serve', '--no-worker', '--port', '0', '--data-dir', shared], env);
      const b = spawnLayers(['serve', '--no-worker', '--port', '0', '--data-dir', shared], env);
      procs.push(a, b);
      for (const p of [a, b]) await p.waitForLine(/layers API listening/);
      assert.ok(!fs.existsSync(path.join(shared, 'layers.lock')));
      for (const p of [a, b]) assert.deepEqual(await stopServer(p), { code: 0, signal: null }, show(p.output()));
    } finally {
      await database.drop();
      fs.rmSync(shared, { recursive: true, force: true });
    }
  });
});
