import os from 'node:os';
import type { DbKind, HostOptions } from './host.js';
import { spawnHost } from './host-process.js';
import { httpClient } from './load.js';
import {
  type BenchConfig,
  type Context,
  type Figure,
  FULL,
  guardCosts,
  QUICK,
  readsUnderLoad,
  revokeScaling,
  revokeUnderLoad,
} from './measurements.js';
import { evaluateGoals, METHOD, type Report } from './report.js';

export type RunOptions = {
  quick: boolean;
  databases: DbKind[];
  databaseUrl: string;
  durationMs?: number;
  logLevel: HostOptions['logLevel'];
  /** Extra node flags for the server process (e.g. --cpu-prof). */
  hostExecArgv?: string[];
  progress?: (msg: string) => void;
};

const MEASUREMENTS = [revokeUnderLoad, readsUnderLoad, revokeScaling, guardCosts];

/** Every measurement on every database, each against its own server process and fresh database. */
export async function runBench(opts: RunOptions): Promise<Report> {
  const progress = opts.progress ?? (() => {});
  const config: BenchConfig = {
    ...(opts.quick ? QUICK : FULL),
    ...(opts.durationMs ? { durationMs: opts.durationMs } : {}),
  };
  const startedAt = new Date().toISOString();
  const loadStart = os.loadavg()[0]!;
  const figures: Figure[] = [];
  const databases: Report['databases'] = [];
  for (const kind of opts.databases) {
    progress(`${kind}: starting the server process and a fresh database`);
    const host = await spawnHost({ kind, databaseUrl: opts.databaseUrl, logLevel: opts.logLevel }, opts.hostExecArgv);
    const client = httpClient(host.info.apiUrl, config.concurrency);
    try {
      const { kind: k, serverVersion, driver, poolSize, rateLimitStore } = host.info;
      databases.push({ kind: k, serverVersion, driver, poolSize, rateLimitStore });
      const ctx: Context = { host, client, config, progress };
      for (const measure of MEASUREMENTS) figures.push(...(await measure(ctx)));
    } finally {
      await client.close();
      await host.close();
    }
  }
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
      loadAverage: { start: loadStart, end: os.loadavg()[0]! },
    },
    databases,
    figures,
    goals: evaluateGoals(figures, config.postCounts),
    method: METHOD,
  };
}
