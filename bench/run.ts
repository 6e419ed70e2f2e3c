import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { BackendCpu, startCpu } from './cpu.js';
import type { DbKind, Host, HostOptions } from './host.js';
import { spawnHost } from './host-process.js';
import { type HttpClient, httpClient } from './load.js';
import {
  type BenchConfig,
  type Context,
  cost,
  type Extras,
  type Figure,
  FULL,
  listUnderLoad,
  QUICK,
  revokeOpenLoop,
  revokeUnderLoad,
} from './measurements.js';
import { aging, filteredLists, revokeScaling } from './measurements-seq.js';
import { runsDist, serveMemory } from './memory.js';
import { evaluateGoals, METHOD, type Report } from './report.js';

export type RunOptions = {
  quick: boolean;
  databases: DbKind[];
  databaseUrl: string;
  durationMs?: number;
  warmupMs?: number;
  logLevel: HostOptions['logLevel'];
  /** Extra node flags for the server process (e.g. --cpu-prof). */
  hostExecArgv?: string[];
  /** Only these load/sequential measurements (by name), no memory or aging figures: for A/B runs and profiles. */
  only?: string[];
  progress?: (msg: string) => void;
};

/** Under load, then sequential; the open loop needs the bare peak measured by revokeUnderLoad. */
export const MEASUREMENTS = [revokeUnderLoad, listUnderLoad, revokeOpenLoop, revokeScaling, filteredLists];
const ONLY: Partial<Record<string, DbKind>> = { revokeOpenLoop: 'postgres' };

/** Every measurement on every database, each against its own server process and fresh database. */
export async function runBench(opts: RunOptions): Promise<Report> {
  const progress = opts.progress ?? (() => {});
  const config: BenchConfig = {
    ...(opts.quick ? QUICK : FULL),
    ...(opts.durationMs ? { durationMs: opts.durationMs } : {}),
    ...(opts.warmupMs ? { warmupMs: opts.warmupMs } : {}),
  };
  const startedAt = new Date().toISOString();
  const loadAverage: Report['machine']['loadAverage'] = [{ at: 'start', load1: os.loadavg()[0]! }];
  const figures: Figure[] = [];
  const databases: Report['databases'] = [];
  const extras: Extras = { plans: [], statements: [], bareRevokePerSecond: {}, memoryAfterWarmup: {} };
  const spawn = (kind: DbKind) =>
    spawnHost({ kind, databaseUrl: opts.databaseUrl, logLevel: opts.logLevel }, opts.hostExecArgv);
  // The memory goal is about the deployed server: dist/ (src/ through tsx costs ~50 MB more). A
  // full run builds it when missing or stale; --quick measures whatever bin/layers.mjs runs.
  const { only } = opts;
  if (!opts.quick && !only && !runsDist()) {
    progress('npm run build: the memory figures are the built server’s');
    execFileSync('bash', [fileURLToPath(new URL('../scripts/build.sh', import.meta.url))], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  for (const kind of opts.databases) {
    if (!only) {
      progress(`${kind}: idle memory of layers serve (fresh, then reopened)`);
      figures.push(...(await serveMemory(kind, opts.databaseUrl, config.idleMs)));
    }
    progress(`${kind}: starting the server process and a fresh database`);
    const host = await spawn(kind);
    const { kind: k, serverVersion, driver, poolSize, rateLimitStore } = host.info;
    progress(`${kind}: server process ${host.info.pid} (for perf record -p: docs/performance.md)`);
    databases.push({ kind: k, serverVersion, driver, poolSize, rateLimitStore });
    await withServer(host, opts.databaseUrl, config, async (client, backends, floor) => {
      const cpu = () => startCpu(host.info.pid, backends);
      const ctx: Context = { host, client, floor, config, progress, extras, cpu };
      for (const measure of MEASUREMENTS) {
        if ((ONLY[measure.name] ?? kind) !== kind || (only && !only.includes(measure.name))) continue;
        progress(`${kind}: maintenance before ${measure.name}: ${await host.maintain()}`);
        loadAverage.push({ at: `${kind} ${measure.name}`, load1: os.loadavg()[0]! });
        figures.push(...(await measure(ctx)));
      }
      const [before, after] = [extras.memoryAfterWarmup[kind]!, await host.memory()];
      figures.push(
        cost(kind, 'server heap after the run (after GC)', after.heapMb, 'after warm-up', before.heapMb, 'MiB'),
        cost(kind, 'server RSS after the run', after.rssMb, 'after warm-up', before.rssMb, 'MiB'),
      );
    });
    if (kind !== 'pglite' || only) continue;
    progress(`${kind}: a fresh server and database for the aging measurement`);
    const fresh = await spawn(kind);
    await withServer(fresh, opts.databaseUrl, config, async (client) => {
      figures.push(...(await aging(fresh, client, { config, progress })));
    });
  }
  loadAverage.push({ at: 'end', load1: os.loadavg()[0]! });
  const cpus = os.cpus();
  return {
    startedAt,
    finishedAt: new Date().toISOString(),
    quick: opts.quick,
    config,
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model.trim() ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      loadAverage,
    },
    databases,
    figures,
    goals: evaluateGoals(figures, config),
    method: METHOD,
    plans: extras.plans,
    statements: extras.statements,
  };
}

/**
 * Runs fn with HTTP clients for the host's API and its floor (and its backends' CPU monitor on
 * PostgreSQL), then closes all.
 */
async function withServer(
  host: Host,
  databaseUrl: string,
  config: BenchConfig,
  fn: (client: HttpClient, backends: BackendCpu | undefined, floor: HttpClient) => Promise<void>,
) {
  const client = httpClient(host.info.apiUrl, config.concurrency);
  const floor = httpClient(host.info.floorUrl, config.concurrency);
  const { applicationName } = host.info;
  try {
    const backends = applicationName ? await BackendCpu.open(databaseUrl, applicationName) : undefined;
    try {
      await fn(client, backends, floor);
    } finally {
      await backends?.close();
    }
  } finally {
    await client.close();
    await floor.close();
    await host.close();
  }
}
