import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { buildApp } from './app.js';
import { systemClock } from './clock.js';
import type { Config } from './config.js';
import type { AppDeps } from './context.js';
import { lockDataDir } from './data-dir-lock.js';
import { type DatabaseHandle, openDatabase, pgliteDirOf } from './db/client.js';
import { migrate } from './db/migrate.js';
import { createFailedAuthLimiter, createRateLimiter, type RateLimitStore } from './http/guards/rate-limit.js';
import { serializeRequest } from './http/log-redaction.js';
import { loadPlatformSettings } from './platforms/config.js';
import { type PlatformRuntime, startPlatforms } from './platforms/runtime.js';
import { loadSecrets, openTokenCrypto } from './secrets.js';
import { seedDemo } from './services/demo.js';
import { faultHookFromEnv } from './test-faults.js';
import type { RunningWorker } from './worker/index.js';
import { startProcessWorker } from './worker/process.js';
import { testPauseFromEnv } from './worker/test-pause.js';

export function loggerOptions(config: Config) {
  return {
    level: config.logLevel,
    // Belt and braces: no request serializer logs headers, but a credential must never reach a log line.
    redact: ['req.headers.authorization', 'headers.authorization', '*.accessToken', '*.refreshToken', '*.key'],
    serializers: { req: serializeRequest }, // request lines: query credentials (OAuth code and state, tokens) redacted
  };
}

// A duplicate idempotent request waits this long for the first before 409 in_progress.
const IDEMPOTENCY_WAIT_MS = 10_000;

function rateLimitStore(config: Config, handle: DatabaseHandle): { store: RateLimitStore; close: () => Promise<void> } {
  if (config.rateLimitStore === 'redis') {
    const client = new Redis(config.redisUrl!, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    client.on('error', () => {}); // the limiter falls back to memory; ioredis reconnects by itself
    return { store: { kind: 'redis', client }, close: async () => void client.disconnect() };
  }
  if (config.rateLimitStore === 'postgres' && handle.counterPool)
    return { store: { kind: 'postgres', pool: handle.counterPool }, close: async () => {} };
  return { store: { kind: 'memory' }, close: async () => {} };
}

export function openConfiguredDatabase(config: Config): Promise<DatabaseHandle> {
  return openDatabase({ databaseUrl: config.databaseUrl, pgliteDir: pgliteDirOf(config.dataDir) });
}

/**
 * config → database → migrations → sandbox platform (development) → app → listen → worker
 * (unless `worker: false`). Returns once the server accepts requests.
 */
export async function startServer(config: Config, opts: { demo?: boolean; worker?: boolean } = {}) {
  const platformSettings = loadPlatformSettings(process.env, config.nodeEnv);
  const fault = faultHookFromEnv(process.env.LAYERS_TEST_FAULTS, config.nodeEnv); // test-only: src/test-faults.ts
  const pause = testPauseFromEnv(process.env.LAYERS_TEST_PAUSE, config.nodeEnv); // test-only: src/worker/test-pause.ts
  // After the configuration is parsed, before anything in the data directory is created or
  // changed: one process owns an embedded database. Held until close(); a failed start's exit drops it.
  const lock = config.databaseUrl ? undefined : await lockDataDir(config.dataDir);
  const secrets = loadSecrets(config);
  const handle = await openConfiguredDatabase(config);
  await migrate(handle.db);
  const tokenCrypto = await openTokenCrypto(config, secrets.masterKey, handle.db, systemClock);
  const log = pino(loggerOptions(config));
  const platforms = await startPlatforms(platformSettings, { runSandbox: true, log });
  const limits = rateLimitStore(config, handle);
  const deps: AppDeps = {
    db: handle.db,
    dbKind: handle.kind,
    clock: systemClock,
    tokenCrypto,
    adminToken: secrets.adminToken,
    rateLimiter: createRateLimiter(limits.store),
    failedAuthLimiter: createFailedAuthLimiter({ perMinute: config.authFailuresPerMinute }),
    idempotencyWaitMs: IDEMPOTENCY_WAIT_MS,
    webhookAllowLoopback: config.webhookAllowLoopback, // off unless LAYERS_WEBHOOK_ALLOW_LOOPBACK=1 (docs/webhooks.md)
    fault,
    // Live keys use the configured platforms (the sandbox in development); lp_test_ keys always the sandbox.
    platforms: { live: platforms.live, test: platforms.test },
    publicUrl: config.publicUrl,
    issueFixtureToken: platforms.issueFixtureToken,
  };
  const app = await buildApp(deps, { logger: loggerOptions(config), trustProxy: config.trustProxy });
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const baseUrl = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  deps.publicUrl ??= baseUrl;
  writeJson(config.dataDir, 'server.json', {
    url: baseUrl,
    pid: process.pid,
    database: handle.kind,
    sandboxUrl: platforms.sandboxUrl,
  });
  let demo: Awaited<ReturnType<typeof seedDemo>> | undefined;
  if (opts.demo) {
    demo = await seedDemo(
      { db: deps.db, clock: deps.clock, tokenCrypto: deps.tokenCrypto, issueFixtureToken: deps.issueFixtureToken },
      baseUrl,
    );
    writeJson(config.dataDir, 'demo.json', demo);
    app.log.info({ demoFile: path.join(config.dataDir, 'demo.json') }, 'demo data seeded');
  }
  const worker =
    opts.worker === false
      ? undefined
      : startProcessWorker({
          db: handle.db,
          tokenCrypto,
          platforms,
          log: log.child({ component: 'worker' }),
          nodeEnv: config.nodeEnv,
          pause,
          keyRotationIntervalMs: config.keyRotationIntervalMs,
          webhookAllowLoopback: config.webhookAllowLoopback,
        });
  app.log.info({ url: baseUrl, database: handle.kind, worker: worker !== undefined }, 'layers API listening');
  return {
    app,
    baseUrl,
    demo,
    sandboxUrl: platforms.sandboxUrl,
    close: () => closeServer(app, worker, platforms, handle, limits.close).finally(() => lock?.release()),
  };
}

/** Stop accepting and finish in-flight requests while the worker finishes its claimed jobs; then the rest. */
async function closeServer(
  app: FastifyInstance,
  worker: RunningWorker | undefined,
  platforms: PlatformRuntime,
  handle: DatabaseHandle,
  closeLimits: () => Promise<void>,
) {
  await Promise.all([app.close(), worker?.stop()]);
  await platforms.close(); // after the worker: its last platform calls may go to the in-process sandbox
  await closeLimits();
  await handle.close();
}

/** Written whole or not at all (temp file + rename): a reader polling for the file never sees half of it. */
function writeJson(dir: string, name: string, value: unknown) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, name);
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}
