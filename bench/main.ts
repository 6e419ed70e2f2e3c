// npm run bench [-- options]: see USAGE.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { DbKind } from './host.js';
import { type Report, renderMarkdown, renderText } from './report.js';
import { MEASUREMENTS, runBench } from './run.js';

const USAGE = `Usage: npm run bench [-- options]

Measures the API against baselines taken in the same run, on PGlite and on PostgreSQL, reports
every figure as a ratio (this machine is noisy; absolute numbers drift) and every goal of the
performance issue as PASS or MISS per database. Progress goes to stderr, the tables to stdout,
the full report as JSON (with EXPLAIN plans and the bare baselines' statements) to --out.
A full run takes about 10 minutes on 2 busy cores (both databases), less on a quiet machine.

Options:
  --quick              a smoke run (1-4 minutes, mostly PGlite start-ups; figures are not meaningful)
  --db LIST            databases to run on, comma-separated (default: pglite,postgres)
  --database-url URL   PostgreSQL server, on this machine (its backends' CPU is read from /proc);
                       the bench creates schemas of its own and drops them
                       (default: $BENCH_DATABASE_URL, $TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test)
  --duration MS        length of each closed-loop load measurement, after its warm-up (default: 6000)
  --warmup MS          warm-up of each contender before a load measurement (default: 5000; a long
                       one leaves time to attach perf to the server under API load alone)
  --out FILE           where to write the JSON report (default: bench/results/latest.json)
  --markdown           print the tables as Markdown (docs/performance.md) instead of text
  --from FILE          print a saved JSON report instead of running
  --log-level LEVEL    the server's request logs: info (default, as deployed), warn or silent
  --profile DIR        run the server process under node --cpu-prof, profiles into DIR
  --only LIST          only these measurements, comma-separated (no memory or aging figures; goals
                       without a figure read MISS): ${MEASUREMENTS.map((m) => m.name).join(', ')}
  -h, --help           this text
`;

async function main() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      db: { type: 'string', default: 'pglite,postgres' },
      'database-url': { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      out: { type: 'string', default: 'bench/results/latest.json' },
      markdown: { type: 'boolean', default: false },
      from: { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      profile: { type: 'string' },
      only: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return void process.stdout.write(USAGE);
  const render = values.markdown ? renderMarkdown : renderText;
  if (values.from) return void process.stdout.write(render(JSON.parse(fs.readFileSync(values.from, 'utf8')) as Report));

  const databases = values.db.split(',').map((s) => s.trim()) as DbKind[];
  if (databases.some((d) => d !== 'pglite' && d !== 'postgres'))
    throw new UsageError(`--db: pglite and/or postgres, not ${values.db}`);
  const logLevel = values['log-level'];
  if (logLevel !== 'info' && logLevel !== 'warn' && logLevel !== 'silent')
    throw new UsageError('--log-level: info, warn or silent');
  const durationMs = values.duration === undefined ? undefined : Number(values.duration);
  if (durationMs !== undefined && !(durationMs > 0))
    throw new UsageError('--duration: a positive number of milliseconds');
  const warmupMs = values.warmup === undefined ? undefined : Number(values.warmup);
  if (warmupMs !== undefined && !(warmupMs > 0)) throw new UsageError('--warmup: a positive number of milliseconds');
  const profileDir = values.profile && path.resolve(values.profile);
  const only = values.only?.split(',').map((s) => s.trim());
  const known = MEASUREMENTS.map((m) => m.name);
  if (only?.some((name) => !known.includes(name))) throw new UsageError(`--only: some of ${known.join(', ')}`);

  const started = Date.now();
  const report = await runBench({
    quick: values.quick,
    databases,
    databaseUrl:
      values['database-url'] ??
      process.env.BENCH_DATABASE_URL ??
      process.env.TEST_DATABASE_URL ??
      'postgres://postgres@127.0.0.1:5432/test',
    durationMs,
    warmupMs,
    logLevel,
    only,
    hostExecArgv: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    progress: (msg) =>
      process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${msg}\n`),
  });
  fs.mkdirSync(path.dirname(path.resolve(values.out)), { recursive: true });
  fs.writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(render(report));
  process.stderr.write(
    `[bench] report written to ${values.out}${profileDir ? `; server CPU profiles in ${profileDir}` : ''}\n`,
  );
}

class UsageError extends Error {}

main().catch((err) => {
  process.stderr.write(
    err instanceof UsageError ? `${err.message}\n\n${USAGE}` : `bench failed: ${err?.stack ?? err}\n`,
  );
  process.exit(err instanceof UsageError ? 2 : 1);
});
