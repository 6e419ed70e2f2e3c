import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

// Real processes for the reliability suite: `layers serve` (and `layers worker`) spawned from
// the checkout exactly as an operator runs them, on a temporary data directory or a PostgreSQL
// database of their own, driven over loopback HTTP and the operator API.

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ADMIN_TOKEN = 'lat_reliability_operator_token_0123456789';
export const MASTER_KEY = randomBytes(32).toString('base64'); // shared by every instance of one run
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const DATABASES = (process.env.TEST_DATABASES ?? 'pglite,postgres').split(',').map((s) => s.trim()) as (
  | 'pglite'
  | 'postgres'
)[];

export const show = (s: string, n = 1500) => (s.length > n ? `…${s.slice(-n)}` : s);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The environment of a fresh shell plus ours: nothing leaks in from the test runner. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (
      /^(LAYERS_|DATABASE_URL$|REDIS_URL$|RATE_LIMIT_STORE$|PORT$|HOST$|NODE_TEST_CONTEXT$|NODE_OPTIONS$|TEST_)/.test(k)
    )
      delete env[k];
  }
  const merged: NodeJS.ProcessEnv = {
    ...env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    LAYERS_ADMIN_TOKEN: ADMIN_TOKEN,
    LAYERS_MASTER_KEY: MASTER_KEY,
    LAYERS_SANDBOX_PORT: '0', // each server's own sandbox platform on a free port (never a developer's 8090)
  };
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  return merged;
}

export function tempDir(label: string) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `layers-rel-${label}-`));
}

export type Proc = {
  child: ChildProcess;
  pid: number;
  /** The last ~64 KiB of stdout and stderr, for assertion messages. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first stderr/stdout line matching `re` (from the start of the process). */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
  alive(): boolean;
  /** SIGKILL and wait for the exit. */
  kill9(): Promise<void>;
};

function track(child: ChildProcess): Proc {
  let out = '';
  let all = ''; // complete lines, scanned by waitForLine
  const waiters: { re: RegExp; resolve: (line: string) => void }[] = [];
  const onData = (d: Buffer) => {
    const s = d.toString();
    out = (out + s).slice(-65_536);
    all += s;
    for (const w of [...waiters]) {
      const line = all.split('\n').find((l) => w.re.test(l));
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
    if (all.length > 1_000_000) all = all.slice(-100_000);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const proc: Proc = {
    child,
    pid: child.pid!,
    output: () => out,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
    waitForLine(re, timeoutMs = 60_000) {
      const line = all.split('\n').find((l) => re.test(l));
      if (line !== undefined) return Promise.resolve(line);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no line matching ${re} within ${timeoutMs} ms: ${show(out)}`)),
          timeoutMs,
        );
        const w = {
          re,
          resolve: (l: string) => {
            clearTimeout(timer);
            resolve(l);
          },
        };
        waiters.push(w);
        void exited.then(({ code, signal }) => {
          if (!waiters.includes(w)) return;
          clearTimeout(timer);
          reject(new Error(`process exited (${code ?? signal}) before a line matching ${re}: ${show(out)}`));
        });
      });
    },
    async kill9() {
      if (proc.alive()) child.kill('SIGKILL');
      await exited;
    },
  };
  return proc;
}

/** `layers <args>` from the checkout, as `npm run --silent layers -- <args>` would run it. */
export function spawnLayers(
  args: string[],
  env: Record<string, string | undefined> = {},
  nodeArgs: string[] = [],
): Proc {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return track(child);
}

export type Server = Proc & { url: string; dataDir: string };

/**
 * `layers serve --port 0 --data-dir DIR`, resolved once DIR/server.json names this very process
 * (a restart on the same directory must not read the previous run's file).
 */
export async function startServer(opts: {
  dataDir: string;
  env?: Record<string, string | undefined>;
  args?: string[];
  nodeArgs?: string[];
}): Promise<Server> {
  const file = path.join(opts.dataDir, 'server.json');
  fs.rmSync(file, { force: true });
  const proc = spawnLayers(
    ['serve', '--port', '0', '--data-dir', opts.dataDir, ...(opts.args ?? [])],
    opts.env,
    opts.nodeArgs,
  );
  for (let i = 0; i < 1200; i++) {
    if (!proc.alive())
      assert.fail(
        `server exited (${proc.child.exitCode ?? proc.child.signalCode}) before listening: ${show(proc.output())}`,
      );
    try {
      const info = JSON.parse(fs.readFileSync(file, 'utf8')) as { url: string; pid: number };
      if (info.pid === proc.pid) return { ...proc, url: info.url, dataDir: opts.dataDir };
    } catch {
      // not written yet (or half written)
    }
    await sleep(50);
  }
  await proc.kill9();
  return assert.fail(`server did not listen within 60 s: ${show(proc.output())}`);
}

/** SIGTERM and the exit status. */
export async function stopServer(p: Proc) {
  if (!p.alive()) return p.exited;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 30_000);
  const res = await p.exited;
  clearTimeout(timer);
  return res;
}

/** A fresh PostgreSQL database of its own (every process of a test shares it); drop() removes it. */
export async function createDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `layers_rel_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export type Res = { status: number; headers: Headers; text: string; body: any };

/** fetch with the body read and parsed (when JSON); never throws on an HTTP status. */
export async function call(
  base: string,
  method: string,
  urlPath: string,
  opts: { auth?: string; body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Res> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.auth) headers.authorization = opts.auth;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(new URL(urlPath, base), {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    signal: opts.signal,
  });
  const text = await res.text();
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, text, body };
}

/** The operator API: asserts the expected status and returns the body. */
export async function admin(base: string, method: string, urlPath: string, body?: unknown, expect = 201) {
  const res = await call(base, method, `/admin/v1${urlPath}`, { auth: `Bearer ${ADMIN_TOKEN}`, body });
  assert.equal(res.status, expect, `admin ${method} ${urlPath} → ${res.status} ${show(res.text, 500)}`);
  return res.body;
}

export type Tenant = { organizationId: string; apiKeyId: string; key: string; auth: string; projectId: string };

/** A fresh organization, one all-scope test key of `tier`, one project. */
export async function createTenant(base: string, tier: 'standard' | 'pilot' | 'partner' = 'partner'): Promise<Tenant> {
  const org = await admin(base, 'POST', '/organizations', { name: `Reliability ${randomBytes(3).toString('hex')}` });
  const key = await admin(base, 'POST', '/api-keys', {
    organizationId: org.organizationId,
    scopes: ['*'],
    tier,
    env: 'test',
  });
  const project = await admin(base, 'POST', '/projects', {
    organizationId: org.organizationId,
    name: 'Reliability project',
  });
  return {
    organizationId: org.organizationId,
    apiKeyId: key.apiKeyId,
    key: key.key,
    auth: `Bearer ${key.key}`,
    projectId: project.projectId,
  };
}

/** A connected account (sealed sandbox token) with `posts` queued posts due from tomorrow. */
export async function createAccount(base: string, t: Tenant, posts = 0, firstDueAt?: string): Promise<string> {
  const a = await admin(base, 'POST', '/social-accounts', {
    projectId: t.projectId,
    platform: 'tiktok',
    handle: `rel_${randomBytes(3).toString('hex')}`,
  });
  if (posts > 0) {
    const p = await admin(base, 'POST', '/fixtures/queued-posts', {
      socialAccountId: a.socialAccountId,
      count: posts,
      firstDueAt,
    });
    assert.equal(p.scheduledPostIds.length, posts);
  }
  return a.socialAccountId;
}

/** Resident set size of a live process, in KiB (Linux /proc). */
export function rssKb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  assert.ok(m, `no VmRSS in /proc/${pid}/status`);
  return Number(m[1]);
}

/** mulberry32: a small seeded PRNG, so a failing run can be replayed with its printed seed. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    chance: (p: number) => next() < p,
  };
}
export type Prng = ReturnType<typeof prng>;

/** A seed from the environment (to replay a failure) or a fresh one; the test prints it. */
export function seedFrom(envName: string): number {
  return process.env[envName] ? Number(process.env[envName]) : randomBytes(4).readUInt32LE(0);
}
