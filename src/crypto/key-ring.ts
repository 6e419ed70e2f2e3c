import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config.js';
import { seal, unseal } from './aead.js';

// The key ring: numbered epoch keys that wrap every account's token data key. Each epoch lives in
// one file of a directory (`epoch-<n>.json`), its key sealed under the master key, so the directory
// alone opens nothing. Rotation adds an epoch, re-wraps every live data key under it, and destroys
// the older epochs' files: wrapped keys left behind in dead tuples, WAL or backups then open with no
// key the system still has. The database never holds an epoch key (its rows outlive any delete);
// it holds each epoch's check value and coordinates who creates the next (docs/key-ring.md).

export type KeyEpoch = { epoch: number; createdAt: Date; key: Buffer };

const FILE = /^epoch-(\d+)\.json$/;
const fileName = (epoch: number) => `epoch-${String(epoch).padStart(8, '0')}.json`;
const epochAad = (epoch: number) => `epoch:${epoch}`;

/** A one-way fingerprint of an epoch key, stored in the database to notice a ring that is not this database's. */
export function checkValue(key: Buffer): Buffer {
  return createHmac('sha256', key).update('layers key ring check value').digest().subarray(0, 16);
}

/** A ring that is not this installation's: a configuration error (the CLI prints one line, exit 2). */
export class KeyRingError extends ConfigError {}

export type KeyRing = ReturnType<typeof openKeyRing>;

/**
 * The ring in `dir`, read now and again whenever the directory changes (one stat per use), so a
 * process sees an epoch another process created or destroyed without a restart.
 */
export function openKeyRing(dir: string, masterKey: Buffer) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  let epochs = new Map<number, KeyEpoch>();
  let seenMtime = -1n;

  function load() {
    const next = new Map<number, KeyEpoch>();
    for (const name of fs.readdirSync(dir)) {
      const m = FILE.exec(name);
      if (!m) continue;
      const epoch = Number(m[1]);
      const known = epochs.get(epoch);
      if (known) {
        next.set(epoch, known);
        continue;
      }
      let text: string;
      try {
        text = fs.readFileSync(path.join(dir, name), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // destroyed while we listed
        throw err;
      }
      const file = JSON.parse(text) as { epoch: number; createdAt: string; key: string };
      let key: Buffer;
      try {
        key = unseal(masterKey, Buffer.from(file.key, 'base64'), epochAad(epoch));
      } catch {
        throw new KeyRingError(
          `${path.join(dir, name)} does not open with this master key (LAYERS_MASTER_KEY): the ring ` +
            `belongs to another installation.`,
        );
      }
      next.set(epoch, { epoch, createdAt: new Date(file.createdAt), key });
    }
    for (const [epoch, e] of epochs) if (!next.has(epoch)) e.key.fill(0); // destroyed elsewhere: forget it here too
    epochs = next;
  }

  function refresh(force = false) {
    const mtime = fs.statSync(dir, { bigint: true }).mtimeNs;
    if (force || mtime !== seenMtime) {
      seenMtime = mtime;
      load();
    }
  }

  function fsyncDir() {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  refresh(true);
  return {
    dir,
    /** The newest epoch: what new data keys are wrapped with. */
    current(): KeyEpoch {
      refresh();
      let newest: KeyEpoch | undefined;
      for (const e of epochs.values()) if (!newest || e.epoch > newest.epoch) newest = e;
      if (!newest) throw new KeyRingError(`The key ring at ${dir} is empty.`);
      return newest;
    },
    /** The key of `epoch`, or undefined once it is destroyed (or was never in this ring). */
    key(epoch: number): Buffer | undefined {
      refresh();
      if (!epochs.has(epoch)) refresh(true); // created a moment ago by another process
      return epochs.get(epoch)?.key;
    },
    epochs(): KeyEpoch[] {
      refresh();
      return [...epochs.values()].sort((a, b) => a.epoch - b.epoch);
    },
    /**
     * Writes a new epoch, whole or not at all (temp file, fsync, link: the link fails if the name
     * exists, so two writers never both publish one epoch).
     */
    create(epoch: number, createdAt: Date, key: Buffer): KeyEpoch {
      const body = JSON.stringify({
        epoch,
        createdAt: createdAt.toISOString(),
        key: seal(masterKey, key, epochAad(epoch)).toString('base64'),
      });
      const tmp = path.join(dir, `.${fileName(epoch)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      const fd = fs.openSync(tmp, 'wx', 0o600);
      try {
        fs.writeSync(fd, `${body}\n`);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      try {
        fs.linkSync(tmp, path.join(dir, fileName(epoch)));
      } finally {
        fs.unlinkSync(tmp);
      }
      fsyncDir();
      refresh(true);
      return { epoch, createdAt, key };
    },
    /** Overwrites the epoch's file, then removes it and forgets the key. Destroying an absent epoch is a no-op. */
    destroy(epoch: number) {
      const file = path.join(dir, fileName(epoch));
      try {
        const fd = fs.openSync(file, 'r+');
        try {
          fs.writeSync(fd, Buffer.alloc(fs.fstatSync(fd).size), 0, undefined, 0);
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        fs.unlinkSync(file);
        fsyncDir();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      refresh(true);
    },
  };
}
