import path from 'node:path';
import { loadAdminClientConfig } from '../config.js';
import { SCOPES } from '../http/scopes.js';
import { notRunningMessage, readDataFile, readServerFile, serverProcessAlive } from '../server-file.js';
import { CliError, parse } from './args.js';

const COMMON = `Common options:
  --url URL        server base URL (env LAYERS_URL; default: DIR/server.json of a running server)
  --token T        operator token (env LAYERS_ADMIN_TOKEN; default: DIR/admin-token)
  --data-dir DIR   data directory (env LAYERS_DATA_DIR, default ./.layers)`;

type Verb = {
  usage: string;
  options: Record<string, { type: 'string' | 'boolean' }>;
  required: string[];
  request: (v: Record<string, string | boolean | undefined>) => { method: string; path: string; body: unknown };
};

const num = (s: unknown) => (s === undefined ? undefined : Number(s));
const list = (s: unknown) =>
  String(s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

const VERBS: Record<string, Verb> = {
  'org create': {
    usage: 'layers admin org create --name NAME',
    options: { name: { type: 'string' } },
    required: ['name'],
    request: (v) => ({ method: 'POST', path: '/organizations', body: { name: v.name } }),
  },
  'key create': {
    usage:
      'layers admin key create --org ORG_ID --scopes S1,S2 [--tier standard|pilot|partner] ' +
      '[--env live|test] [--return-urls h1,h2] [--name N]',
    options: {
      org: { type: 'string' },
      scopes: { type: 'string' },
      tier: { type: 'string' },
      env: { type: 'string' },
      'return-urls': { type: 'string' },
      name: { type: 'string' },
    },
    required: ['org', 'scopes'],
    request: (v) => ({
      method: 'POST',
      path: '/api-keys',
      body: {
        organizationId: v.org,
        scopes: list(v.scopes),
        tier: v.tier,
        env: v.env,
        returnUrls: v['return-urls'] === undefined ? undefined : list(v['return-urls']),
        name: v.name,
      },
    }),
  },
  'project create': {
    usage: 'layers admin project create --org ORG_ID --name NAME [--timezone TZ]',
    options: { org: { type: 'string' }, name: { type: 'string' }, timezone: { type: 'string' } },
    required: ['org', 'name'],
    request: (v) => ({
      method: 'POST',
      path: '/projects',
      body: { organizationId: v.org, name: v.name, timezone: v.timezone },
    }),
  },
  'account create': {
    usage:
      'layers admin account create --project PRJ_ID --platform tiktok|instagram --handle H [--leased] ' +
      '[--env test|live]',
    options: {
      project: { type: 'string' },
      platform: { type: 'string' },
      handle: { type: 'string' },
      leased: { type: 'boolean' },
      env: { type: 'string' },
    },
    required: ['project', 'platform', 'handle'],
    request: (v) => ({
      method: 'POST',
      path: '/social-accounts',
      body: {
        projectId: v.project,
        platform: v.platform,
        handle: v.handle,
        leased: v.leased ?? false,
        env: v.env ?? 'test',
      },
    }),
  },
  'posts create': {
    usage: 'layers admin posts create --account SA_ID --count N   (development fixture: N queued posts)',
    options: { account: { type: 'string' }, count: { type: 'string' } },
    required: ['account', 'count'],
    request: (v) => ({
      method: 'POST',
      path: '/fixtures/queued-posts',
      body: { socialAccountId: v.account, count: Number(v.count) },
    }),
  },
  'lease pool-add': {
    usage: 'layers admin lease pool-add --platform tiktok|instagram --handle H [--followers N] [--price-cents N]',
    options: {
      platform: { type: 'string' },
      handle: { type: 'string' },
      followers: { type: 'string' },
      'price-cents': { type: 'string' },
    },
    required: ['platform', 'handle'],
    request: (v) => ({
      method: 'POST',
      path: '/lease-pool',
      body: {
        platform: v.platform,
        handle: v.handle,
        followers: num(v.followers),
        monthlyPriceCents: num(v['price-cents']),
      },
    }),
  },
  'lease pool': {
    usage: 'layers admin lease pool [--status available|assigned|retired]',
    options: { status: { type: 'string' } },
    required: [],
    request: (v) => ({
      method: 'GET',
      path: `/lease-pool${v.status ? `?status=${encodeURIComponent(String(v.status))}` : ''}`,
      body: undefined,
    }),
  },
  'lease requests': {
    usage: 'layers admin lease requests [--status requested|assigned|partial|rejected]',
    options: { status: { type: 'string' } },
    required: [],
    request: (v) => ({
      method: 'GET',
      path: `/lease-requests${v.status ? `?status=${encodeURIComponent(String(v.status))}` : ''}`,
      body: undefined,
    }),
  },
  'lease fulfil': {
    usage: 'layers admin lease fulfil --request LREQ_ID [--pool pool_a,pool_b] [--count N]',
    options: { request: { type: 'string' }, pool: { type: 'string' }, count: { type: 'string' } },
    required: ['request'],
    request: (v) => ({
      method: 'POST',
      path: `/lease-requests/${encodeURIComponent(String(v.request))}/fulfil`,
      body: { poolAccountIds: v.pool === undefined ? undefined : list(v.pool), count: num(v.count) },
    }),
  },
  'lease reject': {
    usage: 'layers admin lease reject --request LREQ_ID [--reason TEXT]',
    options: { request: { type: 'string' }, reason: { type: 'string' } },
    required: ['request'],
    request: (v) => ({
      method: 'POST',
      path: `/lease-requests/${encodeURIComponent(String(v.request))}/reject`,
      body: { reason: v.reason },
    }),
  },
  'key-ring show': {
    usage: 'layers admin key-ring show',
    options: {},
    required: [],
    request: () => ({ method: 'GET', path: '/key-ring', body: undefined }),
  },
  'key-ring rotate': {
    usage: 'layers admin key-ring rotate',
    options: {},
    required: [],
    request: () => ({ method: 'POST', path: '/key-ring/rotate', body: undefined }),
  },
  'kill-switch set': {
    usage: 'layers admin kill-switch set --scope global|organization|key [--target ID] --on|--off',
    options: {
      scope: { type: 'string' },
      target: { type: 'string' },
      on: { type: 'boolean' },
      off: { type: 'boolean' },
    },
    required: ['scope'],
    request: (v) => {
      if (Boolean(v.on) === Boolean(v.off)) throw new CliError('Give exactly one of --on or --off.');
      if (v.scope !== 'global' && !v.target) throw new CliError(`--target is required for scope ${v.scope}.`);
      return { method: 'PUT', path: '/kill-switches', body: { scope: v.scope, target: v.target, on: Boolean(v.on) } };
    },
  },
};

export const ADMIN_HELP = `Usage: layers admin <noun> <verb> [options]

Talks to a running server's operator API and prints one JSON object.

${Object.values(VERBS)
  .map((v) => `  ${v.usage}`)
  .join('\n')}

Scopes (--scopes): ${SCOPES.join(' ')}

${COMMON}`;

export async function runAdmin(argv: string[], env: NodeJS.ProcessEnv) {
  const name = argv.slice(0, 2).join(' ');
  const verb = VERBS[name];
  if (!verb) {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h')
      return void process.stdout.write(`${ADMIN_HELP}\n`);
    throw new CliError(`Unknown admin command "${name}".\n\n${ADMIN_HELP}`);
  }
  const help = `Usage: ${verb.usage}\n\n${COMMON}`;
  const args = parse(
    argv.slice(2),
    { ...verb.options, url: { type: 'string' }, token: { type: 'string' }, 'data-dir': { type: 'string' } },
    help,
  );
  if (!args) return;
  const v = args.values as Record<string, string | boolean | undefined>;
  const missing = verb.required.filter((r) => v[r] === undefined);
  if (missing.length) throw new CliError(`Missing ${missing.map((m) => `--${m}`).join(', ')}.\n\n${help}`);

  const fromEnv = loadAdminClientConfig(env);
  const dataDir = path.resolve(String(v['data-dir'] ?? fromEnv.dataDir));
  // server.json only when no URL is given: a file left by a stopped server says so (exit 3).
  const found = (v.url ?? fromEnv.url) === undefined ? readServerFile(dataDir) : undefined;
  const url = String(v.url ?? fromEnv.url ?? found?.url ?? '');
  const token = String(v.token ?? fromEnv.adminToken ?? readDataFile(dataDir, 'admin-token') ?? '');
  if (!url) throw new CliError(`No server found: set LAYERS_URL or --url (no ${path.join(dataDir, 'server.json')}).`);
  if (!token) throw new CliError('No operator token: set LAYERS_ADMIN_TOKEN or --token.');

  if (found && !serverProcessAlive(found)) return notRunning(dataDir, found);
  const req = verb.request(v);
  const res = await fetch(new URL(`/admin/v1${req.path}`, url), {
    method: req.method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: req.body === undefined ? undefined : JSON.stringify(req.body),
  }).catch((err: Error) => err);
  if (res instanceof Error) {
    if (found && (res.cause as NodeJS.ErrnoException)?.code === 'ECONNREFUSED') return notRunning(dataDir, found);
    throw new CliError(`Cannot reach ${url}: ${res.message}`);
  }
  const text = await res.text();
  if (!res.ok) {
    process.stderr.write(`${text}\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`${text}\n`);
}

function notRunning(dataDir: string, found: NonNullable<ReturnType<typeof readServerFile>>) {
  process.stderr.write(`layers: ${notRunningMessage(dataDir, found)}\n`);
  process.exitCode = 3; // as for a data directory another process owns: not a usage error, not the server's
}
