import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openEmbeddedDatabase } from '../../src/db/client.js';
import { DATABASES, TEST_DATABASE_URL } from '../harness.js';

// The worker in real processes: `layers serve --no-worker` and `layers worker` sharing one
// PostgreSQL, and SIGTERM of `layers serve` while its in-process worker holds a claimed post.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN_TOKEN = 'lat_worker_process_test_token_0123456789';
const show = (s: string) => s.slice(-3000);

/** A fresh shell's environment (nothing of the test runner's) plus `extra`. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^(LAYERS_|DATABASE_URL$|REDIS_URL$|PORT$|HOST$|NODE_TEST_CONTEXT$|NODE_OPTIONS$|TEST_)/.test(k)) delete env[k];
  }
  return {
    ...env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    LAYERS_SANDBOX_PORT: '0',
    LAYERS_ADMIN_TOKEN: ADMIN_TOKEN,
    ...extra,
  };
}

type Proc = { child: ChildProcess; output: () => string; exited: Promise<number | null> };

function layers(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor<T>(what: string, p: Proc, check: () => T | undefined | Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 1200; i++) {
    const value = await check();
    if (value !== undefined) return value;
    if (p.child.exitCode !== null)
      assert.fail(`process exited ${p.child.exitCode} while waiting for ${what}: ${show(p.output())}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return assert.fail(`no ${what} after 120 s: ${show(p.output())}`);
}

async function call(base: string, method: string, route: string, token: string, body?: unknown) {
  const res = await fetch(new URL(route, base), {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${route} → ${res.status} ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

/** Through the operator API: an organization, a test key, a project, a connected TikTok account; then a post published now. */
async function postPublishedNow(base: string) {
  const org = await call(base, 'POST', '/admin/v1/organizations', ADMIN_TOKEN, { name: 'Worker process test' });
  const key = await call(base, 'POST', '/admin/v1/api-keys', ADMIN_TOKEN, {
    organizationId: org.organizationId,
    scopes: ['*'],
    tier: 'partner',
  });
  const project = await call(base, 'POST', '/admin/v1/projects', ADMIN_TOKEN, {
    organizationId: org.organizationId,
    name: 'P',
  });
  const account = await call(base, 'POST', '/admin/v1/social-accounts', ADMIN_TOKEN, {
    projectId: project.projectId,
    platform: 'tiktok',
    handle: 'proc.creator',
  });
  const content = await call(base, 'POST', `/v1/projects/${project.projectId}/content/upload`, key.key, {
    media: ['https://cdn.example.com/clip.mp4'],
  });
  const scheduled = await call(base, 'POST', `/v1/content/${content.id}/publish`, key.key, {
    targets: [{ socialAccountId: account.socialAccountId, mode: 'publish' }],
  });
  return { key: key.key as string, postId: scheduled.scheduledPosts[0].id as string };
}

const serverJson = (dir: string) => {
  const file = path.join(dir, 'server.json');
  return fs.existsSync(file)
    ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { url: string; sandboxUrl: string })
    : undefined;
};

describe('the worker in real processes', { timeout: 300_000 }, () => {
  const dirs: string[] = [];
  const procs: Proc[] = [];
  const tempDir = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-worker-'));
    dirs.push(d);
    return d;
  };
  const start = (args: string[], env: Record<string, string>) => {
    const p = layers(args, env);
    procs.push(p);
    return p;
  };
  after(async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('layers worker --help; without DATABASE_URL it refuses (exit 2): the embedded database is one process’s', async () => {
    const help = start(['worker', '--help'], {});
    assert.equal(await help.exited, 0, help.output());
    assert.match(help.output(), /^Usage: layers worker/m);
    const refused = start(['worker', '--data-dir', tempDir()], {});
    assert.equal(await refused.exited, 2, refused.output());
    assert.match(refused.output(), /^layers: layers worker needs DATABASE_URL/m);
  });

  it('layers serve --no-worker and layers worker on one PostgreSQL: the worker process publishes the post, once', {
    skip: !DATABASES.includes('postgres'),
  }, async () => {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    try {
      const url = new URL(TEST_DATABASE_URL);
      url.searchParams.set('options', `-c search_path=${schema}`);
      // Every process of one installation shares the master key and the key ring (docs/key-ring.md).
      const shared = {
        DATABASE_URL: url.toString(),
        LAYERS_MASTER_KEY: randomBytes(32).toString('base64'),
        LAYERS_KEYRING_DIR: tempDir(),
      };
      const serveDir = tempDir();
      const serve = start(['serve', '--no-worker', '--port', '0', '--data-dir', serveDir], shared);
      const { url: base, sandboxUrl } = await waitFor('server.json', serve, () => serverJson(serveDir));
      const { key, postId } = await postPublishedNow(base);

      // A worker given a key ring of its own (not shared) refuses to start, in one line.
      const unshared = start(['worker', '--data-dir', tempDir()], { ...shared, LAYERS_KEYRING_DIR: tempDir() });
      assert.equal(await unshared.exited, 2, unshared.output());
      assert.match(
        unshared.output(),
        /^layers: The database knows key epoch\(s\) 1, but the key ring at \S+ is empty: point LAYERS_KEYRING_DIR at the ring this database's other processes use\.$/m,
      );
      assert.ok(!unshared.output().includes('    at '), `no stack trace: ${unshared.output()}`);

      const worker = start(['worker', '--data-dir', tempDir()], {
        ...shared,
        LAYERS_SANDBOX_PORT: new URL(sandboxUrl).port,
      });
      const post = await waitFor('the post published', worker, async () => {
        const p = await call(base, 'GET', `/v1/scheduled-posts/${postId}`, key);
        return p.status === 'queued' || p.status === 'publishing' ? undefined : p;
      });
      assert.equal(post.status, 'published', JSON.stringify(post));
      const log = (await (await fetch(`${sandboxUrl}/__sandbox/log`)).json()) as {
        calls: { endpoint: string; idempotencyKey?: string; externalId?: string }[];
      };
      const publishes = log.calls.filter((c) => c.endpoint === 'tiktok.publish' && c.idempotencyKey === postId);
      assert.deepEqual(
        publishes.map((c) => c.externalId),
        [post.externalId],
        'one publish, keyed by the post id',
      );
      assert.ok(
        worker.output().includes(`"scheduledPostId":"${postId}"`),
        `the worker process published it: ${show(worker.output())}`,
      );
      assert.ok(!serve.output().includes('post published'), 'the --no-worker server did not');

      worker.child.kill('SIGTERM');
      serve.child.kill('SIGTERM');
      assert.equal(await worker.exited, 0, show(worker.output()));
      assert.equal(await serve.exited, 0, show(serve.output()));
    } finally {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    }
  });

  it('SIGTERM of layers serve while its worker holds a claimed post: the pass finishes, the post ends published, exit 0', async () => {
    const dir = tempDir();
    const serve = start(['serve', '--port', '0', '--data-dir', dir], { LAYERS_TEST_PAUSE: 'publisher:after-claim' });
    const { url: base } = await waitFor('server.json', serve, () => serverJson(dir));
    const { postId } = await postPublishedNow(base);
    await waitFor('the worker paused with the post claimed', serve, () =>
      serve.output().includes('"testPause":"publisher:after-claim"') ? true : undefined,
    );

    serve.child.kill('SIGTERM');
    assert.equal(await serve.exited, 0, show(serve.output()));
    const out = serve.output();
    assert.ok(
      out.indexOf('"msg":"post published"') > out.indexOf('"signal":"SIGTERM"'),
      `published during the shutdown: ${show(out)}`,
    );

    const handle = await openEmbeddedDatabase(dir);
    try {
      const row = await handle.db
        .selectFrom('scheduled_posts')
        .select(['status', 'external_id', 'claim_expires_at'])
        .where('id', '=', postId)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, 'published', JSON.stringify(row));
      assert.ok(row.external_id);
      assert.equal(row.claim_expires_at, null);
    } finally {
      await handle.close();
    }
  });
});
