import type pg from 'pg';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from './clock.js';
import type { Db } from './db/client.js';
import { QUEUE_NAMES, queueDepth } from './db/queries/queue-depths.js';

/**
 * The Prometheus metrics of one process, on a registry of its own (never prom-client's global
 * one): a test builds several apps in one process, each with its own counters. Names and labels
 * are listed in docs/operations.md ("Metrics").
 */
export type Metrics = ReturnType<typeof createMetrics>;

/** The answers the guards give (docs/guards.md): 401, 403, 429, 503. */
const GUARD_STATUSES = new Set([401, 403, 429, 503]);

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry }); // process_* and nodejs_*: CPU, memory, event-loop lag
  const requestDuration = new Histogram({
    name: 'layers_http_request_duration_seconds',
    help: 'API request duration by route template, method and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const guardRejections = new Counter({
    name: 'layers_guard_rejections_total',
    help: 'Requests refused by a guard (401, 403, 429, 503), by error code',
    labelNames: ['code', 'status_code'],
    registers: [registry],
  });
  const rateLimitStoreErrors = new Counter({
    name: 'layers_rate_limit_store_errors_total',
    help: 'Rate-limit checks the shared store (PostgreSQL, Redis) failed; the process-memory limiter answered instead',
    registers: [registry],
  });
  const workerPassDuration = new Histogram({
    name: 'layers_worker_pass_duration_seconds',
    help: 'Duration of one worker pass (every job once)',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const workerJobDuration = new Histogram({
    name: 'layers_worker_job_duration_seconds',
    help: 'Duration of one run of a worker job',
    labelNames: ['job'],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const workerJobRuns = new Counter({
    name: 'layers_worker_job_runs_total',
    help: 'Worker job runs by outcome: ok, error (the job failed as a whole), skipped (shutting down)',
    labelNames: ['job', 'outcome'],
    registers: [registry],
  });

  return {
    registry,
    /** One finished API request; a guard's refusal is counted by its code as well. */
    observeRequest(r: { method: string; route: string; statusCode: number; seconds: number; errorCode?: string }) {
      requestDuration.observe({ method: r.method, route: r.route, status_code: String(r.statusCode) }, r.seconds);
      if (r.errorCode && GUARD_STATUSES.has(r.statusCode))
        guardRejections.inc({ code: r.errorCode, status_code: String(r.statusCode) });
    },
    rateLimitStoreError: () => rateLimitStoreErrors.inc(),
    observeWorkerJob(job: string, outcome: 'ok' | 'error' | 'skipped', seconds: number) {
      workerJobRuns.inc({ job, outcome });
      if (outcome !== 'skipped') workerJobDuration.observe({ job }, seconds);
    },
    observeWorkerPass: (seconds: number) => workerPassDuration.observe(seconds),
    /** The text exposition and its Content-Type. */
    async exposition() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

/**
 * Gauges read at scrape time: the PostgreSQL pool's clients (total, idle, waiting for one) and,
 * per queue, its depth and the age of its oldest item (one aggregate query each). PGlite has no
 * pool (one connection, every query serialized): no pool gauges there.
 */
export function observeDatabase(metrics: Metrics, source: { db: Db; clock: Clock; pgPool?: pg.Pool }) {
  const registers = [metrics.registry];
  const { pgPool } = source;
  if (pgPool) {
    new Gauge({
      name: 'layers_db_pool_clients',
      help: 'PostgreSQL pool: clients open (total), idle, and requests waiting for a client (waiting)',
      labelNames: ['state'],
      registers,
      collect() {
        this.set({ state: 'total' }, pgPool.totalCount);
        this.set({ state: 'idle' }, pgPool.idleCount);
        this.set({ state: 'waiting' }, pgPool.waitingCount);
      },
    });
  }
  // Both gauges come from one read per queue per scrape: the registry collects them at once, so
  // the second collect() joins the read the first started; the next scrape reads afresh.
  type Reading = Map<string, { depth: number; oldestAgeSeconds: number }>;
  let reading: Promise<Reading> | undefined;
  const readAll = async (): Promise<Reading> => {
    const now = source.clock.now();
    const out: Reading = new Map();
    for (const q of QUEUE_NAMES)
      out.set(q, await queueDepth(source.db, q, now).catch(() => ({ depth: NaN, oldestAgeSeconds: NaN })));
    return out;
  };
  const read = () => {
    reading ??= readAll().finally(() => {
      reading = undefined;
    });
    return reading;
  };
  new Gauge({
    name: 'layers_queue_depth',
    help:
      'Items waiting for the worker: due_posts, webhook_deliveries, upstream_revocations, outbox ' +
      '(NaN: the query failed)',
    labelNames: ['queue'],
    registers,
    async collect() {
      for (const [queue, v] of await read()) this.set({ queue }, v.depth);
    },
  });
  new Gauge({
    name: 'layers_queue_oldest_age_seconds',
    help: 'Age of the oldest waiting item per queue (0 when empty)',
    labelNames: ['queue'],
    registers,
    async collect() {
      for (const [queue, v] of await read()) this.set({ queue }, v.oldestAgeSeconds);
    },
  });
}
