import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { currentProcess, type Holder, isHolderAlive, parseHolder } from './data-dir-holder.js';

// One process owns an embedded data directory: PGlite has no lock of its own, and two processes
// on one pgdata/ silently lose each other's acknowledged writes. The lock is proper-lockfile's
// directory <dir>/layers.lock with its mtime heartbeat (which tells the holder when the lock was
// taken from it); a marker file inside names the holder, so a holder killed with kill -9 is
// recognised as dead at once and its lock taken over (docs/architecture.md, docs/operations.md).

const LOCK_NAME = 'layers.lock';
// Heartbeat period: a lock removed or replaced under its holder is noticed within about this long.
const UPDATE_MS = 2_000;
// A holder in another pid namespace (another host or container) cannot be checked by pid: its
// lock is dead once the heartbeat is this old. Far above any event-loop stall of a PGlite statement.
const STALE_MS = 60_000;
// Rounds of look-and-act while the lock changes hands (a release or a takeover in progress).
const MAX_ROUNDS = 50;

const HOLDER_MARKER = /^holder-[0-9a-f]{16}\.json$/;
const REAPER_MARKER = /^reaper-[0-9a-f]{16}\.json$/;

export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError'; // the CLI keys on it: one line on stderr, its own exit code
  constructor(
    readonly dir: string,
    readonly holder: Holder | undefined,
  ) {
    const here = currentProcess().where;
    const who = !holder
      ? 'pid unknown'
      : holder.where === here
        ? `pid ${holder.pid}`
        : `pid ${holder.pid} on ${holder.host}`;
    super(`data directory ${dir} is in use by another layers process (${who}); stop it first or use --data-dir`);
  }
}

export type DataDirLock = { dir: string; release(): Promise<void> };

/** Data directories this process holds (as given and as real paths): openDatabase checks them. */
const held = new Set<string>();

/** True when `p` is a data directory this process holds, or inside one. */
export function isInsideLockedDataDir(p: string): boolean {
  const abs = path.resolve(p);
  for (const dir of held) if (abs === dir || abs.startsWith(dir + path.sep)) return true;
  return false;
}

/**
 * Takes the data directory's lock, before anything else in it is created or changed. A live
 * holder → DataDirInUseError (nothing touched); a dead one → its lock is taken over at once.
 * `onCompromised`: the lock was taken from us while held (default: exit 1 at once).
 */
export async function lockDataDir(
  dir: string,
  opts: { onCompromised?: (err: Error) => void } = {},
): Promise<DataDirLock> {
  const given = path.resolve(dir);
  fs.mkdirSync(given, { recursive: true, mode: 0o700 });
  const real = fs.realpathSync(given);
  const lockPath = path.join(real, LOCK_NAME);
  const marker = { name: `holder-${nonce()}.json`, body: `${JSON.stringify(currentProcess())}\n` };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const seen = inspect(lockPath);
    if (seen.kind === 'held') throw new DataDirInUseError(given, seen.holder);
    if (seen.kind === 'dead') reap(lockPath, seen.marker);
    else if (seen.kind === 'empty') removeEmpty(lockPath);
    else if (seen.kind === 'free') {
      const release = await lockfile
        .lock(real, {
          lockfilePath: lockPath,
          realpath: false,
          stale: STALE_MS,
          update: UPDATE_MS,
          retries: 0,
          fs: markedLockFs(marker),
          onCompromised: opts.onCompromised ?? exitOnLostLock(given),
        })
        .catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ELOCKED') return undefined; // another process got there first: look again
          throw err;
        });
      if (release) return heldLock(given, real, release);
    }
  }
  throw new Error(`${lockPath}: the data directory lock kept changing hands; try again`);
}

function heldLock(given: string, real: string, release: () => Promise<void>): DataDirLock {
  held.add(given).add(real);
  let released: Promise<void> | undefined;
  return {
    dir: given,
    release() {
      released ??= (async () => {
        held.delete(given);
        held.delete(real);
        await release().catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ERELEASED') throw err; // ERELEASED: already lost (compromised)
        });
      })();
      return released;
    },
  };
}

/** Default reaction to a lost lock: another process may own the directory now, so not one more write. */
function exitOnLostLock(dir: string) {
  return (err: Error) => {
    process.stderr.write(
      `layers: lost the lock on data directory ${dir} (${err.message}); exiting so no further write reaches it\n`,
    );
    process.exit(1);
  };
}

type Seen =
  | { kind: 'free' }
  | { kind: 'held'; holder: Holder | undefined }
  | { kind: 'dead'; marker: string }
  | { kind: 'empty' }
  | { kind: 'changed' };

/** What is at lockPath now, read only: looking never changes anything. */
function inspect(lockPath: string): Seen {
  let names: string[];
  let mtimeMs: number;
  try {
    names = fs.readdirSync(lockPath);
    mtimeMs = fs.statSync(lockPath).mtimeMs;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'free' };
    throw err;
  }
  const holderMarker = names.find((n) => HOLDER_MARKER.test(n));
  if (holderMarker) {
    let text: string;
    try {
      text = fs.readFileSync(path.join(lockPath, holderMarker), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'changed' };
      throw err;
    }
    const holder = parseHolder(text);
    // An unreadable marker (never written by us: ours appear whole) is judged by the heartbeat alone.
    const alive = holder ? isHolderAlive(holder, mtimeMs, STALE_MS) : Date.now() - mtimeMs < STALE_MS;
    return alive ? { kind: 'held', holder } : { kind: 'dead', marker: holderMarker };
  }
  // A reaper's claim is the marker of a dead lock being taken apart: anyone may finish the job.
  const reaperMarker = names.find((n) => REAPER_MARKER.test(n));
  if (reaperMarker) return { kind: 'dead', marker: reaperMarker };
  if (names.length === 0) return { kind: 'empty' };
  throw new Error(
    `${lockPath} holds files this program did not write (${names.join(', ')}); if no layers process uses ` +
      `the directory, remove it`,
  );
}

/**
 * Takes a dead holder's lock apart. Renaming its marker to a name of our own is the
 * compare-and-swap: of all the processes that saw that marker exactly one moves it; the others
 * find it gone and look again. A later lock generation has another marker name, so it is never hit.
 */
function reap(lockPath: string, marker: string) {
  const claim = `reaper-${nonce()}.json`;
  try {
    fs.renameSync(path.join(lockPath, marker), path.join(lockPath, claim));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  removeOwn(lockPath, claim);
}

/** Our own marker, then the directory if that left it empty: never another holder's lock. */
function removeOwn(lockPath: string, marker: string) {
  try {
    fs.unlinkSync(path.join(lockPath, marker));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // no longer ours
    throw err;
  }
  removeEmpty(lockPath);
}

/** A lock directory without a marker is between owners; rmdir fails harmlessly if one appeared. */
function removeEmpty(lockPath: string) {
  try {
    fs.rmdirSync(lockPath);
  } catch (err) {
    if (!['ENOENT', 'ENOTEMPTY', 'EEXIST'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
  }
}

type Callback = (err: NodeJS.ErrnoException | null) => void;

/**
 * The filesystem proper-lockfile locks through (its documented `fs` option): the lock directory
 * appears with our marker already inside (a prepared directory renamed into place; rename does
 * not replace a non-empty directory), so no one ever sees it without its holder; and removing
 * the lock (release, exit) removes only our own marker.
 */
function markedLockFs(marker: { name: string; body: string }) {
  const call = (cb: Callback, fn: () => void) => {
    try {
      fn();
    } catch (err) {
      return cb(err as NodeJS.ErrnoException);
    }
    cb(null);
  };
  return {
    stat: fs.stat,
    utimes: fs.utimes,
    realpath: fs.realpath,
    mkdir(lockPath: string, cb: Callback) {
      const staging = `${lockPath}.${nonce()}.tmp`;
      call(cb, () => {
        try {
          fs.mkdirSync(staging, { mode: 0o700 });
          fs.writeFileSync(path.join(staging, marker.name), marker.body, { mode: 0o600 });
          fs.renameSync(staging, lockPath);
        } catch (err) {
          fs.rmSync(staging, { recursive: true, force: true });
          const code = (err as NodeJS.ErrnoException).code;
          throw code === 'ENOTEMPTY' ? Object.assign(new Error(`${lockPath} exists`), { code: 'EEXIST' }) : err;
        }
      });
    },
    rmdir: (lockPath: string, cb: Callback) => call(cb, () => removeOwn(lockPath, marker.name)),
    rmdirSync: (lockPath: string) => removeOwn(lockPath, marker.name),
  };
}

const nonce = () => randomBytes(8).toString('hex');
