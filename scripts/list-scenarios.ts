// Scenarios for the list queries at scale, reusable by the bench: filtered lists at 1k and 100k
// accounts (docs/architecture.md#list-indexes) and an aged embedded database (100k rows inserted
// and deleted; docs/operations.md#embedded-database-maintenance). Run directly it prints both on
// PGlite (a data directory in /tmp) and PostgreSQL (a schema of its own, dropped afterwards):
//   node --import tsx scripts/list-scenarios.ts [--db pglite|postgres] [--large 100000]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompiledQuery, type KyselyPlugin, PostgresQueryCompiler, sql } from 'kysely';
import pg from 'pg';
import { type DatabaseHandle, type Db, openDatabase, openEmbeddedDatabase } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { listSocialAccounts, type SocialAccountFilter } from '../src/db/queries/social-accounts.js';
import { runDatabaseMaintenance } from '../src/worker/db-maintenance.js';

export type ListScenario = { organizationId: string; projectId: string };

/** An organization and project holding no accounts yet (ids carry `tag`, unique per scenario). */
export async function createScenario(db: Db, tag: string): Promise<ListScenario> {
  const now = new Date();
  const organizationId = `org_${tag}`;
  const projectId = `prj_${tag}`;
  await db.insertInto('organizations').values({ id: organizationId, name: tag, created_at: now }).execute();
  await db
    .insertInto('projects')
    .values({
      id: projectId,
      organization_id: organizationId,
      name: tag,
      timezone: 'UTC',
      created_at: now,
      updated_at: now,
    })
    .execute();
  return { organizationId, projectId };
}

/**
 * `count` test-environment accounts in the project, set-based (one statement): platforms
 * alternate, every 10th is disconnected, every 7th leased, none needs re-authorisation (the
 * no-match filter), created a millisecond apart from `firstAt` (default now).
 */
export async function insertAccounts(
  db: Db,
  s: ListScenario,
  count: number,
  opts: { prefix?: string; firstAt?: Date } = {},
) {
  const prefix = opts.prefix ?? `sa_${s.projectId}_`;
  await sql`
    INSERT INTO social_accounts (id, organization_id, project_id, env, platform, external_account_id, handle,
      avatar_url, status, leased, connected_at, disconnected_at, disconnected_reason, created_at, updated_at)
    SELECT ${prefix} || lpad(g::text, 9, '0'), ${s.organizationId}, ${s.projectId}, 'test',
      CASE WHEN g % 2 = 0 THEN 'tiktok' ELSE 'instagram' END, 'ext_' || g, 'handle_' || g,
      'https://cdn.example.com/avatars/' || md5(g::text) || '.jpg',
      CASE WHEN g % 10 = 0 THEN 'disconnected' ELSE 'connected' END, g % 7 = 0, now(),
      CASE WHEN g % 10 = 0 THEN now() END, CASE WHEN g % 10 = 0 THEN 'revoked_by_partner' END,
      ${opts.firstAt ?? new Date()}::timestamptz + g * interval '1 millisecond', now()
    FROM generate_series(1, ${count}::int) g`.execute(db);
}

/** The filters the goal names, each also as a no-match case. */
export function listFilters(s: ListScenario): Record<string, SocialAccountFilter> {
  const base = { owner: { organizationId: s.organizationId, env: 'test' as const }, projectId: s.projectId, limit: 50 };
  return {
    'no filter': base,
    'platform=instagram': { ...base, platform: 'instagram' },
    'status=disconnected': { ...base, status: 'disconnected' },
    'status=reauth_required (none)': { ...base, status: 'reauth_required' },
    'leased=true': { ...base, leased: true },
    'live env (none)': { ...base, owner: { ...base.owner, env: 'live' } },
  };
}

/**
 * Median wall time (ms) of `runs` calls of each list, after 3 warm-up calls each, the lists
 * interleaved call by call: a burst of load on a shared machine hits them alike, so their ratio holds.
 */
export async function timeLists(db: Db, filters: SocialAccountFilter[], runs = 30): Promise<number[]> {
  for (const f of filters) for (let i = 0; i < 3; i++) await listSocialAccounts(db, f);
  const times = filters.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) {
    for (const [j, f] of filters.entries()) {
      const t = performance.now();
      await listSocialAccounts(db, f);
      times[j]!.push(performance.now() - t);
    }
  }
  return times.map((ts) => ts.sort((a, b) => a - b)[Math.floor(ts.length / 2)]!);
}

/** EXPLAIN (ANALYZE, BUFFERS) of the list's own SQL, as the db layer builds it. */
export async function explainList(db: Db, f: SocialAccountFilter): Promise<string> {
  let compiled: CompiledQuery | undefined;
  const capture: KyselyPlugin = {
    transformQuery: (a) => {
      compiled ??= new PostgresQueryCompiler().compileQuery(a.node, a.queryId);
      return a.node;
    },
    transformResult: async (a) => a.result,
  };
  await listSocialAccounts(db.withPlugin(capture), f);
  const plan = await db.executeQuery<{ 'QUERY PLAN': string }>(
    CompiledQuery.raw(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${compiled!.sql}`, [...compiled!.parameters]),
  );
  return plan.rows.map((r) => r['QUERY PLAN']).join('\n');
}

/** Pages the list's plan touched (EXPLAIN's first `Buffers:` line: shared hit + read): flat means flat. */
export async function listPages(db: Db, f: SocialAccountFilter): Promise<number> {
  const m = /Buffers: shared((?: \w+=\d+)+)/.exec(await explainList(db, f));
  return [...(m?.[1] ?? '').matchAll(/(hit|read)=(\d+)/g)].reduce((n, x) => n + Number(x[2]), 0);
}

/**
 * Ages a database as the goal describes: `rows` accounts inserted into the scenario's project
 * (in batches of 10,000), created before its accounts (so its first page lies behind them in
 * every index), and deleted again, leaving dead rows and index entries behind.
 */
export async function ageDatabase(db: Db, s: ListScenario, rows: number) {
  for (let done = 0; done < rows; done += 10_000) {
    const firstAt = new Date(Date.now() - 86_400_000 + done);
    await insertAccounts(db, s, Math.min(10_000, rows - done), { prefix: `sa_aged_${done}_`, firstAt });
  }
  await sql`DELETE FROM social_accounts WHERE id LIKE 'sa_aged_%'`.execute(db);
}

async function openFor(kind: 'pglite' | 'postgres', url: string) {
  if (kind === 'pglite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-lists-'));
    const h = await openEmbeddedDatabase(dir);
    return { h, done: () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const schema = `lists_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const h: DatabaseHandle = await openDatabase({ databaseUrl: url, searchPath: schema });
  return {
    h,
    done: async () => {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}

async function main() {
  const args = process.argv.slice(2);
  const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const large = Number(arg('--large') ?? 100_000);
  const url = arg('--database-url') ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const kinds = arg('--db') ? [arg('--db') as 'pglite' | 'postgres'] : (['pglite', 'postgres'] as const);
  for (const kind of kinds) {
    const { h, done } = await openFor(kind, url);
    try {
      await migrate(h.db);
      // PGlite: the worker's maintenance pass, unbounded. PostgreSQL: what autovacuum does there in time.
      const maintain = () =>
        kind === 'pglite'
          ? runDatabaseMaintenance({ db: h.db, dbKind: kind, budgetMs: Number.POSITIVE_INFINITY })
          : sql`VACUUM (ANALYZE) social_accounts`.execute(h.db);
      // Filtered lists: the same filters on a project of 1,000 and one of `large` accounts.
      const small = await createScenario(h.db, 'small');
      const big = await createScenario(h.db, 'big');
      await insertAccounts(h.db, small, 1_000);
      await insertAccounts(h.db, big, large);
      await maintain();
      console.log(`\n## ${kind}: filtered lists, 1,000 vs ${large.toLocaleString()} accounts`);
      console.log('filter                           median ms (30 runs)        pages the plan touched');
      const bigFilters = listFilters(big);
      for (const [name, f] of Object.entries(listFilters(small))) {
        const [a, b] = (await timeLists(h.db, [f, bigFilters[name]!])) as [number, number];
        const [pa, pb] = [await listPages(h.db, f), await listPages(h.db, bigFilters[name]!)];
        const ms = `${a.toFixed(2).padStart(7)} ${b.toFixed(2).padStart(7)} ${(b / a).toFixed(2).padStart(6)}×`;
        console.log(`${name.padEnd(32)} ${ms}    ${String(pa).padStart(6)} ${String(pb).padStart(6)}`);
      }
      for (const name of ['status=reauth_required (none)', 'platform=instagram']) {
        console.log(
          `\nEXPLAIN ${name}, ${large.toLocaleString()} accounts:\n${await explainList(h.db, bigFilters[name]!)}`,
        );
      }
      // Aging: two projects of 1,000 accounts; `large` rows inserted and deleted beside one of them.
      // The other, never aged, is the fresh baseline, timed interleaved with it.
      const [aged, control] = [await createScenario(h.db, 'aged'), await createScenario(h.db, 'control')];
      await insertAccounts(h.db, aged, 1_000);
      await insertAccounts(h.db, control, 1_000);
      await maintain();
      const [first, baseline] = [listFilters(aged)['no filter']!, listFilters(control)['no filter']!];
      const measure = async () => {
        const [ms, freshMs] = (await timeLists(h.db, [first, baseline])) as [number, number];
        return `${ms.toFixed(2)} ms vs ${freshMs.toFixed(2)} (${(ms / freshMs).toFixed(2)}×), ${await listPages(h.db, first)} pages`;
      };
      const fresh = await measure();
      await ageDatabase(h.db, aged, large);
      const before = await measure();
      const t = performance.now();
      const pass = await maintain();
      const took = performance.now() - t;
      const after = await measure();
      console.log(
        `\n## ${kind}: first page of 1,000 accounts after ${large.toLocaleString()} rows inserted and deleted, ` +
          'vs a never-aged project of 1,000',
      );
      console.log(`before aging ${fresh}\naged ${before}\nafter maintenance ${after}`);
      console.log(`the maintenance pass took ${took.toFixed(0)} ms:`);
      console.log(JSON.stringify(pass));
    } finally {
      await h.close();
      await done();
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
