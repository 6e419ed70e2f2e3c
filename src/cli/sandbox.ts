import { loadConfig } from '../config.js';
import { startSandboxPlatform } from '../platforms/sandbox/server.js';
import { CliError, parse } from './args.js';
import { closeOnSignal } from './shutdown.js';

export const SANDBOX_HELP = `Usage: layers sandbox [--port N] [--host H]

Runs the sandbox platform on its own: TikTok's and Instagram's OAuth, publish and revoke
endpoints, in memory, for development against fake accounts. Prints {"url": ...}.
Control plane: GET /__sandbox/log, POST|DELETE /__sandbox/faults, POST /__sandbox/reset.

  --port N   port to listen on (env LAYERS_SANDBOX_PORT, default 8090; 0 picks a free one)
  --host H   address to bind (default 127.0.0.1; the sandbox has no authentication)`;

export async function runSandbox(argv: string[], env: NodeJS.ProcessEnv) {
  const args = parse(argv, { port: { type: 'string' }, host: { type: 'string' } }, SANDBOX_HELP);
  if (!args) return;
  const port = args.values.port === undefined ? loadConfig(env).platforms.sandbox.port : Number(args.values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new CliError(`--port must be 0–65535.\n\n${SANDBOX_HELP}`);
  const sandbox = await startSandboxPlatform({ port, host: args.values.host });
  process.stdout.write(`${JSON.stringify({ url: sandbox.url })}\n`);
  closeOnSignal(() => sandbox.close());
}
