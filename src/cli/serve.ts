import { loadConfig, withFlags } from '../config.js';
import { startServer } from '../server.js';
import { parse } from './args.js';
import { closeOnSignal } from './shutdown.js';

export const SERVE_HELP = `Usage: layers serve [--port N] [--host H] [--data-dir DIR] [--demo] [--no-worker]
                    [--metrics-port N]

Runs the API and, in the same process, the worker (publisher, webhook delivery, token refresh,
upstream revocation, lease renewals). Without DATABASE_URL the data lives in an embedded
PostgreSQL (PGlite) in DIR. In development and test it also runs the sandbox platform (fake
TikTok and Instagram) on LAYERS_SANDBOX_PORT (default 8090; 0 or a taken port: a free one,
written to DIR/server.json).

  --port N        port to listen on (env PORT, default 8080; 0 picks a free one)
  --host H        address to bind (env HOST, default 127.0.0.1)
  --data-dir DIR  data directory (env LAYERS_DATA_DIR, default ./.layers)
  --demo          seed a demo organization, key, project and accounts; write DIR/demo.json
  --no-worker     serve the API only; run "layers worker" (PostgreSQL) for the jobs
  --metrics-port N  serve /metrics, /healthz, /readyz on this port, without credentials
                  (env LAYERS_METRICS_PORT, unset: none; address LAYERS_METRICS_HOST, default HOST)`;

export async function runServe(argv: string[], env: NodeJS.ProcessEnv) {
  const args = parse(
    argv,
    {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      demo: { type: 'boolean' },
      'no-worker': { type: 'boolean' },
      'metrics-port': { type: 'string' },
    },
    SERVE_HELP,
  );
  if (!args) return;
  const config = loadConfig(
    withFlags(env, {
      PORT: args.values.port,
      HOST: args.values.host,
      LAYERS_DATA_DIR: args.values['data-dir'],
      LAYERS_METRICS_PORT: args.values['metrics-port'],
    }),
  );
  const server = await startServer(config, { demo: args.values.demo, worker: !args.values['no-worker'] });
  closeOnSignal(server.close, server.app.log);
}
