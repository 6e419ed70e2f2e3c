import { z } from 'zod';
import { ApiError } from '../http/errors.js';

// Cursors are opaque to clients: base64url JSON of the last row's sort key. A cursor that
// does not decode to the expected shape is a 422 on `cursor`, never a 500.

export const DEFAULT_LIMIT = 50;

export function encodeCursor(position: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

export function decodeCursor<T extends z.ZodType>(raw: string | undefined, shape: T): z.infer<T> | undefined {
  if (raw === undefined) return undefined;
  try {
    const parsed = shape.safeParse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through to the validation error
  }
  throw new ApiError('VALIDATION', 'Invalid request query.', { issues: [{ path: 'cursor', message: 'is not a cursor this API issued' }] }, 422);
}

/** Fetch limit+1 rows; the extra one tells whether there is a next page. */
export function page<R, C>(rows: R[], limit: number, cursorOf: (last: R) => C) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(cursorOf(last) as Record<string, unknown>) : null };
}
