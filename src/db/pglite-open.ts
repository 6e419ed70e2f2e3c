import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { PGlite, PGliteOptions } from '@electric-sql/pglite';

// How the embedded database is opened, for a small, steady memory footprint (docs/operations.md#memory).
//
// PGlite's PostgreSQL lives in one WebAssembly memory, which grows and never shrinks, and every
// page it touches stays resident:
// - shared_buffers (PostgreSQL's default 128 MB) is touched whole at start-up. 16 MB: the page
//   cache behind it is the operating system's, and a page read is one pread.
// - maintenance_work_mem (default 64 MB) bounds what VACUUM, ANALYZE and CREATE INDEX allocate,
//   and so how far one of them can grow the memory for good.
// - initdb of a new directory runs a second WebAssembly instance whose memory (≈ 500 MB with the
//   first one's growth) a process never gives back: it runs in a short-lived child process, so
//   the server only ever opens an existing database.
export const PGLITE_SETTINGS = { shared_buffers: '16MB', maintenance_work_mem: '16MB' } as const;

const run = promisify(execFile);

/** Opens the embedded database in `dir` (created by a child process when new), or one in memory. */
export async function openPglite(dir: string | undefined, options: Pick<PGliteOptions, 'parsers'>): Promise<PGlite> {
  const { PGlite } = await import('@electric-sql/pglite');
  if (dir) await initDataDirOnce(dir);
  const settings = Object.entries(PGLITE_SETTINGS).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  return PGlite.create(dir, { ...options, startParams: [...PGlite.defaultStartParams, ...settings] });
}

/** True once `dir` holds an initialised database (initdb writes PG_VERSION). */
export const isInitialised = (dir: string) => fs.existsSync(path.join(dir, 'PG_VERSION'));

/**
 * A new (missing or empty) `dir` becomes a database: a child process runs initdb into a sibling
 * directory, which is then renamed into place, so an interrupted first start leaves no half
 * database behind. The caller holds the data directory's lock.
 */
export async function initDataDirOnce(dir: string): Promise<void> {
  if (isInitialised(dir)) return;
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
    throw new Error(`${dir} holds files but no database (no PG_VERSION): move it away to start a new one`);
  }
  const staging = `${dir}.init`;
  fs.rmSync(staging, { recursive: true, force: true }); // left by an interrupted first start
  fs.mkdirSync(staging, { recursive: true, mode: 0o700 });
  const script =
    'const { PGlite } = await import(process.env.PGLITE_MODULE);' +
    'const db = await PGlite.create(process.env.PGLITE_DIR); await db.close();';
  try {
    await run(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, PGLITE_MODULE: import.meta.resolve('@electric-sql/pglite'), PGLITE_DIR: staging },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(`initialising the embedded database in ${dir} failed: ${stderr.slice(-500) || err}`);
  }
  if (!isInitialised(staging)) throw new Error(`initialising the embedded database in ${dir} wrote no PG_VERSION`);
  if (fs.existsSync(dir)) fs.rmdirSync(dir); // empty (checked above)
  fs.renameSync(staging, dir);
}
