import type { HostInfo } from './host.js';
import type { BenchConfig, Figure } from './measurements.js';

export type Machine = {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  /** 1-minute load average before and after the run: how busy the machine was. */
  loadAverage: { start: number; end: number };
};

export type Goal = { goal: string; db: string; actual: string; pass: boolean };

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
};

export const METHOD = [
  "Server: the API built as startServer builds it (rate limits in the database's default store: memory on PGlite, the PostgreSQL store on PostgreSQL; request logs at info level to /dev/null) in a child process on 127.0.0.1; the load generator (undici, one keep-alive connection per loop) in the parent. Rate-limit budgets are raised so no run turns into 429s (the guard and its store run as in production); load is spread over 50 keys of one organization.",
  "Load: closed loops — N concurrent loops each awaiting one request (or driver call) at a time; every operation must succeed. Contenders take turns in interleaved slices (rounds), so load from elsewhere on the machine hits them alike; p50/p99 are the median of the slices' percentiles. Server CPU/op is the server process's CPU time per operation.",
  'Revoke @N: each request revokes a fresh connected account with 4 queued posts (fixtures pre-created set-based, counts calibrated by a warm-up run). Baseline: the same transaction (revokeSocialAccount: the same statements via Kysely) called straight through the driver in the server process, N loops, same pool.',
  'Reads @N: GET /v1/projects/:id/social-accounts (a page of 10 accounts) and GET /v1/whoami vs a bare primary-key read (SELECT … FROM projects WHERE id = $1 via Kysely, N loops in the server process) and vs a fastify hello-world in the server process, driven by the same load generator.',
  'Revoke scaling: sequential revokes of fresh accounts with 0, 4, 100 and 10,000 queued posts (--quick: 1,000), rounds interleaving the sizes; median per size, as a ratio to the 0-post revoke (the goal compares the largest with 4).',
  'Guards: authenticate() and rateLimiter.consume() called directly in the server process (sequential medians) vs a whole sequential whoami seen by the client; idempotency as (keyed revoke − plain revoke) / keyed revoke, alternating requests. Scope and validation are in-memory checks, not measured.',
  "With N closed loops, mean latency = N / throughput (Little's law): p99 at 50 connections is a throughput figure. PGlite is one connection: every query in the process is serialized, so 50 connections queue for it — API and bare baseline alike — on the server process's own thread.",
];

const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2));
const ratio = (f: Figure) => `${f.ratio.toFixed(2)}×`;

/** The goals, read off the figures: PASS or MISS per database. */
export function evaluateGoals(figures: Figure[], postCounts: number[]): Goal[] {
  const goals: Goal[] = [];
  const largest = Math.max(...postCounts);
  for (const db of [...new Set(figures.map((f) => f.db))]) {
    const of = (pred: (f: Figure) => boolean) => figures.find((f) => f.db === db && pred(f));
    const revoke = of((f) => f.measurement.startsWith('revoke (4 posts)') && f.unit === '/s');
    if (revoke) goals.push({ goal: 'revoke ≥ 0.7× bare SQL', db, actual: ratio(revoke), pass: revoke.ratio >= 0.7 });
    const list = of((f) => f.measurement.startsWith('list @') && f.baseline.startsWith('bare point read/s'));
    if (list) goals.push({ goal: 'list ≥ 0.5× bare read', db, actual: ratio(list), pass: list.ratio >= 0.5 });
    const big = of((f) => f.measurement === `revoke ${largest.toLocaleString('en-US')} posts, sequential`);
    const four = of((f) => f.measurement === 'revoke 4 posts, sequential');
    if (big && four) {
      const r = big.value / four.value;
      goals.push({
        goal: `${largest.toLocaleString('en-US')}-post revoke ≤ 25× a 4-post revoke`,
        db,
        actual: `${r.toFixed(1)}×`,
        pass: r <= 25,
      });
    }
    if (db !== 'postgres') continue;
    for (const f of figures.filter(
      (x) => x.db === db && x.measurement.includes(' @') && x.measurement.endsWith(' p99'),
    )) {
      goals.push({
        goal: `p99 ≤ 50 ms at 50 connections: ${f.measurement.replace(/ @\d+ p99$/, '')}`,
        db,
        actual: `${fmt(f.value)} ms`,
        pass: f.value <= 50,
      });
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

export function renderMarkdown(report: Report): string {
  const md = (r: string[]) => `| ${r.join(' | ')} |`;
  return [
    `Run of ${report.startedAt}${report.quick ? ' (--quick: smoke run, not a measurement)' : ''}. ${machineLine(report)}`,
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
      `${d.kind}: PostgreSQL ${d.serverVersion} via ${d.driver}, pool ${d.poolSize}, rate limits in ${d.rateLimitStore}`,
  );
  return `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node} (${m.platform}); load average ${m.loadAverage.start.toFixed(2)} → ${m.loadAverage.end.toFixed(2)}. ${dbs.join('; ')}.`;
}
