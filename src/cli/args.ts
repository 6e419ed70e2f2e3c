import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Command, CommanderError, InvalidArgumentError } from 'commander';

// The command line is commander's (docs/architecture.md): one program, nested subcommands, each
// option described. This file holds what every command shares: the errors, their exit codes, and
// the one-line wording of a usage error.

/** A usage error: a one-line message on stderr, exit 2. */
export class CliError extends Error {}

/** `layers admin` found no server to talk to: a one-line message with a hint on stderr, exit 3. */
export class ServerUnreachableError extends Error {}

/** The command's full name: `layers admin key create`. */
export function commandPath(cmd: Command): string[] {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names;
}

/**
 * Applies the shared settings to `cmd` and everything under it: errors are thrown (main.ts
 * prints them, once, in our words) rather than printed by commander and exited on.
 */
export function configureTree(cmd: Command) {
  cmd.configureOutput({ outputError: () => {} });
  if (cmd.parent) cmd.helpCommand(false); // one `layers help …`, at the top, for every depth
  cmd.exitOverride((err) => {
    throw usageError(cmd, err);
  });
  for (const sub of cmd.commands) configureTree(sub);
  return cmd;
}

function usageError(cmd: Command, err: CommanderError): CommanderError {
  if (err.exitCode === 0 || err.code === 'commander.help') return err; // help or version shown
  const names = commandPath(cmd);
  const seeHelp = ` Run "${names.join(' ')} --help" for usage.`;
  let message: string;
  if (err.code === 'commander.unknownCommand') {
    // `Unknown command "frobnicate"`, `Unknown admin command "org delete"`.
    const [, group, ...rest] = names;
    const what = [...rest, cmd.args[0] ?? ''].join(' ');
    message = group ? `Unknown ${group} command "${what}".` : `Unknown command "${what}".`;
  } else if (err.code === 'commander.missingMandatoryOptionValue') {
    message = `Missing ${/'(--[\w-]+)/.exec(err.message)?.[1] ?? 'a required option'}.`;
  } else {
    const text = err.message.replace(/^error: /, '');
    message = text.charAt(0).toUpperCase() + text.slice(1);
  }
  if (!/[.!?)]$/.test(message)) message += '.';
  return new CommanderError(2, err.code, `${message}${seeHelp}`);
}

/** An integer option value (`--count 3`): anything else is a usage error. */
export function integer(value: string): string {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('Expected a whole number.');
  return value;
}

/** The `version` of the package.json above this file (src/cli or a compiled copy of it). */
export function packageVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
    const up = path.dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}
