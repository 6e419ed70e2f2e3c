import path from 'node:path';
import { Command, Option } from 'commander';
import { loadAdminClientConfig } from '../config.js';
import { notRunningMessage, readDataFile, readServerFile, serverProcessAlive } from '../server-file.js';
import { type AdminRequest, NOUNS, type Values, VERBS, type Verb } from './admin-verbs.js';
import { CliError, ServerUnreachableError } from './args.js';

const COMMON: [flags: string, description: string][] = [
  ['--url <url>', 'server base URL (env LAYERS_URL; default: the url in DIR/server.json, written by "layers serve")'],
  ['--token <token>', 'operator token (env LAYERS_ADMIN_TOKEN; default: the contents of DIR/admin-token)'],
  ['--data-dir <dir>', 'data directory of the server (env LAYERS_DATA_DIR, default ./.layers)'],
];

const OUTPUT = `
Prints the server's reply, one JSON object on one line (exit 0). The server's error envelope goes
to stderr (exit 1); a usage error exits 2; no server answering exits 3.`;

/** `layers admin <noun> <verb>`: a client of a running server's operator API (/admin/v1). */
export function adminCommand(env: NodeJS.ProcessEnv) {
  const admin = new Command('admin')
    .summary('Operator commands against a running server (org, key, project, account, lease, kill-switch, …)')
    .description("Operator commands against a running server's operator API (/admin/v1), with the operator token.")
    .addHelpText(
      'after',
      `\nCommands, by noun:\n${Object.entries(VERBS)
        .map(([name, v]) => `  ${`layers admin ${name}`.padEnd(32)} ${v.summary}`)
        .join('\n')}\n\nRun "layers admin <noun> <verb> --help" for its options.\n${OUTPUT}`,
    );
  for (const [noun, description] of Object.entries(NOUNS)) {
    const group = admin.command(noun).description(description);
    for (const [name, verb] of Object.entries(VERBS)) {
      const [n, v] = name.split(' ') as [string, string];
      if (n === noun) group.addCommand(verbCommand(v, verb, env));
    }
  }
  return admin;
}

function verbCommand(name: string, verb: Verb, env: NodeJS.ProcessEnv) {
  const cmd = new Command(name).description(verb.summary).addHelpText('after', OUTPUT);
  if (verb.argument) cmd.argument(...verb.argument);
  for (const o of verb.options) {
    const option = new Option(o.flags, `${o.description}${o.required ? ' (required)' : ''}`);
    if (o.choices) option.choices(o.choices);
    if (o.parse) option.argParser(o.parse);
    if (o.required) option.makeOptionMandatory();
    cmd.addOption(option);
  }
  for (const [flags, description] of COMMON) cmd.option(flags, description);
  return cmd.action(async (...args: unknown[]) => {
    const arg = verb.argument ? (args[0] as string) : undefined;
    const values = (args[verb.argument ? 1 : 0] as Values) ?? {};
    await runAdmin(verb, values, arg, env);
  });
}

async function runAdmin(verb: Verb, v: Values, arg: string | undefined, env: NodeJS.ProcessEnv) {
  const req = verb.request(v, arg); // its own usage checks first: they need no server
  const server = locateServer(v, env);
  const res = await call(server, req);
  const text = await res.text();
  if (!res.ok) {
    process.stderr.write(`${text}\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`${v.table && verb.table ? verb.table(JSON.parse(text)) : text}\n`);
}

type Server = { url: URL; source: string; token: string; stale?: string };

/** The server's URL (and where it came from, for the hint when it does not answer) and the token. */
function locateServer(v: Values, env: NodeJS.ProcessEnv): Server {
  const fromEnv = loadAdminClientConfig(env);
  const dataDir = path.resolve(String(v.dataDir ?? fromEnv.dataDir));
  const serverJson = path.join(dataDir, 'server.json');
  // server.json only when no URL is given: a file left by a stopped server says so (exit 3).
  const found = v.url === undefined && !fromEnv.url ? readServerFile(dataDir) : undefined;
  if (found && !serverProcessAlive(found)) throw new ServerUnreachableError(notRunningMessage(dataDir, found));
  const [raw, source] =
    v.url !== undefined
      ? [String(v.url), '--url']
      : fromEnv.url
        ? [fromEnv.url, 'LAYERS_URL']
        : [found?.url ?? serverUrl(dataDir), serverJson];
  if (!raw) {
    throw new ServerUnreachableError(
      `No server found: no ${serverJson}. Is \`layers serve\` running (with this --data-dir)? ` +
        'Or give --url or LAYERS_URL.',
    );
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`Invalid server URL "${raw}" (from ${source}): expected http(s)://host:port.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliError(`Invalid server URL "${raw}" (from ${source}): expected http(s)://host:port.`);
  const token = String(v.token ?? fromEnv.adminToken ?? readDataFile(dataDir, 'admin-token') ?? '');
  if (!token) throw new CliError(`No operator token: set LAYERS_ADMIN_TOKEN or --token (no ${dataDir}/admin-token).`);
  return { url, source, token, stale: found && notRunningMessage(dataDir, found) };
}

async function call(server: Server, req: AdminRequest): Promise<Response> {
  try {
    return await fetch(new URL(`/admin/v1${req.path}`, server.url), {
      method: req.method,
      headers: {
        authorization: `Bearer ${server.token}`,
        ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    // A refused connection to the server server.json names: that server has stopped.
    if (server.stale && cause?.code === 'ECONNREFUSED') throw new ServerUnreachableError(server.stale);
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new ServerUnreachableError(
      `Cannot reach the server (${why}). Is \`layers serve\` running? ` +
        `Checked ${server.url.origin} from ${server.source}.`,
    );
  }
}

/**
 * The url of a server.json without the pid that tells whether its writer still runs (written by
 * hand or by an older server).
 */
function serverUrl(dataDir: string): string | undefined {
  try {
    return (JSON.parse(readDataFile(dataDir, 'server.json') ?? '{}') as { url?: string }).url;
  } catch {
    return undefined;
  }
}
