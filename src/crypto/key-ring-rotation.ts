import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { toWire } from '../clock.js';
import type { FaultHook } from '../context.js';
import { type Db, withTransaction } from '../db/client.js';
import {
  countWrappedKeysByEpoch,
  deleteKeyEpoch,
  insertKeyEpoch,
  listKeyEpochs,
  lockKeyRingSetup,
  lockWrappedKeysBefore,
  WRAPPED_KEY_TABLES,
  type WrappedKeyTable,
  writeWrappedKeys,
} from '../db/queries/key-epochs.js';
import { checkValue, type KeyEpoch, KeyRingError } from './key-ring.js';
import type { TokenCrypto } from './token-envelope.js';

// Rotation of the key ring (docs/key-ring.md): create epoch N+1 → re-wrap every stored data key
// under it → delete the older epochs' rows (refused while a key still uses one) → destroy their
// files. A kill at any step leaves every stored key openable: an epoch's file goes only after its
// row, and its row only once nothing references it.

export type KeyRingDeps = { db: Db; tokenCrypto: TokenCrypto; clock: Clock; fault?: FaultHook };

// 500 rows a transaction: short row locks (a publish of one of them waits at most one batch).
const REWRAP_BATCH = 500;
// Rounds of re-wrap + delete: a row written under the old epoch by a writer that raced the first
// round is picked up by the next; what still remains is retried by the next rotation.
const DESTROY_ROUNDS = 3;

export type RotationResult = {
  rotated: boolean;
  currentEpoch: number;
  rewrapped: number;
  destroyedEpochs: number[];
  retainedEpochs: number[];
};

/** Claims the number (its row) first, then writes the file: two processes never write one epoch. */
async function createEpoch(d: KeyRingDeps, epoch: number): Promise<KeyEpoch | undefined> {
  const key = randomBytes(32);
  const createdAt = d.clock.now();
  if (!(await insertKeyEpoch(d.db, { id: epoch, checkValue: checkValue(key), createdAt }))) return undefined;
  return d.tokenCrypto.ring.create(epoch, createdAt, key);
}

async function nextEpochNumber(d: KeyRingDeps) {
  const rows = await listKeyEpochs(d.db);
  return Math.max(0, ...rows.map((r) => r.id), ...d.tokenCrypto.ring.epochs().map((e) => e.epoch)) + 1;
}

/**
 * At start-up, under a lock (instances starting together take turns): an empty ring on a new
 * database gets its first epoch; a ring that is not this database's — empty while the database
 * knows epochs, or an epoch whose check value differs — stops the process.
 */
export async function prepareKeyRing(d: KeyRingDeps) {
  const ring = d.tokenCrypto.ring;
  await withTransaction(d.db, async (tx) => {
    await lockKeyRingSetup(tx);
    const rows = new Map((await listKeyEpochs(tx)).map((r) => [r.id, r]));
    const epochs = ring.epochs();
    if (epochs.length === 0) {
      const known = [...rows.keys()].filter((id) => id > 0);
      if (known.length > 0) {
        throw new KeyRingError(
          `The database knows key epoch(s) ${known.join(', ')}, but the key ring at ${ring.dir} is ` +
            `empty: point LAYERS_KEYRING_DIR at the ring this database's other processes use.`,
        );
      }
      const key = randomBytes(32);
      const createdAt = d.clock.now();
      await insertKeyEpoch(tx, { id: 1, checkValue: checkValue(key), createdAt });
      // a crash before the commit leaves a file without its row: re-added below next time
      ring.create(1, createdAt, key);
      return;
    }
    for (const e of epochs) {
      const row = rows.get(e.epoch);
      const check = checkValue(e.key);
      if (!row) await insertKeyEpoch(tx, { id: e.epoch, checkValue: check, createdAt: e.createdAt });
      else if (row.check_value && !check.equals(Buffer.from(row.check_value))) {
        throw new KeyRingError(
          `The key ring at ${ring.dir} is not this database's (epoch ${e.epoch} differs): every process ` +
            `must share one LAYERS_KEYRING_DIR.`,
        );
      }
    }
  });
}

async function rewrapTable(d: KeyRingDeps, table: WrappedKeyTable, epoch: KeyEpoch) {
  let total = 0;
  for (;;) {
    const n = await withTransaction(d.db, async (tx) => {
      const rows = await lockWrappedKeysBefore(tx, table, epoch.epoch, REWRAP_BATCH);
      await writeWrappedKeys(
        tx,
        table,
        rows.map((r) => ({ id: r.id, wrappedKey: d.tokenCrypto.rewrap(r.subject, r.wrapped_key, epoch) })),
      );
      return rows.length;
    });
    total += n;
    if (n > 0) await d.fault?.('key-rotation:after-batch');
    if (n < REWRAP_BATCH) return total;
  }
}

async function rewrapAll(d: KeyRingDeps, epoch: KeyEpoch) {
  let total = 0;
  for (const table of Object.keys(WRAPPED_KEY_TABLES) as WrappedKeyTable[]) total += await rewrapTable(d, table, epoch);
  return total;
}

/** One rotation. `rotated: false`: another process claimed the next epoch first (its rotation does the work). */
export async function rotateKeyRing(d: KeyRingDeps): Promise<RotationResult> {
  const number = await nextEpochNumber(d);
  const epoch = await createEpoch(d, number);
  if (!epoch)
    return {
      rotated: false,
      currentEpoch: d.tokenCrypto.ring.current().epoch,
      rewrapped: 0,
      destroyedEpochs: [],
      retainedEpochs: [],
    };
  await d.fault?.('key-rotation:after-create');
  let rewrapped = await rewrapAll(d, epoch);
  await d.fault?.('key-rotation:after-rewrap');
  const destroyedEpochs: number[] = [];
  let retained: number[] = [];
  for (let round = 0; round < DESTROY_ROUNDS; round++) {
    if (round > 0) rewrapped += await rewrapAll(d, epoch);
    const older = new Set([
      ...(await listKeyEpochs(d.db)).map((r) => r.id),
      ...d.tokenCrypto.ring.epochs().map((e) => e.epoch),
    ]);
    retained = [];
    for (const id of [...older].filter((id) => id < epoch.epoch).sort((a, b) => a - b)) {
      if ((await deleteKeyEpoch(d.db, id)) === 'in-use') {
        retained.push(id);
        continue;
      }
      if (d.tokenCrypto.ring.key(id)) {
        await d.fault?.('key-rotation:before-destroy'); // row gone, file still there: a restart re-adds the row
        d.tokenCrypto.ring.destroy(id);
      }
      destroyedEpochs.push(id);
    }
    if (retained.length === 0) break;
  }
  return { rotated: true, currentEpoch: epoch.epoch, rewrapped, destroyedEpochs, retainedEpochs: retained };
}

/** The worker's check: rotate once the current epoch is `intervalMs` old. */
export async function rotateKeyRingIfDue(d: KeyRingDeps, intervalMs: number): Promise<RotationResult | { due: false }> {
  const age = d.clock.now().getTime() - d.tokenCrypto.ring.current().createdAt.getTime();
  return age >= intervalMs ? rotateKeyRing(d) : { due: false };
}

/** The operator's view: each epoch in the ring and how many stored keys it wraps. */
export async function keyRingStatus(d: Pick<KeyRingDeps, 'db' | 'tokenCrypto'>) {
  const used = await countWrappedKeysByEpoch(d.db);
  const epochs = d.tokenCrypto.ring.epochs();
  return {
    currentEpoch: epochs.at(-1)?.epoch ?? null,
    epochs: epochs.map((e) => ({
      epoch: e.epoch,
      createdAt: toWire(e.createdAt),
      wrappedKeys: used.get(e.epoch) ?? 0,
    })),
    // Keys whose epoch the ring no longer has (a restore from before a rotation): they cannot be opened.
    unreadableWrappedKeys: [...used]
      .filter(([e]) => e > 0 && !epochs.some((x) => x.epoch === e))
      .reduce((n, [, c]) => n + c, 0),
    legacyWrappedKeys: used.get(0) ?? 0,
  };
}
