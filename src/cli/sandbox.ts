import { Command } from 'commander';
import { CliError, integer } from './args.js';

export function sandboxCommand(env: NodeJS.ProcessEnv) {
  return new Command('sandbox')
    .summary('Run the sandbox platform (fake TikTok and Instagram) for development')
    .description(
      `Runs the sandbox platform on its own: TikTok's and Instagram's OAuth, publish and revoke
endpoints, in memory, for development against fake accounts. Prints {"url": ...}.
Control plane: GET /__sandbox/log, POST|DELETE /__sandbox/faults, POST /__sandbox/reset.`,
    )
    .option('--port <n>', 'port to listen on (env LAYERS_SANDBOX_PORT, default 8090; 0 picks a free one)', integer)
    .option('--host <h>', 'address to bind (default 127.0.0.1; the sandbox has no authentication)')
    .action((opts: { port?: string; host?: string }) => runSandbox(opts, env));
}

export async function runSandbox(opts: { port?: string; host?: string }, env: NodeJS.ProcessEnv) {
  // Loaded here, not at the top: `layers --help` does not load the sandbox.
  const [{ loadConfig }, { startSandboxPlatform }, { closeOnSignal }] = await Promise.all([
    import('../config.js'),
    import('../platforms/sandbox/server.js'),
    import('./shutdown.js'),
  ]);
  const port = opts.port === undefined ? loadConfig(env).platforms.sandbox.port : Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new CliError('--port must be 0–65535. Run "layers sandbox --help" for usage.');
  const sandbox = await startSandboxPlatform({ port, host: opts.host });
  process.stdout.write(`${JSON.stringify({ url: sandbox.url })}\n`);
  closeOnSignal(() => sandbox.close());
}
