import type { HostInfo } from './host.js';
import type { BenchConfig, Extras, Figure } from './measurements.js';
import { FILTERS } from './measurements-seq.js';

export type Machine = {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  /** The 1-minute load average at the start, before each measurement and at the end: how busy the machine was. */
  loadAverage: { at: string; load1: number }[];
};

/** One goal of the issue on one database: the ratio it is judged by (measured / baseline, or measured / target). */
export type Goal = { goal: string; db: string; actual: string; ratio: number; pass: boolean };

export type Report = {
  startedAt: string;
  finishedAt: string;
  quick: boolean;
  config: BenchConfig;
  machine: Machine;
  databases: Pick<HostInfo, 'kind' | 'serverVersion' | 'driver' | 'poolSize' | 'rateLimitStore'>[];
  figures: Figure[];
  goals: Goal[];
  method: string[];
  plans: Extras['plans'];
  statements: Extras['statements'];
};

export const METHOD = [
  [
    'Server: the API built as `layers serve` builds it (openRuntime + buildApp: rate limits in the ',
    "database's default store, memory on PGlite and PostgreSQL on PostgreSQL; request logs at info ",
    'level to /dev/null) in a child process on 127.0.0.1; the load generator (undici, one keep-alive ',
    'connection per loop) in the parent. Rate-limit budgets are raised so no run turns into 429s (the',
    ' guard and its store run as in production); load is spread over 50 keys of one organization. No ',
    "worker runs in it (the figures are the request's); the maintenance the server would have run in ",
    "the background by then — the worker's pass on PGlite, ANALYZE on PostgreSQL (autovacuum's job) —",
    ' runs before each measurement and after bulk fixtures.',
  ].join(''),
  [
    "Bare baselines: the server's own statements, recorded (a Kysely plugin on a recording handle ",
    'compiles each query as the dialect does and keeps its rows) and replayed straight through the ',
    'driver the server uses — the same pool with named statements ({ name, text, values }) on ',
    'PostgreSQL, the same PGlite connection and mutex on PGlite: the same SQL, in the same order, in ',
    'one transaction for the revoke, the same round trips. Ids and timestamps from the recorded ',
    'subject are mapped to the replayed one, ids the server generated are generated afresh, and each ',
    'statement must return as many rows as when recorded. The statements are in the JSON report.',
  ].join(''),
  [
    'Floor: the same recorded statements, replayed the same way, behind a bare node:http server in ',
    "the server process (no framework, guards, logs or schemas; it answers the last statement's rows ",
    'as JSON), reached by the same load client: the floor vs bare is what HTTP itself costs on these ',
    'cores, the API vs the floor what the server adds beyond it. A third contender in the same rounds.',
  ].join(''),
  [
    'Load: closed loops — N concurrent loops each awaiting one operation at a time; every operation ',
    'must succeed. Each load measurement has a warm-up of 5 s (--warmup) per contender first (V8 still ',
    'optimizes for ~8 s). Contenders take turns in interleaved slices (rounds), so load from ',
    "elsewhere hits them alike; p50/p99 are the median of the slices' percentiles.",
  ].join(''),
  [
    'CPU per operation: the server process (utime + stime from /proc/PID/stat; on PGlite the database',
    " runs inside it), the PostgreSQL backends serving the server's connections (found in ",
    'pg_stat_activity by the application_name the bench gives them, /proc/PID/stat, polled every 250 ',
    'ms) and the load client (process.cpuUsage()). The 1-minute load average is recorded before each ',
    'measurement.',
  ].join(''),
  [
    "Open loop (PostgreSQL): revokes at a fixed arrival rate of half the bare revoke's closed-loop ",
    "peak of the same run, each request's latency measured from its intended send time (a request ",
    'sent late still counts from then: no coordinated omission), after a warm-up at the same rate; ',
    'then the floor at the same rate, the same way (what any HTTP server on these cores would see).',
  ].join(''),
  [
    'Revoke scaling: sequential revokes of fresh accounts with 4 and 10,000 (--quick: 1,000) queued ',
    "posts, and the revoke's own cancel statement alone (bare, autocommit) on 10,000 queued posts; ",
    'medians, rounds interleaving the three. The request only: work the server hands to its worker ',
    'after commit is not waited for.',
  ].join(''),
  [
    'Filtered lists: the first page of each filter (status=disconnected 1 %, platform=instagram 10 %,',
    ' leased=true 1 %, status=reauth_required none) on a project of 100,000 accounts (--quick: 1,000)',
    ' vs one of 1,000 (--quick: 100), generate_series fixtures, sequential medians after a warm-up; ',
    'EXPLAIN (ANALYZE, BUFFERS) of each at the large size in the JSON report.',
  ].join(''),
  [
    "Aging (PGlite): on a fresh server, the list page's sequential median fresh, after 100,000 ",
    'accounts (--quick: 1,000) were inserted behind it and deleted, and after maintenance: the ',
    "worker's own pass (runDatabaseMaintenance, budgeted passes until no table is due — ",
    'bench/host.ts maintain()).',
  ].join(''),
  [
    'Memory: the real `layers serve` (bin/layers.mjs) on a fresh data directory / schema and again ',
    'reopened, VmRSS from /proc/PID/status after /readyz and an idle period; baseline an idle `node` ',
    "read the same way. Leaks: the bench server's heap (after two forced GCs) and RSS at the end of ",
    'the run vs after the first warm-up.',
  ].join(''),
];

const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2));
const ratio = (f: Figure) => `${f.ratio.toFixed(2)}×`;

type GoalSpec = {
  goal: (c: BenchConfig) => string;
  only?: string;
  find: (f: Figure, c: BenchConfig) => boolean;
  /** Judge by the figure's ratio (min or max), or by its value against an absolute target. */
  judge: { minRatio: number } | { maxRatio: number } | { maxValue: number | Record<string, number> };
};

const n = (x: number) => x.toLocaleString('en-US');
const RSS = { postgres: 150, pglite: 350 };
const GOALS: GoalSpec[] = [
  {
    goal: () => 'revoke (4 posts) ≥ 0.7× the same transaction bare',
    find: (f) => f.measurement.startsWith('revoke (4 posts) @') && f.unit === '/s',
    judge: { minRatio: 0.7 },
  },
  {
    goal: () => 'list ≥ 0.7× the same SQL bare (key lookup + page)',
    find: (f) => f.measurement.startsWith('list @') && f.unit === '/s',
    judge: { minRatio: 0.7 },
  },
  ...FILTERS.map(
    (filter): GoalSpec => ({
      goal: (c) => `filtered list flat: ?${filter.name} @${n(c.filterSizes[1])} ≤ 2× @${n(c.filterSizes[0])}`,
      find: (f) => f.measurement.startsWith(`list ?${filter.name} @`),
      judge: { maxRatio: 2 },
    }),
  ),
  {
    goal: (c) => `${n(c.largePosts)}-post revoke ≤ 25× a 4-post revoke`,
    find: (f, c) =>
      f.measurement === `revoke ${n(c.largePosts)} posts, sequential` && f.baseline.startsWith('revoke 4'),
    judge: { maxRatio: 25 },
  },
  {
    goal: (c) => `${n(c.largePosts)}-post revoke ≤ 2× a bare UPDATE of its posts`,
    find: (f, c) => f.measurement === `revoke ${n(c.largePosts)} posts, sequential` && f.baseline.startsWith('bare'),
    judge: { maxRatio: 2 },
  },
  {
    goal: () => 'p99 revoke ≤ 25 ms, open loop at ½ the bare peak',
    only: 'postgres',
    find: (f) => f.measurement.startsWith('revoke open loop') && f.measurement.endsWith(' p99'),
    judge: { maxValue: 25 },
  },
  {
    goal: (c) => `list after ${n(c.agingRows)} rows inserted and deleted ≤ 1.5× fresh`,
    only: 'pglite',
    find: (f) => f.measurement.startsWith('list after') && f.measurement.endsWith('after maintenance'),
    judge: { maxRatio: 1.5 },
  },
  ...(['fresh', 'reopened'] as const).map(
    (when): GoalSpec => ({
      goal: () => `idle RSS of layers serve, ${when} ≤ 150 MiB (PostgreSQL) / 350 MiB (PGlite)`,
      find: (f) => f.measurement.startsWith(`layers serve idle RSS, ${when}`),
      judge: { maxValue: RSS },
    }),
  ),
  {
    goal: () => 'nothing leaks: server heap after the run ≤ 1.25× after warm-up',
    find: (f) => f.measurement.startsWith('server heap after the run'),
    judge: { maxRatio: 1.25 },
  },
];

/** The goals, read off the figures: PASS or MISS per database (a goal with no figure is a MISS). */
export function evaluateGoals(figures: Figure[], config: BenchConfig): Goal[] {
  const goals: Goal[] = [];
  for (const db of [...new Set(figures.map((f) => f.db))]) {
    for (const spec of GOALS) {
      if (spec.only && spec.only !== db) continue;
      const f = figures.find((x) => x.db === db && spec.find(x, config));
      const goal = spec.goal(config);
      if (!f) {
        goals.push({ goal, db, actual: 'not measured', ratio: Number.NaN, pass: false });
        continue;
      }
      const j = spec.judge;
      if ('maxValue' in j) {
        const target = typeof j.maxValue === 'number' ? j.maxValue : j.maxValue[db]!;
        const ratio = f.value / target;
        goals.push({ goal, db, actual: `${fmt(f.value)} ${f.unit} (target ${target})`, ratio, pass: ratio <= 1 });
      } else {
        const pass = 'minRatio' in j ? f.ratio >= j.minRatio : f.ratio <= j.maxRatio;
        goals.push({
          goal,
          db,
          actual: `${ratio(f)} (${fmt(f.value)} vs ${fmt(f.baselineValue)} ${f.unit})`,
          ratio: f.ratio,
          pass,
        });
      }
    }
  }
  return goals;
}

function rows(report: Report): string[][] {
  return report.figures.map((f) => [
    f.db,
    f.measurement,
    `${fmt(f.value)} ${f.unit}`,
    f.baseline,
    `${fmt(f.baselineValue)} ${f.unit}`,
    `${ratio(f)} (${f.better} is better)`,
  ]);
}

const HEAD = ['db', 'measurement', 'value', 'baseline (same run)', 'baseline value', 'ratio'];

export function renderText(report: Report): string {
  const all = [HEAD, ...rows(report)];
  const widths = HEAD.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const goals = report.goals.map((g) => `${g.pass ? 'PASS' : 'MISS'}  ${g.db.padEnd(8)}  ${g.goal}: ${g.actual}`);
  return [
    machineLine(report),
    '',
    line(HEAD),
    ...all.slice(1).map(line),
    '',
    'Goals',
    ...goals,
    '',
    'Method',
    ...report.method.map((m) => `- ${m}`),
    '',
  ].join('\n');
}

const QUICK_NOTE = ' (--quick: smoke run, not a measurement)';

export function renderMarkdown(report: Report): string {
  const md = (r: string[]) => `| ${r.join(' | ')} |`;
  return [
    `Run of ${report.startedAt}${report.quick ? QUICK_NOTE : ''}. ${machineLine(report)}`,
    '',
    md(HEAD),
    md(HEAD.map(() => '---')),
    ...rows(report).map(md),
    '',
    md(['goal', 'db', 'actual', '']),
    md(['---', '---', '---', '---']),
    ...report.goals.map((g) => md([g.goal, g.db, g.actual, g.pass ? '**PASS**' : '**MISS**'])),
    '',
  ].join('\n');
}

function machineLine({ machine: m, databases }: Report): string {
  const dbs = databases.map(
    (d) =>
      `${d.kind}: PostgreSQL ${d.serverVersion} via ${d.driver}, pool ${d.poolSize}, ` +
      `rate limits in ${d.rateLimitStore}`,
  );
  const load = m.loadAverage.map((l) => l.load1.toFixed(2)).join(' → ');
  const machine = `${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node} (${m.platform})`;
  return `Machine: ${machine}; load average ${load}. ${dbs.join('; ')}.`;
}
