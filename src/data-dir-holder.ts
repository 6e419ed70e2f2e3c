import fs from 'node:fs';
import os from 'node:os';

// Who holds a data directory's lock, and whether that process still runs: what lets a lock
// left by `kill -9` be taken over at once instead of after a heartbeat timeout.

export type Holder = {
  pid: number;
  /**
   * Linux: the process's start time (clock ticks since boot, /proc/<pid>/stat), so a reused pid is
   * not mistaken for the holder.
   */
  startTime: string | null;
  /** Where `pid` means this process: the boot and pid namespace on Linux, else the host name. */
  where: string;
  host: string;
  since: string;
};

let self: Holder | undefined;

export function currentProcess(): Holder {
  self ??= {
    pid: process.pid,
    startTime: procStat(process.pid)?.startTime ?? null,
    where: pidScope(),
    host: os.hostname(),
    since: new Date().toISOString(),
  };
  return self;
}

/** A marker's content, or undefined when it is not one (never half-written: markers appear whole). */
export function parseHolder(text: string): Holder | undefined {
  try {
    const h = JSON.parse(text) as Partial<Holder>;
    const valid =
      Number.isInteger(h.pid) &&
      h.pid! > 0 &&
      (h.startTime === null || typeof h.startTime === 'string') &&
      typeof h.where === 'string' &&
      typeof h.host === 'string';
    return valid ? (h as Holder) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * In our pid namespace: alive while its pid runs with the recorded start time (an exited
 * process not yet reaped by its parent counts as dead). Elsewhere the pid says nothing here,
 * so only the lock's heartbeat (mtime) can tell.
 */
export function isHolderAlive(holder: Holder, lockMtimeMs: number, staleMs: number): boolean {
  if (holder.where !== currentProcess().where) return Date.now() - lockMtimeMs < staleMs;
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false; // EPERM: it runs, as another user
  }
  if (holder.startTime === null) return true;
  const stat = procStat(holder.pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
  return stat.startTime === holder.startTime;
}

/** State and start time from /proc/<pid>/stat (Linux), undefined elsewhere or when it is gone. */
function procStat(pid: number): { state: string; startTime: string } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2, the command name, is in parentheses and may contain spaces and ')': split after the last one.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const [state, startTime] = [fields[0], fields[19]]; // fields 3 and 22 of proc(5)
  return state && startTime ? { state, startTime } : undefined;
}

function pidScope(): string {
  try {
    const boot = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return `${boot}/${fs.readlinkSync('/proc/self/ns/pid')}`;
  } catch {
    return `host:${os.hostname()}`;
  }
}
