import { Command } from 'commander';

type ServeOptions = {
  port?: string;
  host?: string;
  dataDir?: string;
  demo?: boolean;
  worker: boolean;
  metricsPort?: string;
};

export function serveCommand(env: NodeJS.ProcessEnv) {
  return new Command('serve')
    .summary('Run the API server and its worker (embedded database unless DATABASE_URL is set)')
    .description(
      `Runs the API and, in the same process, the worker (publisher, webhook delivery, token refresh,
upstream revocation, lease renewals). Without DATABASE_URL the data lives in an embedded
PostgreSQL (PGlite) in DIR. In development and test it also runs the sandbox platform (fake
TikTok and Instagram) on LAYERS_SANDBOX_PORT (default 8090; 0 or a taken port: a free one,
written to DIR/server.json). Once listening it prints, on stderr, the API and reference URLs and
the files holding the demo key and the operator token (LAYERS_BANNER=0: not). Exit 3: another
process holds DIR.`,
    )
    .option('--port <n>', 'port to listen on (env PORT, default 8080; 0 picks a free one)')
    .option('--host <h>', 'address to bind (env HOST, default 127.0.0.1)')
    .option('--data-dir <dir>', 'data directory (env LAYERS_DATA_DIR, default ./.layers)')
    .option(
      '--demo',
      'seed a demo organization, key, project and accounts; write DIR/demo.json ' +
        '(done anyway on the first start of a new embedded DIR in development)',
    )
    .option('--no-worker', 'serve the API only; run "layers worker" (PostgreSQL) for the jobs')
    .option(
      '--metrics-port <n>',
      'serve /metrics, /healthz, /readyz on this port, without credentials ' +
        '(env LAYERS_METRICS_PORT, unset: none; address LAYERS_METRICS_HOST, default HOST)',
    )
    .action((opts: ServeOptions) => runServe(opts, env));
}

export async function runServe(opts: ServeOptions, env: NodeJS.ProcessEnv) {
  // Loaded here, not at the top: `layers --help` and admin calls do not load the server.
  const [{ loadConfig, withFlags }, { startServer }, { printStartupBanner, seedsDemoOnFirstStart }, { closeOnSignal }] =
    await Promise.all([import('../config.js'), import('../server.js'), import('./banner.js'), import('./shutdown.js')]);
  const config = loadConfig(
    withFlags(env, {
      PORT: opts.port,
      HOST: opts.host,
      LAYERS_DATA_DIR: opts.dataDir,
      LAYERS_METRICS_PORT: opts.metricsPort,
    }),
    { serving: true },
  );
  const demo = opts.demo === true || seedsDemoOnFirstStart(config);
  const server = await startServer(config, { demo, worker: opts.worker });
  printStartupBanner(config, { baseUrl: server.baseUrl, seededDemo: demo });
  closeOnSignal(server.close, server.app.log);
}
