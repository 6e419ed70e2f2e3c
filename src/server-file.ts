import fs from 'node:fs';
import path from 'node:path';
import { currentProcess, type Holder, isHolderAlive } from './data-dir-holder.js';

// <dataDir>/server.json: where a running `layers serve` listens, for `--port 0` and the admin
// commands. Written once the server listens, removed when it stops (only by the process that
// wrote it); one left by a crash is recognised as stale by whoever reads it.

export type ServerFile = {
  url: string;
  pid: number;
  database: string;
  sandboxUrl?: string;
  /** The writer's start time and pid namespace (src/data-dir-holder.ts): a reused pid is not it. */
  startTime?: string | null;
  where?: string;
};

const NAME = 'server.json';

/** Written whole or not at all (temp file + rename): a reader polling for the file never sees half of it. */
export function writeJsonFile(dir: string, name: string, value: unknown) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, name);
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}

export function writeServerFile(dir: string, info: Omit<ServerFile, 'pid' | 'startTime' | 'where'>) {
  const self = currentProcess();
  writeJsonFile(dir, NAME, { ...info, pid: self.pid, startTime: self.startTime, where: self.where });
}

/** Removes DIR/server.json if this process wrote it (a newer server's file stays). Synchronous: safe in 'exit'. */
export function removeServerFile(dir: string) {
  if (readServerFile(dir)?.pid === process.pid) fs.rmSync(path.join(dir, NAME), { force: true });
}

export function readServerFile(dir: string): ServerFile | undefined {
  const raw = readDataFile(dir, NAME);
  if (!raw) return undefined;
  try {
    const info = JSON.parse(raw) as ServerFile;
    return typeof info.url === 'string' && Number.isInteger(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

/**
 * False when the process that wrote the file no longer runs here. A writer in another pid
 * namespace (another container) cannot be checked: counted alive, the connection then tells.
 */
export function serverProcessAlive(info: ServerFile): boolean {
  if (info.where === undefined) return true;
  const holder: Holder = { pid: info.pid, startTime: info.startTime ?? null, where: info.where, host: '', since: '' };
  return isHolderAlive(holder, Date.now(), Number.POSITIVE_INFINITY);
}

/** What an admin command says when server.json names a server that is gone (exit 3). */
export function notRunningMessage(dir: string, info: ServerFile): string {
  return (
    `No server is running (stale server.json from pid ${info.pid} at ${path.join(dir, NAME)}); ` +
    'start one with `npm start`'
  );
}

/** Reads a value the server left in the data directory (admin CLI defaults), if any. */
export function readDataFile(dir: string, name: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dir, name), 'utf8').trim();
  } catch {
    return undefined;
  }
}
