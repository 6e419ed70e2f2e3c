import type { Logger } from 'pino';
import type { Runtime } from '../runtime.js';
import type { WorkerDeps } from './deps.js';
import { type RunningWorker, startWorker } from './index.js';

/**
 * The worker dependencies of a process: live accounts through the configured platforms, test
 * accounts through the sandbox.
 */
export function processWorkerDeps(rt: Runtime, log: Logger, stopping: AbortSignal): WorkerDeps {
  return {
    db: rt.db,
    clock: rt.clock,
    tokenCrypto: rt.tokenCrypto,
    adapters: rt.platforms.live,
    testAdapters: rt.platforms.test,
    log,
    // LAYERS_WEBHOOK_ALLOW_LOOPBACK, as the API accepts them (docs/webhooks.md)
    webhookAllowLoopback: rt.config.webhookAllowLoopback,
    fault: rt.pause?.(log, stopping),
    keyRotationIntervalMs: rt.config.keyRotationIntervalMs,
    dbKind: rt.database.kind,
    dbMaintenanceIntervalMs: rt.config.dbMaintenanceIntervalMs,
    metrics: rt.metrics,
  };
}

/**
 * The worker of a process (`layers serve` in-process, or `layers worker`): passes every
 * `intervalMs` until stop(), which lets the pass in flight finish what it claimed.
 */
export function startProcessWorker(rt: Runtime, log: Logger, opts: { intervalMs?: number } = {}): RunningWorker {
  const stopping = new AbortController();
  const worker = startWorker(processWorkerDeps(rt, log, stopping.signal), { intervalMs: opts.intervalMs });
  return {
    ...worker,
    stop: () => {
      stopping.abort();
      return worker.stop();
    },
  };
}
