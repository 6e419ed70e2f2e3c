import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { Ctx, Principal } from '../src/context.js';
import { authenticate } from '../src/http/guards/authenticate.js';
import { BUDGETS, type RateLimitStore } from '../src/http/guards/rate-limit.js';
import { newRequestId } from '../src/ids.js';
import { loggerOptions, openRuntime, type Runtime } from '../src/runtime.js';
import { appDeps } from '../src/server.js';
import { createApiKey, createProject } from '../src/services/admin.js';
import { revokeSocialAccount } from '../src/services/social-accounts.js';
import { type BenchTenant, createConnectedAccounts, createTenant, KEY_SETTINGS } from './fixtures.js';
import { type LoadResult, median, runLoad, timeSequential } from './load.js';

export type DbKind = 'pglite' | 'postgres';

export type HostOptions = {
  kind: DbKind;
  /** PostgreSQL server; the host works in a fresh schema of its own and drops it on close. */
  databaseUrl: string;
  /** The server's log level; logs go wherever the process's stdout goes (/dev/null in a child). */
  logLevel: 'silent' | 'info' | 'warn';
  /** Rate-limit store: the database's default (as `layers serve` picks it) or forced to memory. */
  rateLimitStore?: 'default' | 'memory';
};

export type HostInfo = {
  kind: DbKind;
  apiUrl: string;
  helloUrl: string;
  /** One `Bearer` header per API key of the bench organization (KEYS of them, all scopes, partner tier). */
  authorizations: string[];
  projectId: string;
  /** A project holding LIST_ACCOUNTS connected accounts: the list measurement's page. */
  listProjectId: string;
  serverVersion: string;
  driver: string;
  poolSize: number;
  rateLimitStore: RateLimitStore['kind'];
};

export type BareRun = { ids?: string[]; concurrency: number; durationMs: number; warmupMs: number };

export type Host = {
  info: HostInfo;
  createAccounts(count: number, postsEach: number): Promise<string[]>;
  /** The revoke's transaction run straight through the driver, `concurrency` loops, one id each op. */
  bareRevoke(run: BareRun & { ids: string[] }): Promise<LoadResult>;
  /** A primary-key read of one project through the driver. */
  barePointRead(run: BareRun): Promise<LoadResult>;
  /** Median sequential latency (ms) of each guard's own function, called directly. */
  timeGuards(reps: number): Promise<{ authMs: number; rateLimitMs: number }>;
  /** CPU time (user + system, ms) this process has used so far: the server's own cost of a run. */
  cpuTimeMs(): Promise<number>;
  close(): Promise<void>;
};

export const LIST_ACCOUNTS = 10;
/**
 * Load is spread over this many keys of one organization, as 50 partners' integrations would be:
 * a single key cannot sustain 50 connections within its own budget (partner tier: 100 reads/s),
 * and one key's rate-limit counter row would serialize every request on it.
 */
export const KEYS = 50;

// Budgets no bench run can exhaust: the guard runs exactly as in production (same store, same
// counters, same headers), only the numbers are larger, so no measurement turns into 429s.
const BENCH_BUDGETS = Object.fromEntries(
  Object.keys(BUDGETS).map((tier) => [
    tier,
    { 'read-light': 1e9, 'write-light': 1e9, 'long-running': 1e9, dailyWrites: 1e9 },
  ]),
) as typeof BUDGETS;

/**
 * What the bench measures against, in this process: the API on 127.0.0.1 (on the runtime
 * `layers serve` runs on: the default rate-limit store of the database, request logs at the given level), a
 * fastify hello-world beside it, and the database for the bare-driver baselines.
 */
export async function createHost(opts: HostOptions): Promise<Host> {
  const { rt, dispose } = await openBenchRuntime(opts);
  const deps = appDeps(rt);
  const logger = opts.logLevel === 'silent' ? false : loggerOptions(rt.config);
  const app = await buildApp(deps, { logger });
  const hello = Fastify();
  hello.get('/', async () => ({ hello: 'world' }));
  const apiUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  const helloUrl = await hello.listen({ host: '127.0.0.1', port: 0 });

  const adminCtx = { db: deps.db, clock: deps.clock, tokenCrypto: deps.tokenCrypto };
  const tenant = await createTenant(adminCtx, 'Bench org');
  // The list reads a project of its own: a page of LIST_ACCOUNTS, untouched by the revoke fixtures.
  const listProject = await createProject(adminCtx, {
    organizationId: tenant.organizationId,
    name: 'Bench list project',
    timezone: 'UTC',
  });
  const listTenant: BenchTenant = { ...tenant, projectId: listProject.projectId };
  await createConnectedAccounts(deps.db, deps.tokenCrypto, listTenant, { count: LIST_ACCOUNTS, postsEach: 0 });

  const keys = [tenant.key];
  while (keys.length < KEYS)
    keys.push((await createApiKey(adminCtx, { ...KEY_SETTINGS, organizationId: tenant.organizationId })).key);
  const authorization = `Bearer ${tenant.key}`;
  const fakeRequest = { headers: { authorization } } as FastifyRequest;
  const principal: Principal = await authenticate(deps.db, fakeRequest, deps.clock.now());
  const ctx = (): Ctx => ({
    db: deps.db,
    clock: deps.clock,
    log: app.log,
    requestId: newRequestId(),
    principal,
    tokenCrypto: deps.tokenCrypto,
  });
  const version = await sql<{ server_version: string }>`SHOW server_version`.execute(deps.db);

  return {
    info: {
      kind: opts.kind,
      apiUrl,
      helloUrl,
      authorizations: keys.map((k) => `Bearer ${k}`),
      projectId: tenant.projectId,
      listProjectId: listTenant.projectId,
      serverVersion: version.rows[0]!.server_version,
      driver: rt.database.pgPool
        ? `pg ${packageVersion('pg')}`
        : `@electric-sql/pglite ${packageVersion('@electric-sql/pglite')}`,
      poolSize: rt.database.pgPool?.options.max ?? 1,
      rateLimitStore: rt.config.rateLimitStore,
    },
    createAccounts: (count, postsEach) =>
      createConnectedAccounts(deps.db, deps.tokenCrypto, tenant, { count, postsEach }),
    bareRevoke: ({ ids, ...run }) =>
      runLoad({ ...run, maxOps: ids.length, op: (i) => revokeSocialAccount(ctx(), { socialAccountId: ids[i]! }) }),
    barePointRead: (run) =>
      runLoad({
        ...run,
        op: () => sql`SELECT id, name, timezone FROM projects WHERE id = ${tenant.projectId}`.execute(deps.db),
      }),
    async timeGuards(reps) {
      const reply = { header: () => reply } as unknown as FastifyReply;
      const auth = await timeSequential(reps, () => authenticate(deps.db, fakeRequest, deps.clock.now()));
      const limit = await timeSequential(reps, () => deps.rateLimiter.consume(principal, 'read-light', reply));
      return { authMs: median(auth), rateLimitMs: median(limit) };
    },
    async cpuTimeMs() {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1000;
    },
    async close() {
      await Promise.all([app.close(), hello.close()]);
      await dispose();
    },
  };
}

/**
 * The runtime `layers serve` runs on (src/runtime.ts), on a data directory of its own (the
 * embedded database) or a fresh PostgreSQL schema, with its own secrets; all removed by dispose().
 */
async function openBenchRuntime(opts: HostOptions): Promise<{ rt: Runtime; dispose: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-bench-'));
  const schema = opts.kind === 'postgres' ? `bench_${randomBytes(6).toString('hex')}` : undefined;
  if (schema) await adminQuery(opts.databaseUrl, `CREATE SCHEMA ${schema}`);
  const config = loadConfig({
    LAYERS_DATA_DIR: dir,
    DATABASE_URL: schema ? opts.databaseUrl : undefined,
    LAYERS_MASTER_KEY: randomBytes(32).toString('base64'),
    LAYERS_ADMIN_TOKEN: randomBytes(24).toString('base64url'),
    LOG_LEVEL: opts.logLevel,
    RATE_LIMIT_STORE: opts.rateLimitStore === 'memory' ? 'memory' : undefined,
  });
  const rt = await openRuntime(config, {
    migrate: true,
    api: true,
    runSandbox: false,
    database: { searchPath: schema },
    rateLimitBudgets: BENCH_BUDGETS,
  });
  return {
    rt,
    dispose: async () => {
      await rt.close();
      if (schema) await adminQuery(opts.databaseUrl, `DROP SCHEMA ${schema} CASCADE`);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function adminQuery(url: string, text: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

/** The installed version (not every package exports its package.json, so read the file). */
function packageVersion(name: string): string {
  const file = new URL(`../node_modules/${name}/package.json`, import.meta.url);
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}
