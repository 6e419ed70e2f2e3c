export type Clock = { now(): Date };

export const systemClock: Clock = { now: () => new Date() };

/** Wire format: RFC 3339 UTC, whole seconds, `Z` (as the API reference shows: 2026-04-18T19:15:02Z). */
export function toWire(d: Date): string;
export function toWire(d: Date | null): string | null;
export function toWire(d: Date | null): string | null {
  return d === null ? null : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
