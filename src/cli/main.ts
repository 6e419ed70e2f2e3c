import { Command, CommanderError } from 'commander';
import { adminCommand } from './admin.js';
import { CliError, configureTree, packageVersion, ServerUnreachableError } from './args.js';
import { migrateCommand } from './migrate.js';
import { sandboxCommand } from './sandbox.js';
import { serveCommand } from './serve.js';
import { workerCommand } from './worker.js';

const EXIT_CODES = `
Exit codes:
  0  success (also when the reader of stdout went away, as in "layers … | head -1")
  1  failure; for "layers admin", the server answered with an error (its JSON envelope on stderr)
  2  usage or configuration error (unknown command or option, missing or invalid value)
  3  "layers admin": no server answered (is "layers serve" running?);
     "layers serve" / "layers migrate": another process holds the data directory`;

/** `layers help admin key create`: the help of any command, however deep. */
function helpCommand(root: Command) {
  return new Command('help')
    .description('show the help of a command, e.g. "layers help admin key create"')
    .argument('[command...]', 'the command')
    .action((names: string[]) => {
      let cmd = root;
      for (const name of names) {
        const next = cmd.commands.find((c) => c.name() === name);
        if (!next) throw new CliError(`Unknown command "${names.join(' ')}". Run "layers --help" for the commands.`);
        cmd = next;
      }
      cmd.outputHelp();
    });
}

// The one place the environment enters: each command hands it to src/config.ts, which reads it.
function program(env: NodeJS.ProcessEnv) {
  const root = new Command('layers')
    .description('The Layers partner API: its server, worker and operator tools.')
    .version(packageVersion(), '-v, --version', 'print the version and exit')
    .addCommand(serveCommand(env))
    .addCommand(workerCommand(env))
    .addCommand(migrateCommand(env))
    .addCommand(adminCommand(env))
    .addCommand(sandboxCommand(env))
    .helpCommand(false)
    .addHelpText(
      'after',
      `\nRun "layers <command> --help" (or "layers help <command>") for a command's options.\n${EXIT_CODES}`,
    );
  root.addCommand(helpCommand(root));
  return configureTree(root);
}

function fail(code: number, message: string): never {
  process.stderr.write(`layers: ${message}\n`);
  process.exit(code);
}

// A reader that stops early (`| head -1`) is no error: what is left to print goes nowhere, and
// the command ends as it would have (exit 0 for a listing). A server keeps serving.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
  fail(1, `cannot write to stdout: ${err.message}`);
});

program(process.env)
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    if (err instanceof CommanderError) {
      // Help or --version was printed (exit 0); help for a missing command went to stderr (exit 2).
      if (err.exitCode === 0) return;
      if (err.code === 'commander.help') process.exitCode = 2;
      else fail(2, err.message);
      return;
    }
    if (err instanceof CliError || (err as Error)?.name === 'ConfigError') fail(2, (err as Error).message);
    if (err instanceof ServerUnreachableError) fail(3, err.message);
    // Database unreachable past its deadline, port taken: one line (src/startup.ts).
    if ((err as Error)?.name === 'StartupError') fail(1, (err as Error).message);
    // Its own code: a wrapper can tell "another process runs there" from a failure.
    if ((err as Error)?.name === 'DataDirInUseError') fail(3, (err as Error).message);
    fail(1, (err as Error)?.stack ?? String(err));
  });
