import { randomUUID } from 'node:crypto';
import { ulid } from 'ulid';
import { z } from 'zod';

export type IdPrefix = 'org' | 'key' | 'prj' | 'sa' | 'cnt' | 'sp' | 'lreq' | 'lse' | 'chg' | 'st' | 'whe' | 'evt' | 'dlv';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomUUID()}`;
}

export function newRequestId(): string {
  return `req_${ulid()}`;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** A path-id schema: `<prefix>_<uuid>`, case-insensitive on input, lower-cased as stored. */
export function idParam(prefix: IdPrefix) {
  return z
    .string()
    .regex(new RegExp(`^${prefix}_${UUID}$`, 'i'), `must be a ${prefix}_<uuid> id`)
    .transform((s) => s.toLowerCase());
}

export function isId(prefix: IdPrefix, value: string): boolean {
  return new RegExp(`^${prefix}_${UUID}$`).test(value);
}
