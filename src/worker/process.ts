import type { Logger } from 'pino';
import { systemClock } from '../clock.js';
import type { TokenCrypto } from '../crypto/token-envelope.js';
import type { Db } from '../db/client.js';
import type { PlatformRuntime } from '../platforms/runtime.js';
import type { WorkerDeps } from './deps.js';
import { type RunningWorker, startWorker } from './index.js';
import type { testPauseFromEnv } from './test-pause.js';

type ProcessWorkerOptions = {
  db: Db;
  tokenCrypto: TokenCrypto;
  platforms: Pick<PlatformRuntime, 'live' | 'test'>;
  log: Logger;
  nodeEnv: 'development' | 'production' | 'test';
  pause?: ReturnType<typeof testPauseFromEnv>;
  keyRotationIntervalMs?: number;
  webhookAllowLoopback?: boolean;
};

/**
 * The worker dependencies of a process: live accounts through the configured platforms, test
 * accounts through the sandbox.
 */
export function processWorkerDeps(o: ProcessWorkerOptions, stopping: AbortSignal): WorkerDeps {
  return {
    db: o.db,
    clock: systemClock,
    tokenCrypto: o.tokenCrypto,
    adapters: o.platforms.live,
    testAdapters: o.platforms.test,
    log: o.log,
    // LAYERS_WEBHOOK_ALLOW_LOOPBACK, as the API accepts them (docs/webhooks.md)
    webhookAllowLoopback: o.webhookAllowLoopback,
    fault: o.pause?.(o.log, stopping),
    keyRotationIntervalMs: o.keyRotationIntervalMs,
  };
}

/**
 * The worker of a process (`layers serve` in-process, or `layers worker`): passes every
 * `intervalMs` until stop(), which lets the pass in flight finish what it claimed.
 */
export function startProcessWorker(o: ProcessWorkerOptions & { intervalMs?: number }): RunningWorker {
  const stopping = new AbortController();
  const worker = startWorker(processWorkerDeps(o, stopping.signal), { intervalMs: o.intervalMs });
  return {
    ...worker,
    stop: () => {
      stopping.abort();
      return worker.stop();
    },
  };
}
