import { pino } from 'pino';
import { systemClock } from '../clock.js';
import { loadConfig } from '../config.js';
import { migrate } from '../db/migrate.js';
import { loggerOptions, openConfiguredDatabase } from '../main.js';
import { loadPlatformSettings } from '../platforms/config.js';
import { startPlatforms } from '../platforms/runtime.js';
import { loadSecrets, openTokenCrypto } from '../secrets.js';
import { runOnce } from '../worker/index.js';
import { processWorkerDeps, startProcessWorker } from '../worker/process.js';
import { testPauseFromEnv } from '../worker/test-pause.js';
import { CliError, parse } from './args.js';

export const WORKER_HELP = `Usage: layers worker [--data-dir DIR] [--once]

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
  --once          run one pass, print its summary as JSON, exit`;

export async function runWorker(argv: string[]) {
  const args = parse(argv, { 'data-dir': { type: 'string' }, once: { type: 'boolean' } }, WORKER_HELP);
  if (!args) return;
  const env = { ...process.env };
  if (args.values['data-dir'] !== undefined) env.LAYERS_DATA_DIR = args.values['data-dir'];
  const config = loadConfig(env);
  const settings = loadPlatformSettings(process.env, config.nodeEnv);
  const pause = testPauseFromEnv(process.env.LAYERS_TEST_PAUSE, config.nodeEnv);
  if (!config.databaseUrl) {
    throw new CliError(
      'layers worker needs DATABASE_URL (PostgreSQL): the embedded database can be open in one process ' +
        'only, and "layers serve" already runs the worker there.',
    );
  }
  const secrets = loadSecrets(config);
  const handle = await openConfiguredDatabase(config);
  await migrate(handle.db);
  const log = pino(loggerOptions(config)).child({ component: 'worker' });
  const platforms = await startPlatforms(settings, { runSandbox: false, log });
  const tokenCrypto = await openTokenCrypto(config, secrets.masterKey, handle.db, systemClock);
  const options = {
    db: handle.db,
    tokenCrypto,
    platforms,
    log,
    nodeEnv: config.nodeEnv,
    pause,
    keyRotationIntervalMs: config.keyRotationIntervalMs,
    webhookAllowLoopback: config.webhookAllowLoopback,
  };
  if (args.values.once) {
    try {
      process.stdout.write(
        `${JSON.stringify(await runOnce(processWorkerDeps(options, new AbortController().signal)))}\n`,
      );
    } finally {
      await handle.close();
    }
    return;
  }
  const worker = startProcessWorker(options);
  log.info({ database: handle.kind, sandboxUrl: platforms.sandboxUrl }, 'layers worker running');
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    worker
      .stop()
      .then(() => handle.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
