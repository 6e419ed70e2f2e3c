import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { DbKind } from './host.js';
import { adminQuery } from './host.js';
import { cost, type Figure } from './measurements.js';

const BIN = fileURLToPath(new URL('../bin/layers.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Resident memory (MiB) of a process, from /proc/PID/status. */
function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) / 1024;
}

/** Whether `layers` runs the compiled dist/ (as deployed) or src/ through tsx (more memory). */
export function runsDist(): boolean {
  const built = fs.statSync(path.join(ROOT, 'dist/BUILT'), { throwIfNoEntry: false });
  if (!built) return false;
  const newer = (dir: string): boolean =>
    fs.readdirSync(dir, { withFileTypes: true }).some((e) => {
      const f = path.join(dir, e.name);
      return e.isDirectory() ? newer(f) : fs.statSync(f).mtimeMs > built.mtimeMs;
    });
  return !newer(path.join(ROOT, 'src'));
}

/** Spawns `args` (node flags and script), waits for `ready`, idles `idleMs`, reads its RSS, stops it with SIGTERM. */
async function idleRss(args: string[], env: NodeJS.ProcessEnv, idleMs: number, ready: () => Promise<boolean>) {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = once(child, 'exit');
  try {
    const started = performance.now();
    while (!(await ready())) {
      if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode}`);
      if (performance.now() - started > 120_000) throw new Error(`${args.join(' ')}: not ready after 120 s`);
      await sleep(100);
    }
    await sleep(idleMs);
    return rssMb(child.pid!);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

/**
 * Idle memory of the real `layers serve` process (bin/layers.mjs, as `npm start` runs it) on a
 * fresh data directory / schema and again reopened, read from /proc/PID/status once /readyz
 * answers and it has idled `idleMs`; the baseline is an idle `node` process read the same way.
 */
export async function serveMemory(kind: DbKind, databaseUrl: string, idleMs: number): Promise<Figure[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-bench-serve-'));
  const schema = kind === 'postgres' ? `bench_serve_${randomBytes(6).toString('hex')}` : undefined;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    PORT: '0',
    LAYERS_BANNER: '0',
    LAYERS_DATA_DIR: dataDir,
    LAYERS_SANDBOX_PORT: '0',
    LOG_LEVEL: 'warn',
  };
  delete env.DATABASE_URL;
  if (schema) {
    await adminQuery(databaseUrl, `CREATE SCHEMA ${schema}`);
    const url = new URL(databaseUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    env.DATABASE_URL = url.toString();
  }
  const serverFile = path.join(dataDir, 'server.json');
  const ready = async () => {
    if (!fs.existsSync(serverFile)) return false;
    const { url } = JSON.parse(fs.readFileSync(serverFile, 'utf8')) as { url: string };
    return (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200;
  };
  try {
    const node = await idleRss(['-e', 'setInterval(() => {}, 1000)'], {}, idleMs, async () => true);
    const fresh = await idleRss([BIN, 'serve'], env, idleMs, ready);
    const reopened = await idleRss([BIN, 'serve'], env, idleMs, ready);
    const how = runsDist() ? 'dist/' : 'src/ via tsx';
    return [
      cost(kind, `layers serve idle RSS, fresh (${how})`, fresh, 'idle node RSS', node, 'MiB'),
      cost(kind, `layers serve idle RSS, reopened (${how})`, reopened, 'idle node RSS', node, 'MiB'),
    ];
  } finally {
    if (schema) await adminQuery(databaseUrl, `DROP SCHEMA ${schema} CASCADE`);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
