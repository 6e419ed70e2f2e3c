import { loadConfig } from '../config.js';
import { startServer } from '../main.js';
import { parse } from './args.js';

export const SERVE_HELP = `Usage: layers serve [--port N] [--host H] [--data-dir DIR] [--demo]

Runs the API. Without DATABASE_URL the data lives in an embedded PostgreSQL (PGlite) in DIR.

  --port N        port to listen on (env PORT, default 8080; 0 picks a free one)
  --host H        address to bind (env HOST, default 127.0.0.1)
  --data-dir DIR  data directory (env LAYERS_DATA_DIR, default ./.layers)
  --demo          seed a demo organization, key, project and accounts; write DIR/demo.json`;

export async function runServe(argv: string[]) {
  const args = parse(argv, {
    port: { type: 'string' }, host: { type: 'string' }, 'data-dir': { type: 'string' }, demo: { type: 'boolean' },
  }, SERVE_HELP);
  if (!args) return;
  const env = { ...process.env };
  if (args.values.port !== undefined) env.PORT = args.values.port;
  if (args.values.host !== undefined) env.HOST = args.values.host;
  if (args.values['data-dir'] !== undefined) env.LAYERS_DATA_DIR = args.values['data-dir'];
  const server = await startServer(loadConfig(env), { demo: args.values.demo });
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    server.app.log.info({ signal }, 'shutting down');
    server.close().then(() => process.exit(0), (err) => {
      server.app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
