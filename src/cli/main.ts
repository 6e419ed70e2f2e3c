import { CliError } from './args.js';

const HELP = `Usage: layers <command> [options]

Commands:
  serve     Run the API server and its worker (embedded database unless DATABASE_URL is set)
  worker    Run only the worker (publisher, webhooks, token refresh, …) against DATABASE_URL
  migrate   Apply pending database migrations and exit
  admin     Operator commands against a running server (org, key, project, account, kill-switch)
  sandbox   Run the sandbox platform (fake TikTok and Instagram) for development

Run "layers <command> --help" for a command's options.`;

type Command = (argv: string[], env: NodeJS.ProcessEnv) => Promise<void>;

// Loaded on use: `layers --help` or an admin call does not load the server (a cost at every start).
const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: () => import('./serve.js').then((m) => m.runServe),
  worker: () => import('./worker.js').then((m) => m.runWorker),
  migrate: () => import('./migrate.js').then((m) => m.runMigrate),
  admin: () => import('./admin.js').then((m) => m.runAdmin),
  sandbox: () => import('./sandbox.js').then((m) => m.runSandbox),
};

async function main(argv: string[], env: NodeJS.ProcessEnv) {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const command = COMMANDS[name];
  if (!command) throw new CliError(`Unknown command "${name}".\n\n${HELP}`);
  await (await command())(rest, env);
}

// The one place the environment enters: each command hands it to src/config.ts, which reads it.
main(process.argv.slice(2), process.env).catch((err: unknown) => {
  if (err instanceof CliError || (err as Error)?.name === 'ConfigError') {
    process.stderr.write(`layers: ${(err as Error).message}\n`);
    process.exit(2);
  }
  if ((err as Error)?.name === 'DataDirInUseError') {
    process.stderr.write(`layers: ${(err as Error).message}\n`);
    process.exit(3); // its own code: a wrapper can tell "another process runs there" from a failure
  }
  process.stderr.write(`layers: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
