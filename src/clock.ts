export type Clock = { now(): Date };

export const systemClock: Clock = { now: () => new Date() };

/**
 * The instants the API accepts and prints: UTC years 0001–9999. Both drivers round-trip them
 * through timestamptz, and they are exactly those whose ISO form has a four-digit year; past
 * 9999 JS writes `+010000-…`, which is not RFC 3339 (and PGlite refuses it as input).
 */
export const MIN_INSTANT = new Date('0001-01-01T00:00:00.000Z');
export const MAX_INSTANT = new Date('9999-12-31T23:59:59.999Z');

export function isStorableInstant(d: Date): boolean {
  const t = d.getTime();
  return t >= MIN_INSTANT.getTime() && t <= MAX_INSTANT.getTime(); // false for an invalid Date (NaN)
}

/** Wire format: RFC 3339 UTC, whole seconds, `Z` (as the API reference shows: 2026-04-18T19:15:02Z). */
export function toWire(d: Date): string;
export function toWire(d: Date | null): string | null;
export function toWire(d: Date | null): string | null {
  if (d === null) return null;
  // Inputs are validated to this range, so this never fires; if it does, a 500 beats printing
  // a value that is not RFC 3339 (and a cursor this API would then refuse).
  if (!isStorableInstant(d)) throw new Error(`toWire: instant outside 0001–9999 UTC (${d.getTime()} ms)`);
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
