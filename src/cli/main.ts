import { DataDirInUseError } from '../data-dir-lock.js';
import { ADMIN_HELP, runAdmin } from './admin.js';
import { CliError } from './args.js';
import { MIGRATE_HELP, runMigrate } from './migrate.js';
import { runSandbox, SANDBOX_HELP } from './sandbox.js';
import { runServe, SERVE_HELP } from './serve.js';
import { runWorker, WORKER_HELP } from './worker.js';

const HELP = `Usage: layers <command> [options]

Commands:
  serve     Run the API server and its worker (embedded database unless DATABASE_URL is set)
  worker    Run only the worker (publisher, webhooks, token refresh, …) against DATABASE_URL
  migrate   Apply pending database migrations and exit
  admin     Operator commands against a running server (org, key, project, account, kill-switch)
  sandbox   Run the sandbox platform (fake TikTok and Instagram) for development

Run "layers <command> --help" for a command's options.`;

type Command = (argv: string[], env: NodeJS.ProcessEnv) => Promise<void>;

const COMMANDS: Record<string, { run: Command; help: string }> = {
  serve: { run: runServe, help: SERVE_HELP },
  worker: { run: runWorker, help: WORKER_HELP },
  migrate: { run: runMigrate, help: MIGRATE_HELP },
  admin: { run: runAdmin, help: ADMIN_HELP },
  sandbox: { run: runSandbox, help: SANDBOX_HELP },
};

async function main(argv: string[], env: NodeJS.ProcessEnv) {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const command = COMMANDS[name];
  if (!command) throw new CliError(`Unknown command "${name}".\n\n${HELP}`);
  await command.run(rest, env);
}

// The one place the environment enters: each command hands it to src/config.ts, which reads it.
main(process.argv.slice(2), process.env).catch((err: unknown) => {
  if (err instanceof CliError || (err as Error)?.name === 'ConfigError') {
    process.stderr.write(`layers: ${(err as Error).message}\n`);
    process.exit(2);
  }
  if ((err as Error)?.name === 'StartupError') {
    process.stderr.write(`layers: ${(err as Error).message}\n`); // database unreachable, port taken: one line
    process.exit(1);
  }
  if (err instanceof DataDirInUseError) {
    process.stderr.write(`layers: ${err.message}\n`);
    process.exit(3); // its own code: a wrapper can tell "another process runs there" from a failure
  }
  process.stderr.write(`layers: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
