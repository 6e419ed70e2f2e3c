import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { Ctx } from '../src/context.js';
import type { Db } from '../src/db/client.js';
import { authenticate } from '../src/http/guards/authenticate.js';
import { BUDGETS } from '../src/http/guards/rate-limit.js';
import { newRequestId } from '../src/ids.js';
import { loggerOptions, openRuntime, type Runtime } from '../src/runtime.js';
import { appDeps } from '../src/server.js';
import { createApiKey } from '../src/services/admin.js';
import { DEFAULT_LIMIT } from '../src/services/pagination.js';
import { listProjectSocialAccounts, revokeSocialAccount } from '../src/services/social-accounts.js';
import { runDatabaseMaintenance } from '../src/worker/db-maintenance.js';
import { expandPostCancellations } from '../src/worker/post-cancellations.js';
import { ageProject, bulkProject, createConnectedAccounts, createTenant, KEY_SETTINGS } from './fixtures.js';
import { startFloor } from './floor.js';
import type { HostInfo, HostOptions, ListFilter } from './host-types.js';
import { type LoadResult, runLoad } from './load.js';
import { describe, pgDriver, pgliteDriver, recorder, replayer, type Statement } from './replay.js';

export type { DbKind, HostInfo, HostOptions, ListFilter } from './host-types.js';

export type BareRun = { concurrency: number; durationMs: number; warmupMs: number };

export type Host = {
  info: HostInfo;
  createAccounts(count: number, postsEach: number): Promise<string[]>;
  /** One project per size, each with that many accounts of mixed status, platform and lease (bulk, set-based). */
  createBulkProjects(sizes: number[]): Promise<string[]>;
  /** Records the statements the server runs for a 4-post revoke and a list; returns their SQL. */
  record(): Promise<{ revoke: string[]; list: string[] }>;
  /** The recorded revoke replayed bare for each id, `concurrency` loops (see replay.ts). */
  bareRevoke(run: BareRun & { ids: string[] }): Promise<LoadResult>;
  /** The recorded key lookup and list page replayed bare, `concurrency` loops. */
  bareList(run: BareRun): Promise<LoadResult>;
  /** A bare UPDATE canceling this account's queued posts (BARE_CANCEL): its latency (ms). */
  bareCancel(accountId: string): Promise<number>;
  /** EXPLAIN (ANALYZE, BUFFERS) of the list statement the server runs for this filter. */
  explainList(projectId: string, filter: ListFilter): Promise<string>;
  /** Inserts `rows` accounts after the list project's page and deletes them again: dead rows behind the page. */
  age(rows: number): Promise<void>;
  /**
   * The database maintenance the server would have run by now in the background (the worker on
   * PGlite, autovacuum on PostgreSQL), run now; says what it ran.
   */
  maintain(): Promise<string>;
  /**
   * Runs the worker's fan-out job (per-post records of bulk cancels, written after commit) until
   * nothing is pending: its time (ms), or undefined while the server has no such job.
   */
  drainFanOut(): Promise<number | undefined>;
  /** This process's memory (MiB) after two forced garbage collections. */
  memory(): Promise<{ rssMb: number; heapMb: number }>;
  close(): Promise<void>;
};

/** The list measurement's page: a project of this many accounts, untouched by the revoke fixtures. */
export const LIST_ACCOUNTS = 10;
/**
 * Load is spread over this many keys of one organization, as 50 partners' integrations would be:
 * one key's budget and rate-limit counter row would otherwise serialize every request on it.
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

/** The goal's bare UPDATE: the cancel a revoke must do, nothing returned, autocommit. */
const BARE_CANCEL = `UPDATE scheduled_posts
  SET status = 'canceled', cancel_reason = $1, canceled_at = $2, updated_at = $2
  WHERE social_account_id = $3 AND status = 'queued'`;

/**
 * The server, in this process: the API on 127.0.0.1 on the runtime `layers serve` runs on (the
 * database's default rate-limit store, request logs at the given level), and the bare baselines:
 * the server's own recorded statements replayed through the same pool or PGlite connection.
 */
export async function createHost(opts: HostOptions): Promise<Host> {
  const { rt, dispose, applicationName } = await openBenchRuntime(opts);
  const deps = appDeps(rt);
  const app = await buildApp(deps, { logger: opts.logLevel === 'silent' ? false : loggerOptions(rt.config) });
  const apiUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  const db = deps.db;
  const adminCtx = { db, clock: deps.clock, tokenCrypto: deps.tokenCrypto };
  const tenant = await createTenant(adminCtx, 'Bench org');
  const listProjectId = (await bulkProject(adminCtx, tenant, LIST_ACCOUNTS)).projectId;
  const keys = [tenant.key];
  while (keys.length < KEYS)
    keys.push((await createApiKey(adminCtx, { ...KEY_SETTINGS, organizationId: tenant.organizationId })).key);
  const driver = rt.database.pgPool ? pgDriver(rt.database.pgPool) : pgliteDriver(db);
  const request = { headers: { authorization: `Bearer ${tenant.key}` } } as FastifyRequest;
  const principal = await authenticate(db, request, deps.clock.now());
  const ctx = (recording: Db): Ctx => ({
    db: recording,
    clock: deps.clock,
    log: app.log,
    requestId: newRequestId(),
    principal,
    tokenCrypto: deps.tokenCrypto,
  });
  /** What `fn` makes the server run, statement by statement (on a recording handle, not the server's). */
  const record = async (fn: (c: Ctx) => Promise<unknown>) => {
    const rec = recorder();
    const c = ctx(db.withPlugin(rec.plugin));
    await fn(c);
    return { statements: rec.log, requestId: c.requestId };
  };
  const listInput = (projectId: string, filter: ListFilter = {}) => ({ projectId, limit: DEFAULT_LIMIT, ...filter });
  let revoke: { statements: Statement[]; from: string; replay: ReturnType<typeof replayer> } | undefined;
  let list: { replay: ReturnType<typeof replayer> } | undefined;
  const version = await sql<{ server_version: string }>`SHOW server_version`.execute(db);
  const constants = [tenant.organizationId, principal.apiKeyId];
  const floor = await startFloor({
    revoke: (id) => driver.transaction((tx) => revoke!.replay(tx, { from: revoke!.from, to: id })),
    list: () => list!.replay(driver.run, { from: '', to: '' }),
  });

  return {
    info: {
      kind: opts.kind,
      pid: process.pid,
      apiUrl,
      floorUrl: floor.url,
      applicationName,
      authorizations: keys.map((k) => `Bearer ${k}`),
      projectId: tenant.projectId,
      listProjectId,
      serverVersion: version.rows[0]!.server_version,
      driver: rt.database.pgPool
        ? `pg ${packageVersion('pg')}`
        : `@electric-sql/pglite ${packageVersion('@electric-sql/pglite')}`,
      poolSize: rt.database.pgPool?.options.max ?? 1,
      rateLimitStore: rt.config.rateLimitStore,
    },
    createAccounts: (count, postsEach) => createConnectedAccounts(db, deps.tokenCrypto, tenant, { count, postsEach }),
    createBulkProjects: async (sizes) => {
      const out: string[] = [];
      for (const n of sizes) out.push((await bulkProject(adminCtx, tenant, n)).projectId);
      return out;
    },
    async record() {
      const [from] = await createConnectedAccounts(db, deps.tokenCrypto, tenant, { count: 1, postsEach: 4 });
      const r = await record((c) => revokeSocialAccount(c, { socialAccountId: from! }));
      revoke = { statements: r.statements, from: from!, replay: replayer(r.statements, [...constants, r.requestId]) };
      const l = await record(async (c) => {
        await authenticate(c.db, request, deps.clock.now());
        await listProjectSocialAccounts(c, listInput(listProjectId));
      });
      list = { replay: replayer(l.statements, [...constants, listProjectId, l.requestId]) };
      return { revoke: describe(r.statements), list: describe(l.statements) };
    },
    bareRevoke: ({ ids, ...run }) =>
      runLoad({
        ...run,
        maxOps: ids.length,
        op: (i) => driver.transaction((tx) => revoke!.replay(tx, { from: revoke!.from, to: ids[i]! })),
      }),
    bareList: (run) => runLoad({ ...run, op: () => list!.replay(driver.run, { from: '', to: '' }) }),
    async bareCancel(accountId) {
      const t0 = performance.now();
      await driver.run(BARE_CANCEL, ['revoked_by_partner', new Date(), accountId]);
      return performance.now() - t0;
    },
    async explainList(projectId, filter) {
      const { statements } = await record((c) => listProjectSocialAccounts(c, listInput(projectId, filter)));
      const s = statements.find((x) => /from\s+"social_accounts"/i.test(x.sql))!;
      const rows = await driver.run(`EXPLAIN (ANALYZE, BUFFERS) ${s.sql}`, [...s.parameters]);
      return rows.map((r) => String(Object.values(r)[0])).join('\n');
    },
    age: (rows) => ageProject(db, tenant, listProjectId, rows),
    async maintain() {
      if (rt.database.kind === 'postgres') {
        // Autovacuum's job, done now rather than within its next naptime (a minute): fresh statistics.
        await sql`ANALYZE social_accounts, scheduled_posts`.execute(db);
        return 'ANALYZE (autovacuum would, within a minute)';
      }
      // The worker's own maintenance pass, run the way the worker runs it: one budgeted pass after
      // another until no table is due (the worker does one per pass while a backlog remains).
      let [passes, tables] = [0, 0];
      for (let remaining = 1; remaining > 0 && passes < 100; passes++) {
        const summary = await runDatabaseMaintenance({ db, dbKind: rt.database.kind });
        if (!('steps' in summary)) return `the worker's maintenance: ${summary.skipped}`;
        [remaining, tables] = [summary.remaining, tables + summary.steps.length];
      }
      return `the worker's maintenance: ${passes} pass(es), ${tables} table(s)`;
    },
    async drainFanOut() {
      // The worker's expansion of the revoke's one post_cancellations row, drained now.
      const t0 = performance.now();
      while ((await expandPostCancellations({ db, clock: deps.clock })).posts > 0);
      return performance.now() - t0;
    },
    async memory() {
      globalThis.gc?.();
      globalThis.gc?.();
      const m = process.memoryUsage();
      return { rssMb: m.rss / 2 ** 20, heapMb: m.heapUsed / 2 ** 20 };
    },
    async close() {
      await floor.close();
      await app.close();
      await dispose();
    },
  };
}

/**
 * The runtime `layers serve` runs on (src/runtime.ts), on a data directory of its own (the
 * embedded database) or a fresh PostgreSQL schema, with its own secrets; all removed by dispose().
 * On PostgreSQL its connections carry an application_name of their own: the bench finds their
 * backends by it to measure their CPU.
 */
async function openBenchRuntime(opts: HostOptions) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-bench-'));
  const schema = opts.kind === 'postgres' ? `bench_${randomBytes(6).toString('hex')}` : undefined;
  const applicationName = schema ? `layers-${schema}` : '';
  let databaseUrl: string | undefined;
  if (schema) {
    await adminQuery(opts.databaseUrl, `CREATE SCHEMA ${schema}`);
    const url = new URL(opts.databaseUrl);
    url.searchParams.set('application_name', applicationName);
    databaseUrl = url.toString();
  }
  const config = loadConfig({
    LAYERS_DATA_DIR: dir,
    DATABASE_URL: databaseUrl,
    LAYERS_MASTER_KEY: randomBytes(32).toString('base64'),
    LAYERS_ADMIN_TOKEN: randomBytes(24).toString('base64url'),
    LOG_LEVEL: opts.logLevel,
  });
  const rt: Runtime = await openRuntime(config, {
    migrate: true,
    api: true,
    runSandbox: false,
    database: { searchPath: schema },
    rateLimitBudgets: BENCH_BUDGETS,
  });
  const dispose = async () => {
    await rt.close();
    if (schema) await adminQuery(opts.databaseUrl, `DROP SCHEMA ${schema} CASCADE`);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { rt, dispose, applicationName };
}

export async function adminQuery(url: string, text: string) {
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
