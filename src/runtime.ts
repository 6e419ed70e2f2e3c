import { Redis } from 'ioredis';
import { type Logger, pino } from 'pino';
import { type Clock, systemClock } from './clock.js';
import { type Config, requireProductionSettings } from './config.js';
import type { FaultHook } from './context.js';
import type { TokenCrypto } from './crypto/token-envelope.js';
import { lockDataDir } from './data-dir-lock.js';
import { type DatabaseHandle, type Db, openDatabase, pgliteDirOf } from './db/client.js';
import { migrate } from './db/migrate.js';
import {
  type BUDGETS,
  createFailedAuthLimiter,
  createRateLimiter,
  type FailedAuthLimiter,
  type RateLimiter,
  type RateLimitStore,
} from './http/guards/rate-limit.js';
import { censorSecrets, serializeRequest } from './http/log-redaction.js';
import { createMetrics, type Metrics, observeDatabase } from './metrics.js';
import { type PlatformRuntime, startPlatforms } from './platforms/runtime.js';
import { loadSecrets, openTokenCrypto } from './secrets.js';
import { waitForDatabase } from './startup.js';
import { testFaultHook } from './test-faults.js';
import { type TestPause, testPause } from './worker/test-pause.js';

export function loggerOptions(config: Pick<Config, 'logLevel'> & Partial<Pick<Config, 'logFormat'>>) {
  return {
    level: config.logLevel,
    // LOG_FORMAT=pretty (development; refused in production): pino-pretty, in a worker thread, for humans.
    ...(config.logFormat === 'pretty'
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } }
      : {}),
    // Belt and braces: no request serializer logs headers, but a credential must never reach a log line.
    // Exact paths only: a wildcard path (`*.x`) makes pino redact-serialize every value of every line.
    redact: ['req.headers.authorization', 'headers.authorization'],
    formatters: { log: censorSecrets }, // accessToken, refreshToken, key of a logged object: censored
    serializers: { req: serializeRequest }, // request lines: query credentials (OAuth code and state, tokens) redacted
  };
}

export type RuntimeOptions = {
  /** Apply pending migrations before anything reads the database. */
  migrate: boolean;
  /** This process answers API requests: build the rate limiters (a Redis store connects). */
  api: boolean;
  /** Run the sandbox platform in-process when the configuration points at it (`layers serve`). */
  runSandbox: boolean;
  /** Tests: their own clock. */
  clock?: Clock;
  /** Tests and the bench: a PostgreSQL schema of their own, or an in-memory PGlite instead of the data directory's. */
  database?: { searchPath?: string; inMemory?: boolean };
  /** The bench: budgets no run exhausts (the guard and its store otherwise as in production). */
  rateLimitBudgets?: typeof BUDGETS;
};

/** What a process runs on; close() releases all of it once, in reverse order of opening. */
export type Runtime = {
  config: Config;
  database: DatabaseHandle;
  db: Db;
  clock: Clock;
  /** The process's logger (the API's request logs go through fastify's, built from loggerOptions too). */
  log: Logger;
  tokenCrypto: TokenCrypto;
  adminToken: string;
  platforms: PlatformRuntime;
  /** This process's metrics: requests, guards, worker passes; database pool and queues read at scrape time. */
  metrics: Metrics;
  /** Set with `api: true`. */
  limits: { rateLimiter: RateLimiter; failedAuthLimiter: FailedAuthLimiter } | undefined;
  /** Test-only hooks from LAYERS_TEST_FAULTS / LAYERS_TEST_PAUSE; undefined unless set (NODE_ENV=test). */
  fault: FaultHook | undefined;
  pause: TestPause | undefined;
  close(): Promise<void>;
};

/**
 * config → data-directory lock → secrets → database → migrations → key ring → platforms → rate
 * limiters: what `layers serve`, `layers worker`, the bench and the test harness each run on.
 * A failure part-way closes what was opened, then throws.
 */
export async function openRuntime(config: Config, opts: RuntimeOptions): Promise<Runtime> {
  requireProductionSettings(config);
  const closers: Array<() => Promise<void>> = [];
  let closed: Promise<void> | undefined;
  const close = () => {
    // Every part is closed even if one fails (the lock is released last, whatever happened); the first error is thrown.
    closed ??= (async () => {
      const errors: unknown[] = [];
      for (const c of closers.reverse()) await c().catch((err: unknown) => errors.push(err));
      if (errors.length > 0) throw errors[0];
    })();
    return closed;
  };
  try {
    // Before anything in the data directory is created or changed: one process owns an embedded
    // database. Held until close(), which a failed start calls too.
    if (!config.databaseUrl && !opts.database?.inMemory) {
      const lock = await lockDataDir(config.dataDir);
      closers.push(() => lock.release());
    }
    const secrets = loadSecrets(config);
    const log = pino(loggerOptions(config));
    const database = await openDatabase({
      databaseUrl: config.databaseUrl,
      pgliteDir: opts.database?.inMemory ? undefined : pgliteDirOf(config.dataDir),
      searchPath: opts.database?.searchPath,
      preparedStatements: config.pgPreparedStatements,
    });
    closers.push(() => database.close());
    if (config.databaseUrl)
      await waitForDatabase(database.db, { url: config.databaseUrl, deadlineMs: config.dbConnectTimeoutMs, log });
    if (opts.migrate) await migrate(database.db);
    const clock = opts.clock ?? systemClock;
    const tokenCrypto = await openTokenCrypto(config, secrets.masterKey, database.db, clock);
    const platforms = await startPlatforms(config.platforms, { runSandbox: opts.runSandbox, log, clock });
    closers.push(() => platforms.close());
    const metrics = createMetrics();
    observeDatabase(metrics, { db: database.db, clock, pgPool: database.pgPool });
    const api = opts.api ? apiLimits(config, database, opts.rateLimitBudgets, metrics) : undefined;
    if (api) closers.push(api.close);
    return {
      config,
      database,
      db: database.db,
      clock,
      log,
      tokenCrypto,
      adminToken: secrets.adminToken,
      platforms,
      metrics,
      limits: api?.limits,
      fault: config.testFaults ? testFaultHook(config.testFaults) : undefined,
      pause: config.testPause ? testPause(config.testPause) : undefined,
      close,
    };
  } catch (err) {
    await close().catch(() => {}); // the start-up's own error is the one worth reporting
    throw err;
  }
}

function apiLimits(config: Config, database: DatabaseHandle, budgets: typeof BUDGETS | undefined, metrics: Metrics) {
  const { store, close } = rateLimitStore(config, database);
  const limits = {
    rateLimiter: createRateLimiter(store, { budgets, onStoreError: metrics.rateLimitStoreError }),
    failedAuthLimiter: createFailedAuthLimiter({ perMinute: config.authFailuresPerMinute }),
  };
  return { limits, close };
}

function rateLimitStore(config: Config, handle: DatabaseHandle): { store: RateLimitStore; close: () => Promise<void> } {
  if (config.rateLimitStore === 'redis') {
    const client = new Redis(config.redisUrl!, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    client.on('error', () => {}); // the limiter falls back to memory; ioredis reconnects by itself
    return { store: { kind: 'redis', client }, close: async () => void client.disconnect() };
  }
  if (config.rateLimitStore === 'postgres' && handle.counterPool)
    return {
      store: { kind: 'postgres', pool: handle.counterPool, preparedStatements: config.pgPreparedStatements },
      close: async () => {},
    };
  return { store: { kind: 'memory' }, close: async () => {} };
}
