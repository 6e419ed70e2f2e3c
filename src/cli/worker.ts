import { Command } from 'commander';
import { CliError } from './args.js';

type WorkerOptions = { dataDir?: string; once?: boolean; metricsPort?: string };

export function workerCommand(env: NodeJS.ProcessEnv) {
  return new Command('worker')
    .summary('Run only the worker (publisher, webhooks, token refresh, …) against DATABASE_URL')
    .description(
      `Runs only the worker — publisher, webhook delivery, token refresh, upstream revocation, lease
renewals — against DATABASE_URL (PostgreSQL). Any number of workers and "layers serve
--no-worker" instances can share one database; each job is claimed by one of them at a time.
The embedded database belongs to one process, so without DATABASE_URL this command refuses:
"layers serve" runs the worker in-process there.

Test accounts (lp_test_ keys, fixtures) publish to the sandbox platform on LAYERS_SANDBOX_PORT
(default 8090), the one "layers serve" or "layers sandbox" runs; this command starts none.
Tokens are opened with LAYERS_MASTER_KEY (or DIR/master.key): use the servers' key.
SIGTERM/SIGINT: the pass in flight finishes what it claimed, then the process exits 0.`,
    )
    .option('--data-dir <dir>', 'data directory for generated secrets (env LAYERS_DATA_DIR, default ./.layers)')
    .option('--once', 'run one pass, print its summary as JSON, exit')
    .option(
      '--metrics-port <n>',
      'serve /metrics, /healthz, /readyz (database reachable) on this port, without credentials ' +
        '(env LAYERS_METRICS_PORT; address LAYERS_METRICS_HOST, default HOST)',
    )
    .action((opts: WorkerOptions) => runWorker(opts, env));
}

export async function runWorker(opts: WorkerOptions, env: NodeJS.ProcessEnv) {
  // Loaded here, not at the top: `layers --help` and admin calls do not load the worker.
  const [{ loadConfig, withFlags }, { openRuntime }, { runOnce }, { processWorkerDeps, startProcessWorker }] =
    await Promise.all([
      import('../config.js'),
      import('../runtime.js'),
      import('../worker/index.js'),
      import('../worker/process.js'),
    ]);
  const [{ startMetricsServer }, { portError, requireFreePort }, { closeOnSignal }] = await Promise.all([
    import('../metrics-server.js'),
    import('../startup.js'),
    import('./shutdown.js'),
  ]);
  const config = loadConfig(withFlags(env, { LAYERS_DATA_DIR: opts.dataDir, LAYERS_METRICS_PORT: opts.metricsPort }), {
    serving: true,
  });
  if (!config.databaseUrl) {
    throw new CliError(
      'layers worker needs DATABASE_URL (PostgreSQL): the embedded database can be open in one process ' +
        'only, and "layers serve" already runs the worker there.',
    );
  }
  const metricsPort = opts.once ? undefined : config.metrics.port;
  if (metricsPort !== undefined) await requireFreePort(metricsPort, config.metrics.host, 'Metrics port');
  const rt = await openRuntime(config, { migrate: true, api: false, runSandbox: false });
  const log = rt.log.child({ component: 'worker' });
  if (opts.once) {
    try {
      const summary = await runOnce(processWorkerDeps(rt, log, new AbortController().signal));
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    } finally {
      await rt.close();
    }
    return;
  }
  const metrics =
    metricsPort === undefined
      ? undefined
      : await startMetricsServer({ ...config.metrics, port: metricsPort, metrics: rt.metrics, db: rt.db, log }).catch(
          async (err: NodeJS.ErrnoException) => {
            await rt.close();
            throw portError(err, metricsPort, config.metrics.host, 'Metrics port');
          },
        );
  const worker = startProcessWorker(rt, log);
  log.info(
    { database: rt.database.kind, sandboxUrl: rt.platforms.sandboxUrl, metricsUrl: metrics?.url },
    'layers worker running',
  );
  closeOnSignal(async () => {
    await worker.stop();
    await metrics?.close();
    await rt.close();
  }, log);
}
