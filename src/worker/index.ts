import { type RotationResult, rotateKeyRingIfDue } from '../crypto/key-ring-rotation.js';
import { type MaintenanceSummary, maintainIfDue } from './db-maintenance.js';
import type { WorkerDeps } from './deps.js';
import { type IdempotencyReapSummary, reapExpiredIdempotencyKeys } from './idempotency-reaper.js';
import { type LeaseRenewalSummary, runLeaseRenewals } from './lease-renewals.js';
import { expandPostCancellations, type PostCancellationSummary } from './post-cancellations.js';
import { type PublisherSummary, runPublisher } from './publisher.js';
import { runTokenRefresh, type TokenRefreshSummary } from './token-refresh.js';
import { runUpstreamRevocations, type UpstreamRevocationSummary } from './upstream-revocation.js';
import { type DeliverySummary, deliverDue, dispatchOutbox } from './webhook-delivery.js';

export type { WorkerDeps } from './deps.js';

// 5 s: an upstream revocation starts within seconds of the revoke's commit, and a post published
// "now" goes out within seconds; an idle pass is a handful of indexed queries that find nothing.
const DEFAULT_INTERVAL_MS = 5_000;

type JobResult<T> = T | { error: string } | { skipped: 'stopping' };

export type WorkerPass = {
  postCancellations: JobResult<PostCancellationSummary>;
  upstreamRevocations: JobResult<UpstreamRevocationSummary>;
  tokenRefresh: JobResult<TokenRefreshSummary>;
  publisher: JobResult<PublisherSummary>;
  leaseRenewals: JobResult<LeaseRenewalSummary>;
  webhookDispatch: JobResult<{ events: number; deliveries: number }>;
  webhookDelivery: JobResult<DeliverySummary>;
  keyRotation: JobResult<RotationResult | { due: false }>;
  idempotencyKeys: JobResult<IdempotencyReapSummary>;
  dbMaintenance: JobResult<MaintenanceSummary>;
};

/**
 * One pass of every job, in order. A job that fails as a whole (database down) is logged and
 * reported in the result; the other jobs still run. Once `deps.signal` is aborted (shutdown),
 * jobs not yet started are skipped; a started one finishes what it claimed.
 */
export async function runOnce(deps: WorkerDeps): Promise<WorkerPass> {
  const seconds = (since: number) => (performance.now() - since) / 1000;
  const guard = async <T>(job: string, fn: () => Promise<T>): Promise<JobResult<T>> => {
    if (deps.signal?.aborted) {
      deps.metrics?.observeWorkerJob(job, 'skipped', 0);
      return { skipped: 'stopping' };
    }
    const started = performance.now();
    try {
      const result = await fn();
      deps.metrics?.observeWorkerJob(job, 'ok', seconds(started));
      return result;
    } catch (err) {
      deps.metrics?.observeWorkerJob(job, 'error', seconds(started));
      deps.log.error({ err, job }, 'worker job failed');
      return { error: (err as Error)?.message ?? String(err) };
    }
  };
  const started = performance.now();
  const pass = await runJobs(deps, guard);
  deps.metrics?.observeWorkerPass(seconds(started));
  return pass;
}

type Guard = <T>(job: string, fn: () => Promise<T>) => Promise<JobResult<T>>;

async function runJobs(deps: WorkerDeps, guard: Guard): Promise<WorkerPass> {
  return {
    // First: a bulk cancel's per-post events then leave with this pass's webhook dispatch.
    postCancellations: await guard('post-cancellations', () => expandPostCancellations(deps)),
    upstreamRevocations: await guard('upstream-revocation', () => runUpstreamRevocations(deps)),
    tokenRefresh: await guard('token-refresh', () => runTokenRefresh(deps)),
    publisher: await guard('publisher', () => runPublisher(deps)),
    leaseRenewals: await guard('lease-renewals', () => runLeaseRenewals(deps)),
    webhookDispatch: await guard('webhook-dispatch', () => dispatchOutbox(deps)),
    webhookDelivery: await guard('webhook-delivery', () => deliverDue(deps)),
    // Housekeeping last: it never delays a job a partner waits for.
    keyRotation: await guard('key-rotation', async () =>
      deps.keyRotationIntervalMs === undefined
        ? { due: false as const }
        : rotateKeyRingIfDue(deps, deps.keyRotationIntervalMs),
    ),
    idempotencyKeys: await guard('idempotency-reaper', () => reapExpiredIdempotencyKeys(deps)),
    // Last of all: the embedded database's VACUUM / ANALYZE (PostgreSQL: autovacuum's job, skipped).
    dbMaintenance: await guard('db-maintenance', () =>
      maintainIfDue({ ...deps, intervalMs: deps.dbMaintenanceIntervalMs, now: () => performance.now() }),
    ),
  };
}

export type RunningWorker = {
  runOnce(): Promise<WorkerPass>;
  /** Aborted once stop() is called. */
  signal: AbortSignal;
  /** Stops scheduling passes and waits for the one in progress, if any. */
  stop(): Promise<void>;
};

/**
 * Runs a pass, waits `intervalMs`, runs the next: passes never overlap within one worker.
 * stop() aborts `signal` for the pass in flight (it finishes its claimed work, claims no more).
 */
export function startWorker(deps: WorkerDeps, opts: { intervalMs?: number } = {}): RunningWorker {
  const intervalMs = opts.intervalMs ?? DEFAULT_INTERVAL_MS;
  const stopping = new AbortController();
  const running = { ...deps, signal: stopping.signal };
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> | undefined;

  const tick = async () => {
    timer = undefined;
    current = runOnce(running).catch((err: unknown) => deps.log.error({ err }, 'worker pass failed'));
    await current;
    current = undefined;
    if (!stopping.signal.aborted) timer = setTimeout(tick, intervalMs);
  };
  timer = setTimeout(tick, 0);
  deps.log.info({ intervalMs }, 'worker started');

  return {
    runOnce: () => runOnce(running),
    signal: stopping.signal,
    async stop() {
      stopping.abort();
      if (timer) clearTimeout(timer);
      await current;
      deps.log.info('worker stopped');
    },
  };
}
