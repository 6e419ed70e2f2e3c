import { createHash } from 'node:crypto';
import { z } from 'zod';
import { isStorableInstant } from '../clock.js';
import { invalidField } from '../http/errors.js';
import { findUnstorableString } from '../http/unstorable-strings.js';

// Cursors are opaque to clients: base64url JSON of the list that issued it (`l`), a digest of
// that request's parent and filters (`f`), and the last row's sort key. A cursor is decoded
// and checked here only, before any of it reaches a query: one that did not come from this
// very list, or does not decode to the expected shape, is a 422 on `cursor`, never a 500.

export const DEFAULT_LIMIT = 50;

export const LIST_KINDS = [
  'projects',
  'social-accounts',
  'leased-accounts',
  'content',
  'scheduled-posts',
  'webhook-endpoints',
  'webhook-deliveries',
  'audit-log',
  'api-keys',
  'organizations',
] as const;
export type ListKind = (typeof LIST_KINDS)[number];

/** A list request: its parent id and filters, plus `limit` and `cursor`. */
export type ListRequest = { cursor?: string; limit: number };

/** A timestamp inside a cursor: as written by toISOString, in the range the API stores. */
export const cursorInstant = z.iso.datetime().refine((s) => isStorableInstant(new Date(s)));
/** A row id inside a cursor (the ids are text; 500 characters bound the whole cursor anyway). */
export const cursorId = z.string().min(1).max(100);

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function invalidCursor(message: string) {
  return invalidField('cursor', message, 'query');
}

/**
 * A short digest of the request's parent and filters (everything but limit and cursor): a cursor
 * is valid only with the ones that issued it. Dates digest as their instant, whatever the offset.
 */
function scopeDigest(request: ListRequest): string {
  const rec = request as Record<string, unknown>;
  const entries = Object.keys(rec)
    .sort()
    .filter((k) => k !== 'limit' && k !== 'cursor' && rec[k] !== undefined)
    .map((k) => [k, rec[k]]);
  return createHash('sha256').update(JSON.stringify(entries)).digest('base64url').slice(0, 16);
}

function parseJson(raw: string): unknown {
  if (!BASE64URL.test(raw)) return undefined;
  try {
    return JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The cursor codec of one list. `position` is the shape of its sort key; `decode` checks, in
 * order: base64url JSON, no string PostgreSQL cannot store (NUL, lone surrogate), issued by this
 * list, for the same parent and filters, the position's shape (strict: nothing else inside).
 */
export function listCursor<P extends z.ZodRawShape>(list: ListKind, position: P) {
  const shape = z.object({ l: z.literal(list), f: z.string(), ...position }).strict();
  type Position = z.infer<z.ZodObject<P>>;
  return {
    /** The cursor after `pos`, for the request that asked for this page. */
    encode(pos: Position, request: ListRequest): string {
      return Buffer.from(JSON.stringify({ l: list, f: scopeDigest(request), ...pos }), 'utf8').toString('base64url');
    },
    /** The position in `request.cursor`, or undefined for a first page. */
    decode(request: ListRequest): Position | undefined {
      if (request.cursor === undefined) return undefined;
      const value = parseJson(request.cursor);
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        throw invalidCursor('is not a cursor this API issued');
      if (findUnstorableString(value))
        throw invalidCursor('is not a cursor this API issued (it carries a NUL character or a lone surrogate)');
      const { l, f } = value as { l?: unknown; f?: unknown };
      if (l !== list) {
        if (!LIST_KINDS.includes(l as ListKind)) throw invalidCursor('is not a cursor this API issued');
        throw invalidCursor(`was issued by another list (${l}); use a cursor only with the list that returned it`);
      }
      if (f !== scopeDigest(request))
        throw invalidCursor(
          'was issued for other filters or another parent; repeat the first request’s filters, or start ' +
            'again without a cursor',
        );
      const parsed = shape.safeParse(value);
      if (!parsed.success) throw invalidCursor('is not a cursor this API issued');
      const { l: _l, f: _f, ...pos } = parsed.data as Record<string, unknown>;
      return pos as Position;
    },
  };
}

/** Fetch limit+1 rows; the extra one tells whether there is a next page. */
export function page<R>(rows: R[], limit: number, cursorOf: (last: R) => string) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
