import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import type { CpuSpent } from './cpu.js';

/** What one load run measured: completed operations, their rate, and latency percentiles. */
export type LoadResult = {
  ops: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU per operation (ms) of the server, the PostgreSQL backends and the load client, when measured. */
  cpu?: CpuSpent;
};

export type LoadOptions = {
  /** Concurrent async loops, each awaiting one operation at a time (closed loop). */
  concurrency: number;
  /** Stop starting operations after this long. */
  durationMs: number;
  /** Never start more than this many (operations that consume a fixture each). */
  maxOps?: number;
  /** Untimed operations first, so JIT and connection set-up stay out of the figures. */
  warmupMs?: number;
  /** Operation number i (0-based, warm-up included); throws on failure. */
  op: (i: number) => Promise<unknown>;
};

/**
 * The one load loop of the bench, for HTTP requests and bare driver calls alike: `concurrency`
 * loops, each timing its own operations with performance.now(). Any failed operation fails the
 * run: a figure that counts errors (a 429, a 404) would measure the wrong thing.
 */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  let next = 0;
  const maxOps = opts.maxOps ?? Number.POSITIVE_INFINITY;
  if (opts.warmupMs) {
    const until = performance.now() + opts.warmupMs;
    await loops(opts.concurrency, async () => {
      while (performance.now() < until && next < maxOps) await opts.op(next++);
    });
  }
  const latencies: number[] = [];
  const start = performance.now();
  const until = start + opts.durationMs;
  let last = start;
  await loops(opts.concurrency, async () => {
    while (performance.now() < until && next < maxOps) {
      const t0 = performance.now();
      await opts.op(next++);
      last = performance.now();
      latencies.push(last - t0);
    }
  });
  if (latencies.length === 0) throw new Error('load run completed no operation (no fixtures left after warm-up?)');
  const seconds = (last - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    ops: latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  };
}

/** Starts a CPU measurement; the function it returns stops it. */
export type CpuMeter = () => Promise<() => Promise<CpuSpent>>;

/**
 * Contenders take turns in `rounds` slices (A B C, A B C, …), so a burst of load from elsewhere on
 * the machine hits each of them alike instead of one whole measurement. Each contender's result
 * sums its slices' operations, time and CPU; its p50/p99 are the median of its slices' percentiles.
 */
export async function interleave<K extends string>(
  rounds: number,
  contenders: Record<K, (round: number) => Promise<LoadResult>>,
  meter: CpuMeter,
): Promise<Record<K, LoadResult>> {
  const slices = new Map<K, LoadResult[]>();
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of Object.entries(contenders) as [K, (round: number) => Promise<LoadResult>][]) {
      const stop = await meter();
      const result = await run(round);
      result.cpu = perOp(await stop(), result.ops);
      slices.set(name, [...(slices.get(name) ?? []), result]);
    }
  }
  return Object.fromEntries([...slices].map(([name, results]) => [name, combine(results)])) as Record<K, LoadResult>;
}

const perOp = (c: CpuSpent, ops: number): CpuSpent => ({
  server: c.server / ops,
  backends: c.backends / ops,
  client: c.client / ops,
});

function combine(results: LoadResult[]): LoadResult {
  const ops = results.reduce((n, r) => n + r.ops, 0);
  const seconds = results.reduce((n, r) => n + r.seconds, 0);
  const sum = (k: keyof CpuSpent) => results.reduce((n, r) => n + (r.cpu?.[k] ?? Number.NaN) * r.ops, 0);
  return {
    ops,
    seconds,
    perSecond: ops / seconds,
    p50Ms: median(results.map((r) => r.p50Ms)),
    p99Ms: median(results.map((r) => r.p99Ms)),
    cpu: perOp({ server: sum('server'), backends: sum('backends'), client: sum('client') }, ops),
  };
}

/**
 * Open loop at a fixed arrival rate: operation i is due at start + i / rate, sent then whether or
 * not earlier ones have finished, and its latency runs from that intended time — a request the
 * client could not send on time (a late timer, a busy loop) still counts from when it was due, so
 * a stall shows in the tail instead of silently thinning the load (no coordinated omission).
 */
export async function runOpenLoop(opts: {
  perSecond: number;
  durationMs: number;
  op: (i: number) => Promise<unknown>;
}): Promise<LoadResult> {
  const n = Math.max(1, Math.floor((opts.perSecond * opts.durationMs) / 1000));
  const interval = 1000 / opts.perSecond;
  const latencies: number[] = new Array(n);
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < n; ) {
    const now = performance.now();
    for (; i < n && start + i * interval <= now; i++) {
      const due = start + i * interval;
      const k = i;
      inFlight.push(
        opts.op(k).then(() => {
          latencies[k] = performance.now() - due;
        }),
      );
    }
    if (i < n) await sleep(Math.max(0, start + i * interval - performance.now()));
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    ops: n,
    seconds,
    perSecond: n / seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  };
}

async function loops(n: number, body: () => Promise<void>) {
  const results = await Promise.allSettled(Array.from({ length: n }, body));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

/** Times `op` sequentially `reps` times and returns each latency (ms). */
export async function timeSequential(reps: number, op: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await op(i);
    out.push(performance.now() - t0);
  }
  return out;
}

export type HttpClient = ReturnType<typeof httpClient>;

/** Keep-alive HTTP/1.1 connections to one origin (one per concurrent loop, no pipelining). */
export function httpClient(origin: string, connections: number) {
  const pool = new Pool(origin, { connections, pipelining: 1 });
  return {
    /** One request; throws unless the status is the expected one. The body is read and dropped. */
    async send(method: 'GET' | 'DELETE', path: string, headers: Record<string, string>, expect = 200) {
      const res = await pool.request({ method, path, headers });
      if (res.statusCode !== expect) {
        throw new Error(
          `${method} ${path} → ${res.statusCode} (expected ${expect}): ${(await res.body.text()).slice(0, 300)}`,
        );
      }
      await res.body.dump();
    },
    /** Same, returning the parsed JSON body (for checks outside the timed loops). */
    async json(method: 'GET' | 'DELETE', path: string, headers: Record<string, string>): Promise<any> {
      const res = await pool.request({ method, path, headers });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`${method} ${path} → ${res.statusCode}: ${text.slice(0, 300)}`);
      return JSON.parse(text);
    },
    close: () => pool.close(),
  };
}
