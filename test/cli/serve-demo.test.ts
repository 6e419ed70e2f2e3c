import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { REQUEST_ID } from '../harness.js';

// The README's promise, end to end: the real `layers serve --demo` process on the embedded
// database, the seed's curl example against it, the admin CLI, and a clean SIGTERM.
// A process test, so PGlite only (the database is not what it is about).

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const show = (s: string) => s.slice(0, 500);
/** What production requires of `layers serve`, all given (the values are never used: it stops before). */
const PRODUCTION_SETTINGS = {
  LAYERS_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
  LAYERS_ADMIN_TOKEN: 'lat_production_settings_for_a_test',
  LAYERS_TIKTOK_CLIENT_KEY: 'tiktok-key',
  LAYERS_TIKTOK_CLIENT_SECRET: 'tiktok-secret',
  LAYERS_INSTAGRAM_CLIENT_ID: 'instagram-id',
  LAYERS_INSTAGRAM_CLIENT_SECRET: 'instagram-secret',
};

/** The environment of a fresh shell: nothing of ours leaks in from the test runner. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^(LAYERS_|DATABASE_URL$|REDIS_URL$|PORT$|HOST$|NODE_TEST_CONTEXT$|NODE_OPTIONS$|TEST_)/.test(k)) delete env[k];
  }
  return { ...env, LOG_LEVEL: 'info', NODE_ENV: 'development', ...extra };
}

type Run = { code: number | null; stdout: string; stderr: string };

/** Runs `layers <args>` from the checkout, as `npm run --silent layers -- <args>` would. */
function layers(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    // A ceiling, not a timing assertion: a loaded CI machine can take many seconds per start.
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { cwd: ROOT, env: cleanEnv(env), timeout: 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

// Each `layers` start compiles and loads the whole CLI; a few at a time keeps a busy machine responsive.
const PARALLEL_CLI_RUNS = 4;

/** `layers` once per argument list, at most PARALLEL_CLI_RUNS at a time, results in order. */
async function layersEach(argLists: string[][], env: Record<string, string> = {}): Promise<Run[]> {
  const results: Run[] = new Array(argLists.length);
  let next = 0;
  const lane = async () => {
    while (next < argLists.length) {
      const i = next++;
      results[i] = await layers(argLists[i]!, env);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_CLI_RUNS, argLists.length) }, lane));
  return results;
}

function curl(args: string[]): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    // -D - puts the response headers on stdout ahead of the body.
    execFile('curl', ['-s', '-D', '-', ...args], { timeout: 30_000 }, (err, stdout) => {
      if (err) return reject(err);
      const split = stdout.indexOf('\r\n\r\n');
      const [statusLine, ...lines] = stdout.slice(0, split).split('\r\n');
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: stdout.slice(split + 4) });
    });
  });
}

/** One JSON object on one line of stdout, exit 0. */
function oneJson(run: Run, label: string): Record<string, any> {
  const shown = `${label}: exit ${run.code}, stdout ${show(run.stdout)} stderr ${show(run.stderr)}`;
  assert.equal(run.code, 0, shown);
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines.length, 1, shown);
  const value = JSON.parse(lines[0]!);
  assert.ok(value && typeof value === 'object' && !Array.isArray(value), shown);
  return value;
}

async function waitForFile(file: string, server: ChildProcess, output: () => string) {
  for (let i = 0; i < 1800; i++) {
    // up to 180 s: a ceiling for a loaded machine, not a timing claim
    if (fs.existsSync(file)) return;
    if (server.exitCode !== null)
      assert.fail(`server exited ${server.exitCode} before writing ${file}: ${show(output())}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`no ${file} after 180 s: ${show(output())}`);
}

async function waitFor(done: () => boolean, server: ChildProcess, output: () => string) {
  for (let i = 0; i < 1800 && !done(); i++) {
    if (server.exitCode !== null) assert.fail(`server exited ${server.exitCode}: ${show(output())}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(done(), `not within 180 s: ${show(output())}`);
}

describe('layers serve --demo (real process, PGlite)', { timeout: 600_000 }, () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-demo-'));
  let server: ChildProcess;
  let stdout = '';
  let stderr = '';
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  let demo: {
    baseUrl: string;
    apiKey: string;
    organizationId: string;
    projectId: string;
    socialAccountId: string;
    leasedSocialAccountId: string;
  };
  const secrets: string[] = []; // every credential seen, none of which may reach a log line
  const requestIds: string[] = [];

  before(async () => {
    server = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--demo', '--port', '0', '--data-dir', dataDir],
      {
        cwd: ROOT,
        env: cleanEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    server.stdout!.on('data', (d) => (stdout += d));
    server.stderr!.on('data', (d) => (stderr += d));
    exited = new Promise((resolve) => server.on('exit', (code, signal) => resolve({ code, signal })));
    await waitForFile(path.join(dataDir, 'demo.json'), server, () => stdout + stderr);
    demo = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo.json'), 'utf8'));
    secrets.push(
      demo.apiKey,
      demo.apiKey.slice(-43),
      fs.readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim(),
      fs.readFileSync(path.join(dataDir, 'master.key'), 'utf8').trim(),
    );
  });

  after(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill('SIGKILL');
      await exited;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes server.json and demo.json as spec §6 says', () => {
    const serverJson = JSON.parse(fs.readFileSync(path.join(dataDir, 'server.json'), 'utf8'));
    assert.match(serverJson.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(serverJson.url, 'http://127.0.0.1:0', 'port 0 resolved to the real port');
    assert.deepEqual(Object.keys(demo).sort(), [
      'apiKey',
      'baseUrl',
      'leasedSocialAccountId',
      'organizationId',
      'projectId',
      'socialAccountId',
    ]);
    assert.equal(demo.baseUrl, serverJson.url);
    assert.match(demo.apiKey, /^lp_test_key_[0-9a-f-]{36}_[A-Za-z0-9_-]{43}$/);
    assert.match(demo.organizationId, /^org_/);
    assert.match(demo.projectId, /^prj_/);
    assert.match(demo.socialAccountId, /^sa_/);
    assert.match(demo.leasedSocialAccountId, /^sa_/);
    assert.equal(
      fs.statSync(path.join(dataDir, 'demo.json')).mode & 0o077,
      0,
      'demo.json (it holds a key) is owner-only',
    );
  });

  it('the seed’s curl example: 200 with canceledScheduledPosts 4, then 404 in the envelope', async () => {
    const url = `${demo.baseUrl}/v1/social-accounts/${demo.socialAccountId}`;
    const args = ['-X', 'DELETE', url, '-H', `Authorization: Bearer ${demo.apiKey}`];
    const first = await curl(args);
    assert.equal(first.status, 200, show(first.body));
    assert.match(first.headers['x-request-id'] ?? '', REQUEST_ID);
    requestIds.push(first.headers['x-request-id']!);
    const body = JSON.parse(first.body);
    assert.deepEqual(
      Object.keys(body),
      ['socialAccountId', 'status', 'disconnectedReason', 'canceledScheduledPosts', 'disconnectedAt'],
      show(first.body),
    );
    assert.equal(body.socialAccountId, demo.socialAccountId);
    assert.equal(body.status, 'disconnected');
    assert.equal(body.disconnectedReason, 'revoked_by_partner');
    assert.equal(body.canceledScheduledPosts, 4);
    assert.match(body.disconnectedAt, TIMESTAMP);

    const second = await curl(args);
    assert.equal(second.status, 404, show(second.body));
    const err = JSON.parse(second.body);
    assert.deepEqual(Object.keys(err), ['error'], show(second.body));
    assert.equal(err.error.code, 'NOT_FOUND');
    assert.ok(err.error.message.length > 0);
    assert.equal(err.error.requestId, second.headers['x-request-id'], show(second.body));
    assert.equal(err.error.details, undefined);
    requestIds.push(second.headers['x-request-id']!);
  });

  it('layers admin: org, key, project, account, posts, each printing one JSON object; kill switch on and off', async () => {
    const env = { LAYERS_DATA_DIR: dataDir }; // URL and operator token found in the data directory
    const org = oneJson(await layers(['admin', 'org', 'create', '--name', 'CLI Agency'], env), 'org create');
    assert.match(org.organizationId, /^org_/);
    assert.equal(org.name, 'CLI Agency');

    const key = oneJson(
      await layers(
        [
          'admin',
          'key',
          'create',
          '--org',
          org.organizationId,
          '--scopes',
          'social:read,social:write',
          '--tier',
          'pilot',
          '--env',
          'test',
          '--return-urls',
          'example.com',
        ],
        env,
      ),
      'key create',
    );
    assert.match(key.apiKeyId, /^key_/);
    assert.ok(key.key.startsWith(`lp_test_${key.apiKeyId}_`), show(JSON.stringify(key)));
    assert.deepEqual(key.scopes, ['social:read', 'social:write']);
    assert.equal(key.rateLimitTier, 'pilot');
    secrets.push(key.key, key.key.slice(-43));
    const auth = ['-H', `Authorization: Bearer ${key.key}`];

    // --data-dir instead of the environment works the same.
    const project = oneJson(
      await layers([
        'admin',
        'project',
        'create',
        '--org',
        org.organizationId,
        '--name',
        'CLI Customer',
        '--data-dir',
        dataDir,
      ]),
      'project create',
    );
    assert.match(project.projectId, /^prj_/);
    const account = oneJson(
      await layers(
        [
          'admin',
          'account',
          'create',
          '--project',
          project.projectId,
          '--platform',
          'instagram',
          '--handle',
          'cli.creator',
        ],
        env,
      ),
      'account create',
    );
    assert.match(account.socialAccountId, /^sa_/);
    assert.equal(account.status, 'connected');
    const leased = oneJson(
      await layers(
        [
          'admin',
          'account',
          'create',
          '--project',
          project.projectId,
          '--platform',
          'tiktok',
          '--handle',
          'cli.leased',
          '--leased',
        ],
        env,
      ),
      'account create --leased',
    );
    assert.equal(leased.leased, true);
    const posts = oneJson(
      await layers(['admin', 'posts', 'create', '--account', account.socialAccountId, '--count', '3'], env),
      'posts create',
    );
    assert.equal(posts.scheduledPostIds.length, 3);

    const accountUrl = `${demo.baseUrl}/v1/social-accounts/${account.socialAccountId}`;
    const before = await curl([accountUrl, ...auth]);
    assert.equal(before.status, 200, show(before.body));
    assert.equal(JSON.parse(before.body).queuedScheduledPosts, 3);

    const on = oneJson(
      await layers(['admin', 'kill-switch', 'set', '--scope', 'key', '--target', key.apiKeyId, '--on'], env),
      'kill-switch on',
    );
    assert.deepEqual(
      { scope: on.scope, target: on.target, killSwitch: on.killSwitch },
      { scope: 'key', target: key.apiKeyId, killSwitch: true },
    );
    const killed = await curl([accountUrl, ...auth]);
    assert.equal(killed.status, 503, show(killed.body));
    const kErr = JSON.parse(killed.body).error;
    assert.equal(kErr.code, 'KILL_SWITCH', show(killed.body));
    assert.deepEqual(kErr.details, { scope: 'key' });
    assert.equal(kErr.requestId, killed.headers['x-request-id']);
    const demoStillWorks = await curl([
      `${demo.baseUrl}/v1/social-accounts/${demo.leasedSocialAccountId}`,
      '-H',
      `Authorization: Bearer ${demo.apiKey}`,
    ]);
    assert.equal(demoStillWorks.status, 200, `a key switch stops only that key: ${show(demoStillWorks.body)}`);

    const off = oneJson(
      await layers(['admin', 'kill-switch', 'set', '--scope', 'key', '--target', key.apiKeyId, '--off'], env),
      'kill-switch off',
    );
    assert.equal(off.killSwitch, false);
    const restored = await curl(['-X', 'DELETE', accountUrl, ...auth]);
    assert.equal(restored.status, 200, show(restored.body));
    assert.equal(JSON.parse(restored.body).canceledScheduledPosts, 3);
  });

  it('layers admin failures: exit 1 with the server’s envelope, or exit 2 for a usage error', async () => {
    const wrongToken = await layers([
      'admin',
      'org',
      'create',
      '--name',
      'X',
      '--data-dir',
      dataDir,
      '--token',
      'lat_wrong_wrong_wrong_wrong_wrong',
    ]);
    assert.equal(wrongToken.code, 1, show(wrongToken.stderr));
    assert.equal(wrongToken.stdout, '');
    assert.equal(JSON.parse(wrongToken.stderr).error.code, 'UNAUTHENTICATED', show(wrongToken.stderr));
    const missing = await layers(['admin', 'org', 'create', '--data-dir', dataDir]);
    assert.equal(missing.code, 2, show(missing.stderr));
    assert.match(missing.stderr, /Missing --name/);
    const both = await layers([
      'admin',
      'kill-switch',
      'set',
      '--scope',
      'global',
      '--on',
      '--off',
      '--data-dir',
      dataDir,
    ]);
    assert.equal(both.code, 2, show(both.stderr));
    assert.match(both.stderr, /exactly one of --on or --off/);
  });

  it('--help on every command and subcommand exits 0 and prints Usage', async () => {
    const helps = [
      ['--help'],
      ['help'],
      ['serve', '--help'],
      ['migrate', '--help'],
      ['admin', '--help'],
      ['help', 'admin'], // bare "layers admin" is a usage error now (exit 2, help on stderr): test/cli/usage.test.ts
      ['admin', 'org', 'create', '--help'],
      ['admin', 'key', 'create', '--help'],
      ['admin', 'project', 'create', '--help'],
      ['admin', 'account', 'create', '-h'],
      ['admin', 'posts', 'create', '--help'],
      ['admin', 'kill-switch', 'set', '--help'],
    ];
    const runs = await layersEach(helps);
    runs.forEach((run, i) => {
      const label = `layers ${helps[i]!.join(' ')}: exit ${run.code} ${show(run.stdout)} ${show(run.stderr)}`;
      assert.equal(run.code, 0, label);
      assert.match(run.stdout, /^Usage: layers/m, label);
      assert.equal(run.stderr, '', label);
    });
    assert.match(runs[2]!.stdout, /--demo/);
    assert.match(runs[7]!.stdout, /--scopes/);
  });

  it('an unknown flag or command exits 2 with a clear message and no stack trace', async () => {
    const bad: [string[], RegExp][] = [
      [['serve', '--bogus'], /Unknown option '--bogus'/],
      [['migrate', '--nope'], /Unknown option '--nope'/],
      [['admin', 'org', 'create', '--name', 'x', '--colour', 'red'], /Unknown option '--colour'/],
      [['admin', 'kill-switch', 'set', '--scope', 'key', '--target'], /--target/],
      [['admin', 'org', 'delete'], /Unknown admin command "org delete"/],
      [['frobnicate'], /Unknown command "frobnicate"/],
    ];
    const runs = await layersEach(
      bad.map(([args]) => args),
      { LAYERS_DATA_DIR: dataDir },
    );
    runs.forEach((run, i) => {
      const label = `layers ${bad[i]![0].join(' ')}: exit ${run.code} ${show(run.stderr)}`;
      assert.equal(run.code, 2, label);
      assert.match(run.stderr, /^layers: /, label);
      assert.match(run.stderr, bad[i]![1], label);
      assert.doesNotMatch(run.stderr, /\n\s+at .+:\d+/, `no stack trace: ${label}`);
      assert.equal(run.stdout, '', label);
    });
  });

  it('serve with a bad environment exits 2 with "Invalid configuration" and no stack trace', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ PORT: 'abc' }, /PORT/],
      [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
      [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL/],
      [{ LAYERS_MASTER_KEY: 'short' }, /LAYERS_MASTER_KEY/],
      // One line: loopback webhook receivers are a development opt-in only (every production
      // variable given, so that is the only problem).
      [
        { ...PRODUCTION_SETTINGS, NODE_ENV: 'production', LAYERS_WEBHOOK_ALLOW_LOOPBACK: '1' },
        /^layers: Invalid configuration: LAYERS_WEBHOOK_ALLOW_LOOPBACK=1 [^\n]+ NODE_ENV=production\n$/,
      ],
    ];
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-badenv-'));
    try {
      const runs = await Promise.all(cases.map(([env]) => layers(['serve', '--data-dir', scratch], env)));
      runs.forEach((run, i) => {
        const label = `${JSON.stringify(cases[i]![0])}: exit ${run.code} ${show(run.stderr)}`;
        assert.equal(run.code, 2, label);
        assert.match(run.stderr, /Invalid configuration/, label);
        assert.match(run.stderr, cases[i]![1], label);
        assert.doesNotMatch(run.stderr, /\n\s+at .+:\d+/, `no stack trace: ${label}`);
      });
      assert.deepEqual(fs.readdirSync(scratch), [], 'nothing was created before the configuration was checked');
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('prints the start-up block once on stderr: API and docs URLs, the files of the demo key and admin token', async () => {
    await waitFor(
      () => stderr.includes('LAYERS_BANNER=0'),
      server,
      () => stderr,
    );
    assert.equal(stderr.split('Layers partner API is up').length - 1, 1, show(stderr));
    assert.ok(stderr.includes(`${demo.baseUrl}/v1`), show(stderr));
    assert.ok(stderr.includes(`${demo.baseUrl}/docs`), show(stderr));
    assert.ok(stderr.includes(`${demo.baseUrl}/console`), show(stderr));
    assert.ok(stderr.includes(path.join(dataDir, 'demo.json')), show(stderr));
    assert.ok(stderr.includes(path.join(dataDir, 'admin-token')), show(stderr));
    const root = await curl([`${demo.baseUrl}/`]);
    assert.equal(root.status, 302, show(root.body));
    assert.equal(root.headers.location, '/docs');
  });

  it('SIGTERM: exits 0; every log line is JSON, request lines carry reqId, no credential was logged', async () => {
    server.kill('SIGTERM');
    const { code, signal } = await exited;
    assert.equal(code, 0, `exit ${code} ${signal}: ${show(stderr)}`);
    assert.doesNotMatch(stderr, /\n\s+at .+:\d+/, show(stderr));

    const lines = stdout.split('\n').filter((l) => l.trim() !== '');
    assert.ok(lines.length > 10, `expected request logs, got ${lines.length} lines`);
    const records = lines.map((l) => {
      try {
        return JSON.parse(l) as Record<string, any>;
      } catch {
        return assert.fail(`log line is not JSON: ${show(l)}`);
      }
    });
    const requestLines = records.filter((r) => r.msg === 'request'); // the one access-log line per request
    assert.ok(requestLines.length >= 10, `request log lines: ${requestLines.length}`);
    for (const r of requestLines) assert.match(String(r.reqId), REQUEST_ID, show(JSON.stringify(r)));
    const logged = new Set(records.map((r) => r.reqId));
    for (const id of requestIds) assert.ok(logged.has(id), `the X-Request-Id ${id} a client saw is in the logs`);
    assert.ok(
      records.some((r) => r.signal === 'SIGTERM'),
      'the shutdown is logged',
    );

    const everything = stdout + stderr;
    assert.ok(secrets.length >= 6);
    for (const s of secrets)
      assert.ok(!everything.includes(s), `a credential (${s.slice(0, 12)}…) appears in the server output`);
    assert.doesNotMatch(everything, /sbx_(at|rt)_/, 'no platform token in the logs');
    assert.doesNotMatch(everything, /authorization/i, 'no Authorization header in the logs');
  });
});

describe('layers serve on a new data directory (the README quick start: `npm start`)', { timeout: 600_000 }, () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-first-'));
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  function start(env: Record<string, string> = {}) {
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--no-worker', '--port', '0', '--data-dir', dataDir],
      { cwd: ROOT, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const out = { stdout: '', stderr: '' };
    proc.stdout!.on('data', (d) => (out.stdout += d));
    proc.stderr!.on('data', (d) => (out.stderr += d));
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    return { proc, out, exited };
  }

  it('the first start seeds the demo data and says where the key is; a later start keeps it, LAYERS_BANNER=0 is quiet', async () => {
    const first = start();
    try {
      await waitFor(
        () => first.out.stderr.includes('LAYERS_BANNER=0'),
        first.proc,
        () => first.out.stderr,
      );
      const demo = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo.json'), 'utf8'));
      assert.match(demo.apiKey, /^lp_test_/);
      assert.ok(
        first.out.stderr.includes(`"apiKey" in ${path.join(dataDir, 'demo.json')} (seeded now)`),
        first.out.stderr,
      );
      assert.ok(!first.out.stderr.includes(demo.apiKey), 'the banner names the file, never the key');
      const whoami = await curl([`${demo.baseUrl}/v1/whoami`, '-H', `Authorization: Bearer ${demo.apiKey}`]);
      assert.equal(whoami.status, 200, show(whoami.body));
      first.proc.kill('SIGTERM');
      assert.equal(await first.exited, 0, show(first.out.stderr));

      assert.equal(fs.existsSync(path.join(dataDir, 'server.json')), false, 'server.json is removed at the stop');
      const second = start({ LAYERS_BANNER: '0' });
      try {
        await waitForFile(path.join(dataDir, 'server.json'), second.proc, () => second.out.stderr);
        await waitFor(
          () => second.out.stdout.includes('layers API listening'),
          second.proc,
          () => second.out.stdout,
        );
        const again = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo.json'), 'utf8'));
        assert.equal(again.organizationId, demo.organizationId, 'a later start does not seed again');
      } finally {
        second.proc.kill('SIGTERM');
        await second.exited;
      }
      assert.equal(second.out.stderr, '', 'LAYERS_BANNER=0: nothing on stderr, start to exit');
    } finally {
      if (first.proc.exitCode === null) first.proc.kill('SIGKILL');
    }
  });
});
