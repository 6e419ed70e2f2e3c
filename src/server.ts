import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import type { AppDeps } from './context.js';
import { startMetricsServer } from './metrics-server.js';
import { loggerOptions, openRuntime, type Runtime } from './runtime.js';
import { removeServerFile, writeJsonFile, writeServerFile } from './server-file.js';
import { seedDemo } from './services/demo.js';
import { portError, requireFreePort } from './startup.js';
import type { RunningWorker } from './worker/index.js';
import { startProcessWorker } from './worker/process.js';

// A duplicate idempotent request waits this long for the first before 409 in_progress.
const IDEMPOTENCY_WAIT_MS = 10_000;

/** What the API's requests are given, from a runtime opened with `api: true`. */
export function appDeps(rt: Runtime): AppDeps {
  if (!rt.limits) throw new Error('appDeps: open the runtime with api: true');
  return {
    db: rt.db,
    dbKind: rt.database.kind,
    clock: rt.clock,
    tokenCrypto: rt.tokenCrypto,
    adminToken: rt.adminToken,
    rateLimiter: rt.limits.rateLimiter,
    failedAuthLimiter: rt.limits.failedAuthLimiter,
    idempotencyWaitMs: IDEMPOTENCY_WAIT_MS,
    // off unless LAYERS_WEBHOOK_ALLOW_LOOPBACK=1 (docs/webhooks.md)
    webhookAllowLoopback: rt.config.webhookAllowLoopback,
    fault: rt.fault,
    // Live keys use the configured platforms (the sandbox in development); lp_test_ keys always the sandbox.
    platforms: { live: rt.platforms.live, test: rt.platforms.test },
    publicUrl: rt.config.publicUrl,
    issueFixtureToken: rt.platforms.issueFixtureToken,
    metrics: rt.metrics,
    consoleSecureCookie: rt.config.nodeEnv !== 'development',
  };
}

/**
 * `layers serve`: the runtime (src/runtime.ts) → app → listen → server.json → demo data → worker
 * (unless `worker: false`). Returns once the server accepts requests.
 */
export async function startServer(config: Config, opts: { demo?: boolean; worker?: boolean } = {}) {
  // A taken port stops us before the data directory is locked, created or migrated.
  await requireFreePort(config.port, config.host);
  if (config.metrics.port !== undefined)
    await requireFreePort(config.metrics.port, config.metrics.host, 'Metrics port');
  const rt = await openRuntime(config, { migrate: true, api: true, runSandbox: true });
  const deps = appDeps(rt);
  const app = await buildApp(deps, { logger: loggerOptions(config), trustProxy: config.trustProxy });
  const metricsServer = await listenOrClose(rt, app, async () => {
    await app.listen({ port: config.port, host: config.host });
    return config.metrics.port === undefined
      ? undefined
      : startMetricsServer({
          ...config.metrics,
          port: config.metrics.port,
          metrics: rt.metrics,
          db: rt.db,
          log: rt.log,
        });
  });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const baseUrl = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  deps.publicUrl ??= baseUrl;
  writeServerFile(config.dataDir, { url: baseUrl, database: rt.database.kind, sandboxUrl: rt.platforms.sandboxUrl });
  // Gone with the server: on close, and on any exit that skips it (a second signal, a lost lock).
  const forget = () => removeServerFile(config.dataDir);
  process.once('exit', forget);
  let demo: Awaited<ReturnType<typeof seedDemo>> | undefined;
  if (opts.demo) {
    demo = await seedDemo(
      { db: deps.db, clock: deps.clock, tokenCrypto: deps.tokenCrypto, issueFixtureToken: deps.issueFixtureToken },
      baseUrl,
    );
    writeJsonFile(config.dataDir, 'demo.json', demo);
    app.log.info({ demoFile: path.join(config.dataDir, 'demo.json') }, 'demo data seeded');
  }
  const worker = opts.worker === false ? undefined : startProcessWorker(rt, rt.log.child({ component: 'worker' }));
  app.log.info(
    { url: baseUrl, database: rt.database.kind, worker: worker !== undefined, metricsUrl: metricsServer?.url },
    'layers API listening',
  );
  return {
    app,
    baseUrl,
    demo,
    sandboxUrl: rt.platforms.sandboxUrl,
    metricsUrl: metricsServer?.url,
    close: () => {
      process.off('exit', forget);
      forget(); // first: the listener closes at once, so admin commands learn the server is stopping
      return closeServer(app, worker, rt, metricsServer);
    },
  };
}

/** Binds the ports; a port taken since the probe closes what was opened and stops with one line. */
async function listenOrClose<T>(rt: Runtime, app: FastifyInstance, listen: () => Promise<T>): Promise<T> {
  try {
    return await listen();
  } catch (err) {
    await app.close().catch(() => {});
    await rt.close().catch(() => {});
    const e = err as NodeJS.ErrnoException & { port?: number; address?: string };
    throw e.port === undefined ? err : portError(e, e.port, e.address ?? '');
  }
}

/** Stop accepting and finish in-flight requests while the worker finishes its claimed jobs; then the rest. */
async function closeServer(
  app: FastifyInstance,
  worker: RunningWorker | undefined,
  rt: Runtime,
  metricsServer: { close(): Promise<void> } | undefined,
) {
  await Promise.all([app.close(), worker?.stop()]);
  await metricsServer?.close();
  await rt.close(); // after the worker: its last platform calls may go to the in-process sandbox
}
