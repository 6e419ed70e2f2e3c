import { InvalidArgumentError } from 'commander';
import { SCOPES } from '../http/scopes.js';
import { CliError, integer } from './args.js';
import { keyTable } from './key-table.js';

// Every `layers admin <noun> <verb>`: its options, and the operator API request it makes.

export type Values = Record<string, string | boolean | undefined>;
export type AdminRequest = { method: 'GET' | 'POST' | 'PUT'; path: string; body?: unknown };
export type Opt = {
  flags: string;
  description: string;
  choices?: readonly string[];
  parse?: (value: string) => string;
  required?: boolean;
};
export type Verb = {
  summary: string;
  argument?: [name: string, description: string];
  options: Opt[];
  request: (v: Values, arg: string | undefined) => AdminRequest;
  /** `--table`: a human table of the reply's items instead of its JSON. */
  table?: (body: unknown) => string;
};

const PLATFORMS = ['tiktok', 'instagram'] as const;
const ENVS = ['live', 'test'] as const;

const list = (s: unknown) =>
  String(s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const num = (s: unknown) => (s === undefined ? undefined : Number(s));
const query = (name: string, value: unknown) => (value ? `?${name}=${encodeURIComponent(String(value))}` : '');
const seg = (s: unknown) => encodeURIComponent(String(s));

function scopeList(value: string): string {
  const unknown = list(value).filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length || !list(value).length)
    throw new InvalidArgumentError(`Unknown scope ${unknown.join(', ') || '(none given)'}; valid: ${SCOPES.join(' ')}`);
  return value;
}

const org = { flags: '--org <orgId>', description: 'the organization (org_…)', required: true };

export const NOUNS: Record<string, string> = {
  org: 'organizations (a partner company)',
  key: "an organization's API keys: create, list (masked), revoke, rotate",
  project: "an organization's projects",
  account: 'social accounts (sandbox-connected fixtures)',
  posts: 'development fixtures: queued scheduled posts',
  lease: 'the lease pool and partners’ lease requests',
  'key-ring': 'the token-encryption key ring (docs/key-ring.md)',
  'kill-switch': 'switch the API off globally, for an organization or for one key',
};

export const VERBS: Record<string, Verb> = {
  'org create': {
    summary: 'create an organization; prints its organizationId',
    options: [{ flags: '--name <name>', description: 'its display name', required: true }],
    request: (v) => ({ method: 'POST', path: '/organizations', body: { name: v.name } }),
  },
  'org children': {
    summary: "list a partner organization's child organizations, newest first",
    argument: ['<orgId>', 'the parent organization (org_…)'],
    options: [
      { flags: '--status <status>', description: 'only these', choices: ['active', 'suspended', 'archived'] },
      { flags: '--limit <n>', description: 'organizations per page, 1–200 (default: 50)', parse: integer },
      { flags: '--cursor <cursor>', description: 'the nextCursor of the previous page' },
    ],
    request: (v, orgId) => {
      const q = new URLSearchParams();
      for (const k of ['status', 'limit', 'cursor'] as const) if (v[k] !== undefined) q.set(k, String(v[k]));
      return { method: 'GET', path: `/organizations/${seg(orgId)}/children${q.size ? `?${q}` : ''}` };
    },
  },
  'key create': {
    summary: 'mint an API key; prints the key once (only its hash is stored)',
    options: [
      org,
      {
        flags: '--scopes <list>',
        description: `comma-separated scopes; "*" grants all. Valid: ${SCOPES.join(' ')}`,
        parse: scopeList,
        required: true,
      },
      {
        flags: '--tier <tier>',
        description: 'rate-limit tier (default: standard)',
        choices: ['standard', 'pilot', 'partner'],
      },
      { flags: '--env <env>', description: 'live (real platforms) or test (sandbox) (default: test)', choices: ENVS },
      {
        flags: '--return-urls <hosts>',
        description: 'comma-separated hosts OAuth may return to (e.g. app.partner.com)',
      },
      { flags: '--name <name>', description: 'a label for the key' },
    ],
    request: (v) => ({
      method: 'POST',
      path: '/api-keys',
      body: {
        organizationId: v.org,
        scopes: list(v.scopes),
        tier: v.tier,
        env: v.env,
        returnUrls: v.returnUrls === undefined ? undefined : list(v.returnUrls),
        name: v.name,
      },
    }),
  },
  'key list': {
    summary: "list an organization's keys, newest first, masked (prefix and last 4 characters; never the secret)",
    options: [
      org,
      { flags: '--limit <n>', description: 'keys per page, 1–200 (default: 50)', parse: integer },
      { flags: '--cursor <cursor>', description: 'the nextCursor of the previous page' },
      { flags: '--table', description: 'print a table instead of JSON' },
    ],
    request: (v) => {
      const q = new URLSearchParams();
      if (v.limit !== undefined) q.set('limit', String(v.limit));
      if (v.cursor !== undefined) q.set('cursor', String(v.cursor));
      const qs = q.size ? `?${q}` : '';
      return { method: 'GET', path: `/organizations/${seg(v.org)}/api-keys${qs}` };
    },
    table: keyTable,
  },
  'key revoke': {
    summary: 'revoke a key for good: its next request is 401 (idempotent)',
    argument: ['<keyId>', 'the key (key_…), as "layers admin key list" shows it'],
    options: [],
    request: (_v, keyId) => ({ method: 'POST', path: `/api-keys/${seg(keyId)}/revoke` }),
  },
  'key rotate': {
    summary: 'replace a key with a new one (printed once); the old one works for a grace period, then 401',
    argument: ['<keyId>', 'the key (key_…), as "layers admin key list" shows it'],
    options: [
      {
        flags: '--grace-seconds <n>',
        description: 'how long the old key keeps working, 0–604800 (default: 86400, 24 h)',
        parse: integer,
      },
    ],
    request: (v, keyId) => ({
      method: 'POST',
      path: `/api-keys/${seg(keyId)}/rotate`,
      body: { graceSeconds: num(v.graceSeconds) },
    }),
  },
  'project create': {
    summary: 'create a project in an organization',
    options: [
      org,
      { flags: '--name <name>', description: 'its display name', required: true },
      { flags: '--timezone <tz>', description: 'IANA time zone (default: UTC)' },
    ],
    request: (v) => ({
      method: 'POST',
      path: '/projects',
      body: { organizationId: v.org, name: v.name, timezone: v.timezone },
    }),
  },
  'account create': {
    summary: 'connect a social account with a sandbox token (a development fixture)',
    options: [
      { flags: '--project <projectId>', description: 'the project (prj_…)', required: true },
      { flags: '--platform <platform>', description: 'the platform', choices: PLATFORMS, required: true },
      { flags: '--handle <handle>', description: 'the account handle', required: true },
      { flags: '--leased', description: 'a leased account (through the lease pool)' },
      { flags: '--env <env>', description: 'the environment whose keys see it (default: test)', choices: ENVS },
    ],
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
    summary: 'development fixture: N queued posts on an account, due an hour apart',
    options: [
      { flags: '--account <socialAccountId>', description: 'the account (sa_…)', required: true },
      { flags: '--count <n>', description: 'how many (1–10000)', parse: integer, required: true },
    ],
    request: (v) => ({
      method: 'POST',
      path: '/fixtures/queued-posts',
      body: { socialAccountId: v.account, count: Number(v.count) },
    }),
  },
  'lease pool-add': {
    summary: 'add an account to the lease pool',
    options: [
      { flags: '--platform <platform>', description: 'the platform', choices: PLATFORMS, required: true },
      { flags: '--handle <handle>', description: 'the account handle', required: true },
      { flags: '--followers <n>', description: 'its follower count', parse: integer },
      { flags: '--price-cents <n>', description: 'monthly price in cents', parse: integer },
    ],
    request: (v) => ({
      method: 'POST',
      path: '/lease-pool',
      body: {
        platform: v.platform,
        handle: v.handle,
        followers: num(v.followers),
        monthlyPriceCents: num(v.priceCents),
      },
    }),
  },
  'lease pool': {
    summary: 'list the lease pool',
    options: [{ flags: '--status <status>', description: 'only these', choices: ['available', 'assigned', 'retired'] }],
    request: (v) => ({ method: 'GET', path: `/lease-pool${query('status', v.status)}` }),
  },
  'lease requests': {
    summary: 'list partners’ lease requests',
    options: [
      {
        flags: '--status <status>',
        description: 'only these',
        choices: ['requested', 'assigned', 'partial', 'rejected'],
      },
    ],
    request: (v) => ({ method: 'GET', path: `/lease-requests${query('status', v.status)}` }),
  },
  'lease fulfil': {
    summary: 'assign pool accounts to a lease request',
    options: [
      { flags: '--request <leaseRequestId>', description: 'the request (lreq_…)', required: true },
      { flags: '--pool <ids>', description: 'comma-separated pool account ids (default: any available)' },
      { flags: '--count <n>', description: 'how many to assign', parse: integer },
    ],
    request: (v) => ({
      method: 'POST',
      path: `/lease-requests/${seg(v.request)}/fulfil`,
      body: { poolAccountIds: v.pool === undefined ? undefined : list(v.pool), count: num(v.count) },
    }),
  },
  'lease reject': {
    summary: 'reject a lease request',
    options: [
      { flags: '--request <leaseRequestId>', description: 'the request (lreq_…)', required: true },
      { flags: '--reason <text>', description: 'shown to the partner' },
    ],
    request: (v) => ({ method: 'POST', path: `/lease-requests/${seg(v.request)}/reject`, body: { reason: v.reason } }),
  },
  'key-ring show': {
    summary: "the key ring's epochs",
    options: [],
    request: () => ({ method: 'GET', path: '/key-ring' }),
  },
  'key-ring rotate': {
    summary: 'rotate the key ring now (the worker also rotates on a schedule)',
    options: [],
    request: () => ({ method: 'POST', path: '/key-ring/rotate' }),
  },
  'kill-switch set': {
    summary: 'turn a kill switch on or off (503 KILL_SWITCH for what it covers)',
    options: [
      {
        flags: '--scope <scope>',
        description: 'what it covers',
        choices: ['global', 'organization', 'key'],
        required: true,
      },
      {
        flags: '--target <id>',
        description: 'the organization (org_…; its child organizations with it) or key (key_…); not for global',
      },
      { flags: '--on', description: 'switch it on' },
      { flags: '--off', description: 'switch it off' },
    ],
    request: (v) => {
      if (Boolean(v.on) === Boolean(v.off)) throw new CliError('Give exactly one of --on or --off.');
      if (v.scope !== 'global' && !v.target) throw new CliError(`--target is required for scope ${v.scope}.`);
      return { method: 'PUT', path: '/kill-switches', body: { scope: v.scope, target: v.target, on: Boolean(v.on) } };
    },
  },
};
