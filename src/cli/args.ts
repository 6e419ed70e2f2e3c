import { type ParseArgsConfig, parseArgs } from 'node:util';

export class CliError extends Error {}

/** parseArgs with a clear error instead of a stack trace, and --help on every command. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, help: string) {
  try {
    const parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: false,
      strict: true,
    });
    if ((parsed.values as { help?: boolean }).help) {
      process.stdout.write(`${help}\n`);
      return undefined;
    }
    return parsed;
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\n${help}`);
  }
}
