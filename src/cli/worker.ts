import { loadConfig, withFlags } from '../config.js';
import { startMetricsServer } from '../metrics-server.js';
import { openRuntime } from '../runtime.js';
import { portError, requireFreePort } from '../startup.js';
import { runOnce } from '../worker/index.js';
import { processWorkerDeps, startProcessWorker } from '../worker/process.js';
import { CliError, parse } from './args.js';
import { closeOnSignal } from './shutdown.js';

export const WORKER_HELP = `Usage: layers worker [--data-dir DIR] [--once] [--metrics-port N]

Runs only the worker — publisher, webhook delivery, token refresh, upstream revocation, lease
renewals — against DATABASE_URL (PostgreSQL). Any number of workers and "layers serve
--no-worker" instances can share one database; each job is claimed by one of them at a time.
The embedded database belongs to one process, so without DATABASE_URL this command refuses:
"layers serve" runs the worker in-process there.

Test accounts (lp_test_ keys, fixtures) publish to the sandbox platform on LAYERS_SANDBOX_PORT
(default 8090), the one "layers serve" or "layers sandbox" runs; this command starts none.
Tokens are opened with LAYERS_MASTER_KEY (or DIR/master.key): use the servers' key.
SIGTERM/SIGINT: the pass in flight finishes what it claimed, then the process exits 0.

  --data-dir DIR  data directory for generated secrets (env LAYERS_DATA_DIR, default ./.layers)
  --once          run one pass, print its summary as JSON, exit
  --metrics-port N  serve /metrics, /healthz, /readyz (database reachable) on this port, without
                  credentials (env LAYERS_METRICS_PORT; address LAYERS_METRICS_HOST, default HOST)`;

export async function runWorker(argv: string[], env: NodeJS.ProcessEnv) {
  const args = parse(
    argv,
    { 'data-dir': { type: 'string' }, once: { type: 'boolean' }, 'metrics-port': { type: 'string' } },
    WORKER_HELP,
  );
  if (!args) return;
  const config = loadConfig(
    withFlags(env, { LAYERS_DATA_DIR: args.values['data-dir'], LAYERS_METRICS_PORT: args.values['metrics-port'] }),
  );
  if (!config.databaseUrl) {
    throw new CliError(
      'layers worker needs DATABASE_URL (PostgreSQL): the embedded database can be open in one process ' +
        'only, and "layers serve" already runs the worker there.',
    );
  }
  const metricsPort = args.values.once ? undefined : config.metrics.port;
  if (metricsPort !== undefined) await requireFreePort(metricsPort, config.metrics.host, 'Metrics port');
  const rt = await openRuntime(config, { migrate: true, api: false, runSandbox: false });
  const log = rt.log.child({ component: 'worker' });
  if (args.values.once) {
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
