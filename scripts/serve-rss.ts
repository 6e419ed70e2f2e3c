// Idle resident memory of a real `layers serve` process: spawn it, wait for /readyz, idle, read
// VmRSS (and the peak, VmHWM) from /proc/PID/status. Linux only. The bench can import
// measureServeRss; run directly it prints the three cases of docs/operations.md#memory:
//   node --import tsx scripts/serve-rss.ts [--database-url URL] [--idle-ms 5000]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const BIN = fileURLToPath(new URL('../bin/layers.mjs', import.meta.url));

export type ServeRss = { rssMb: number; peakMb: number; readyMs: number };

export type ServeRssOptions = {
  /** PostgreSQL URL; unset: the embedded database in dataDir. */
  databaseUrl?: string;
  /** PostgreSQL schema (created by the caller, or migrated by serve). */
  searchPath?: string;
  /** Data directory (created if missing); a fresh temporary one when unset. */
  dataDir?: string;
  idleMs?: number;
  /** Extra environment for the server. */
  env?: NodeJS.ProcessEnv;
};

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `layers serve` (port 0, no banner), waits until /readyz answers 200, idles, reads its memory, stops it. */
export async function measureServeRss(opts: ServeRssOptions = {}): Promise<ServeRss> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'layers-rss-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    PORT: '0',
    LAYERS_BANNER: '0',
    LAYERS_DATA_DIR: dataDir,
    LAYERS_SANDBOX_PORT: '0',
    LOG_LEVEL: 'warn',
    ...opts.env,
  };
  delete env.DATABASE_URL;
  if (opts.databaseUrl) {
    const url = new URL(opts.databaseUrl);
    if (opts.searchPath) url.searchParams.set('options', `-c search_path=${opts.searchPath}`);
    env.DATABASE_URL = url.toString();
  }
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = once(child, 'exit');
  try {
    const serverFile = path.join(dataDir, 'server.json');
    let readyMs = 0;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`layers serve exited with ${child.exitCode}`);
      if (fs.existsSync(serverFile)) {
        const { url } = JSON.parse(fs.readFileSync(serverFile, 'utf8')) as { url: string };
        const res = await fetch(`${url}/readyz`).catch(() => undefined);
        if (res?.status === 200) {
          readyMs = performance.now() - started;
          break;
        }
      }
      if (performance.now() - started > 120_000) throw new Error('layers serve not ready after 120 s');
      await sleep(100);
    }
    await sleep(opts.idleMs ?? 5_000);
    const pid = child.pid!;
    return { rssMb: statusKb(pid, 'VmRSS') / 1024, peakMb: statusKb(pid, 'VmHWM') / 1024, readyMs };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

async function main() {
  const args = process.argv.slice(2);
  const arg = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const idleMs = Number(arg('--idle-ms') ?? 5_000);
  const databaseUrl =
    arg('--database-url') ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-rss-'));
  const show = (name: string, r: ServeRss) =>
    console.log(
      `${name.padEnd(18)} idle RSS ${r.rssMb.toFixed(0)} MB  peak ${r.peakMb.toFixed(0)} MB  ready in ${r.readyMs.toFixed(0)} ms`,
    );
  try {
    show('pglite, fresh', await measureServeRss({ dataDir, idleMs }));
    show('pglite, reopened', await measureServeRss({ dataDir, idleMs }));
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const pgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-rss-'));
  const searchPath = `rss_${process.pid}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${searchPath}`);
    show('postgres', await measureServeRss({ databaseUrl, searchPath, dataDir: pgDir, idleMs }));
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${searchPath} CASCADE`);
    await admin.end();
    fs.rmSync(pgDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
