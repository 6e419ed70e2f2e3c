import type { WorkerDeps } from './deps.js';
import { runTokenRefresh, type TokenRefreshSummary } from './token-refresh.js';
import { runUpstreamRevocations, type UpstreamRevocationSummary } from './upstream-revocation.js';

export type { WorkerDeps } from './deps.js';

// 5 s: an upstream revocation starts within seconds of the revoke's commit; an idle pass is
// two indexed queries that find nothing.
const DEFAULT_INTERVAL_MS = 5_000;

export type WorkerPass = {
  upstreamRevocations: UpstreamRevocationSummary | { error: string };
  tokenRefresh: TokenRefreshSummary | { error: string };
};

/**
 * One pass of every job, in order. A job that fails as a whole (database down) is logged and
 * reported in the result; the other jobs still run.
 */
export async function runOnce(deps: WorkerDeps): Promise<WorkerPass> {
  const guard = async <T>(job: string, fn: () => Promise<T>): Promise<T | { error: string }> => {
    try {
      return await fn();
    } catch (err) {
      deps.log.error({ err, job }, 'worker job failed');
      return { error: (err as Error)?.message ?? String(err) };
    }
  };
  return {
    upstreamRevocations: await guard('upstream-revocation', () => runUpstreamRevocations(deps)),
    tokenRefresh: await guard('token-refresh', () => runTokenRefresh(deps)),
  };
}

export type RunningWorker = {
  runOnce(): Promise<WorkerPass>;
  /** Stops scheduling passes and waits for the one in progress, if any. */
  stop(): Promise<void>;
};

/** Runs a pass, waits `intervalMs`, runs the next: passes never overlap within one worker. */
export function startWorker(deps: WorkerDeps, opts: { intervalMs?: number } = {}): RunningWorker {
  const intervalMs = opts.intervalMs ?? DEFAULT_INTERVAL_MS;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> | undefined;

  const tick = async () => {
    timer = undefined;
    current = runOnce(deps).catch((err: unknown) => deps.log.error({ err }, 'worker pass failed'));
    await current;
    current = undefined;
    if (!stopped) timer = setTimeout(tick, intervalMs);
  };
  timer = setTimeout(tick, 0);
  deps.log.info({ intervalMs }, 'worker started');

  return {
    runOnce: () => runOnce(deps),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
      deps.log.info('worker stopped');
    },
  };
}
