import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { DEFAULT_DATA_DIR, EnvSchema } from './config-schema.js';
import { SANDBOX_CLIENTS } from './platforms/sandbox/clients.js';
import { parseTestFaults, type TestFaults } from './test-faults.js';

export { ENV_VARIABLES } from './config-schema.js';

const PLATFORM_CREDENTIALS = [
  'LAYERS_TIKTOK_CLIENT_KEY',
  'LAYERS_TIKTOK_CLIENT_SECRET',
  'LAYERS_INSTAGRAM_CLIENT_ID',
  'LAYERS_INSTAGRAM_CLIENT_SECRET',
] as const;

export type PlatformSettings = {
  /** baseUrl undefined → the platform's real hosts. */
  tiktok: { baseUrl: string | undefined; clientKey: string; clientSecret: string };
  instagram: { baseUrl: string | undefined; clientId: string; clientSecret: string };
  /** Whether this process should start the sandbox platform (development/test, not overridden). */
  sandbox: { start: boolean; port: number; url: string };
  timeoutMs: number | undefined;
  /** Production only: the client credentials not given (requirePlatformCredentials refuses to start). */
  missingCredentials: string[];
};

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  masterKey: Buffer | undefined;
  /** The key ring's directory (docs/key-ring.md); every process of one installation shares it. */
  keyRingDir: string;
  keyRotationIntervalMs: number;
  /** Embedded database: the worker's VACUUM / ANALYZE pass interval; 0: never. */
  dbMaintenanceIntervalMs: number;
  adminToken: string | undefined;
  /** Base URL the platforms redirect users back to (OAuth callback); defaults to where we listen. */
  publicUrl: string | undefined;
  redisUrl: string | undefined;
  rateLimitStore: 'memory' | 'postgres' | 'redis';
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  logFormat: 'json' | 'pretty';
  /** The metrics port (src/metrics-server.ts) and its address; port undefined: no metrics server. */
  metrics: { port: number | undefined; host: string };
  /** Start-up retries an unreachable PostgreSQL this long, then exits 1. */
  dbConnectTimeoutMs: number;
  /** PostgreSQL: named (prepared) statements, parsed and planned once per connection. */
  pgPreparedStatements: boolean;
  nodeEnv: z.infer<typeof EnvSchema>['NODE_ENV'];
  /** `layers serve` prints where the API, its reference and the credentials are (stderr); LAYERS_BANNER=0: not. */
  banner: boolean;
  /** Development opt-in: webhooks may go to loopback receivers (http too); never in production. */
  webhookAllowLoopback: boolean;
  /** Failed authentications per client address per minute before 429 (docs/guards.md). */
  authFailuresPerMinute: number;
  /** Proxies whose X-Forwarded-For names the client address: a hop count or addresses; none when unset. */
  trustProxy: string | number | undefined;
  platforms: PlatformSettings;
  /** Test-only (NODE_ENV=test): LAYERS_TEST_FAULTS, parsed; undefined when unset. */
  testFaults: TestFaults | undefined;
  /** Test-only (NODE_ENV=test): LAYERS_TEST_PAUSE, the worker fault point to hold at. */
  testPause: string | undefined;
};

export class ConfigError extends Error {
  override name = 'ConfigError'; // the CLI keys on it: exit 2 with the message, no stack trace
}

/** The one format of a configuration error: "Invalid configuration:" and one indented line per problem. */
export function invalidConfiguration(problems: string[]): ConfigError {
  return new ConfigError(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
}

/**
 * Every problem of the environment at once: the values' shapes, how they combine and — for a
 * process that serves (`serving`: serve, worker; not migrate) — what production requires.
 */
export function loadConfig(env: NodeJS.ProcessEnv, { serving = false }: { serving?: boolean } = {}): Config {
  const withFiles = withSecretFiles(env);
  const parsed = EnvSchema.safeParse(withFiles);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  problems.push(...combinationProblems(withFiles));
  if (serving && withFiles.NODE_ENV === 'production') {
    const missing = ['LAYERS_MASTER_KEY', 'LAYERS_ADMIN_TOKEN', ...PLATFORM_CREDENTIALS].filter((n) => !withFiles[n]);
    if (missing.length > 0) problems.push(productionMissing(missing));
  }
  if (problems.length === 1 && problems[0]!.startsWith('LAYERS_WEBHOOK_ALLOW_LOOPBACK=1'))
    throw new ConfigError(`Invalid configuration: ${problems[0]}`); // the one-line form it has always had
  if (problems.length > 0 || !parsed.success) throw invalidConfiguration(problems);
  const e = parsed.data;
  // Rate limits default to the most shared store configured: Redis, else PostgreSQL, else memory.
  const rateLimitStore = e.RATE_LIMIT_STORE ?? (e.REDIS_URL ? 'redis' : e.DATABASE_URL ? 'postgres' : 'memory');
  const webhookAllowLoopback = e.LAYERS_WEBHOOK_ALLOW_LOOPBACK === '1';
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.LAYERS_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    masterKey: e.LAYERS_MASTER_KEY ? Buffer.from(e.LAYERS_MASTER_KEY, 'base64') : undefined,
    keyRingDir: path.resolve(e.LAYERS_KEYRING_DIR ?? path.join(e.LAYERS_DATA_DIR, 'keyring')),
    keyRotationIntervalMs: Math.round(e.LAYERS_KEY_ROTATION_HOURS * 3600 * 1000),
    dbMaintenanceIntervalMs: e.LAYERS_DB_MAINTENANCE_SECONDS * 1000,
    adminToken: e.LAYERS_ADMIN_TOKEN,
    publicUrl: e.LAYERS_PUBLIC_URL,
    redisUrl: e.REDIS_URL,
    rateLimitStore,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    metrics: { port: e.LAYERS_METRICS_PORT, host: e.LAYERS_METRICS_HOST ?? e.HOST },
    dbConnectTimeoutMs: e.LAYERS_DB_CONNECT_TIMEOUT_MS,
    pgPreparedStatements: e.LAYERS_PG_PREPARED_STATEMENTS === 'on',
    nodeEnv: e.NODE_ENV,
    webhookAllowLoopback,
    banner: e.LAYERS_BANNER !== '0',
    authFailuresPerMinute: e.LAYERS_AUTH_FAILURES_PER_MINUTE,
    trustProxy:
      e.LAYERS_TRUST_PROXY === undefined
        ? undefined
        : /^\d+$/.test(e.LAYERS_TRUST_PROXY)
          ? Number(e.LAYERS_TRUST_PROXY)
          : e.LAYERS_TRUST_PROXY,
    platforms: platformSettings(e),
    ...testHooks(e),
  };
}

/** How the variables combine (read raw, so that a shape problem elsewhere does not hide these). */
function combinationProblems(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  const production = env.NODE_ENV === 'production';
  const store = env.RATE_LIMIT_STORE;
  if (store === 'redis' && !env.REDIS_URL) problems.push('RATE_LIMIT_STORE=redis needs REDIS_URL');
  if (store === 'postgres' && !env.DATABASE_URL) problems.push('RATE_LIMIT_STORE=postgres needs DATABASE_URL');
  if (env.LAYERS_WEBHOOK_ALLOW_LOOPBACK === '1' && production)
    problems.push(
      'LAYERS_WEBHOOK_ALLOW_LOOPBACK=1 (loopback webhook receivers, for local development) is refused when ' +
        'NODE_ENV=production',
    );
  if (env.LOG_FORMAT === 'pretty' && production)
    problems.push('LOG_FORMAT=pretty (human-readable logs, for development) is refused when NODE_ENV=production');
  for (const name of ['LAYERS_TEST_FAULTS', 'LAYERS_TEST_PAUSE'])
    if (env[name] && env.NODE_ENV !== 'test') problems.push(`${name} is honoured only with NODE_ENV=test`);
  if (env.LAYERS_TEST_FAULTS && env.NODE_ENV === 'test') {
    try {
      parseTestFaults(env.LAYERS_TEST_FAULTS);
    } catch (err) {
      problems.push(`LAYERS_TEST_FAULTS: ${(err as Error).message}`);
    }
  }
  return problems;
}

function platformSettings(e: z.infer<typeof EnvSchema>): PlatformSettings {
  const production = e.NODE_ENV === 'production';
  const sandboxUrl = e.LAYERS_SANDBOX_URL?.replace(/\/+$/, '') ?? `http://127.0.0.1:${e.LAYERS_SANDBOX_PORT}`;
  const tiktokBase = e.LAYERS_TIKTOK_BASE_URL ?? (production ? undefined : sandboxUrl);
  const instagramBase = e.LAYERS_INSTAGRAM_BASE_URL ?? (production ? undefined : sandboxUrl);
  return {
    tiktok: {
      baseUrl: tiktokBase,
      clientKey: e.LAYERS_TIKTOK_CLIENT_KEY ?? SANDBOX_CLIENTS.tiktok.clientKey,
      clientSecret: e.LAYERS_TIKTOK_CLIENT_SECRET ?? SANDBOX_CLIENTS.tiktok.clientSecret,
    },
    instagram: {
      baseUrl: instagramBase,
      clientId: e.LAYERS_INSTAGRAM_CLIENT_ID ?? SANDBOX_CLIENTS.instagram.clientId,
      clientSecret: e.LAYERS_INSTAGRAM_CLIENT_SECRET ?? SANDBOX_CLIENTS.instagram.clientSecret,
    },
    sandbox: {
      // A sandbox named by URL runs elsewhere: this process starts none.
      start: !production && !e.LAYERS_SANDBOX_URL && (tiktokBase === sandboxUrl || instagramBase === sandboxUrl),
      port: e.LAYERS_SANDBOX_PORT,
      url: sandboxUrl,
    },
    timeoutMs: e.LAYERS_PLATFORM_TIMEOUT_MS,
    missingCredentials: production ? PLATFORM_CREDENTIALS.filter((k) => !e[k]) : [],
  };
}

/**
 * Production needs the platforms' client credentials; checked by the processes that call the
 * platforms (serve, worker) before they touch anything.
 */
export function requirePlatformCredentials(config: Pick<Config, 'platforms'>) {
  const missing = config.platforms.missingCredentials;
  if (missing.length > 0) throw new ConfigError(productionMissing(missing));
}

const productionMissing = (names: readonly string[]) => `In production ${names.join(', ')} must be set.`;

/**
 * What production needs of the processes that serve and call the platforms (serve, worker; not
 * `layers migrate`): the master key, the operator token and the platforms' client credentials,
 * every missing one named in one message (loadSecrets and requirePlatformCredentials would name
 * them a group at a time), before anything is touched.
 */
export function requireProductionSettings(config: Pick<Config, 'platforms' | 'nodeEnv' | 'masterKey' | 'adminToken'>) {
  if (config.nodeEnv !== 'production') return;
  const missing = [
    ...(config.masterKey ? [] : ['LAYERS_MASTER_KEY']),
    ...(config.adminToken ? [] : ['LAYERS_ADMIN_TOKEN']),
    ...config.platforms.missingCredentials,
  ];
  if (missing.length > 0) throw new ConfigError(productionMissing(missing));
}

/**
 * The test-only hooks; set in any environment but test they stop the start-up, so they never
 * reach production unnoticed.
 */
function testHooks(e: z.infer<typeof EnvSchema>): Pick<Config, 'testFaults' | 'testPause'> {
  const faults = e.LAYERS_TEST_FAULTS || undefined; // checked by combinationProblems
  return {
    testFaults: faults === undefined ? undefined : parseTestFaults(faults),
    testPause: e.LAYERS_TEST_PAUSE || undefined,
  };
}

// Secrets may come from files (a container's mounted secrets): X_FILE names a file holding X.
const SECRET_FILES = ['LAYERS_MASTER_KEY', 'LAYERS_ADMIN_TOKEN'] as const;

/** The environment with each LAYERS_…_FILE read into its variable; both, or an unreadable file, refused. */
function withSecretFiles(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const merged = { ...env };
  for (const name of SECRET_FILES) {
    const file = env[`${name}_FILE`];
    if (!file) continue;
    if (env[name] !== undefined) throw invalidConfiguration([`${name}_FILE: set it or ${name}, not both`]);
    try {
      merged[name] = fs.readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw invalidConfiguration([`${name}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code})`]);
    }
  }
  return merged;
}

/**
 * What `layers admin` (a client of a running server) reads: taken as given, not validated as
 * the server's configuration is, so an admin command works whatever else the shell has set.
 */
export function loadAdminClientConfig(env: NodeJS.ProcessEnv) {
  const tokenFile = env.LAYERS_ADMIN_TOKEN_FILE;
  const adminToken = env.LAYERS_ADMIN_TOKEN ?? (tokenFile ? fs.readFileSync(tokenFile, 'utf8').trim() : undefined);
  return { dataDir: env.LAYERS_DATA_DIR ?? DEFAULT_DATA_DIR, url: env.LAYERS_URL, adminToken };
}

/** The environment with the command-line flags that stand for variables (`--port` for PORT), validated as they are. */
export function withFlags(env: NodeJS.ProcessEnv, flags: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const merged = { ...env };
  for (const [name, value] of Object.entries(flags)) if (value !== undefined) merged[name] = value;
  return merged;
}
