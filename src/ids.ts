import { randomFillSync, randomUUID } from 'node:crypto';
import { ulid } from 'ulid';
import { z } from 'zod';

export type IdPrefix =
  | 'org'
  | 'key'
  | 'prj'
  | 'sa'
  | 'cnt'
  | 'sp'
  | 'sint'
  | 'lreq'
  | 'lse'
  | 'chg'
  | 'st'
  | 'whe'
  | 'evt'
  | 'dlv';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomUUID()}`;
}

// ulid's own generator makes one crypto call per character (16 per id), a tenth of a light
// request's CPU (docs/performance.md): draw the same CSPRNG bytes from a buffer refilled 4 KiB at a time.
const randomPool = Buffer.alloc(4096);
let randomOffset = randomPool.length;
function pooledRandom(): number {
  if (randomOffset === randomPool.length) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  return randomPool[randomOffset++]! / 256;
}

export function newRequestId(): string {
  return `req_${ulid(undefined, pooledRandom)}`;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** A path-id schema: `<prefix>_<uuid>`, case-insensitive on input, lower-cased as stored. */
export function idParam(prefix: IdPrefix) {
  return z
    .string()
    .regex(new RegExp(`^${prefix}_${UUID}$`, 'i'), `must be a ${prefix}_<uuid> id`)
    .transform((s) => s.toLowerCase());
}
