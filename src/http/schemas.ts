import { z } from 'zod';
import { isStorableInstant, MAX_INSTANT, MIN_INSTANT, toWire } from '../clock.js';
import { ERROR_CODES, type ErrorCode } from './errors.js';

// Shared wire schemas, registered as named OpenAPI components.

export const Timestamp = z
  .string()
  .meta({ description: 'RFC 3339 UTC timestamp, whole seconds, e.g. 2026-04-18T19:15:02Z' });

const INSTANT_RANGE = `between ${toWire(MIN_INSTANT)} and ${toWire(MAX_INSTANT)} once converted to UTC`;

/**
 * Every timestamp the API accepts (body fields, since/until): RFC 3339 with `Z` or an offset,
 * and in years 0001–9999 once converted to UTC (`9999-12-31T23:59:59-00:01` is year 10000), so
 * what is stored prints back as RFC 3339. The value stays the client's string: the idempotency
 * fingerprint is taken over it.
 */
export function timestampInput(description: string) {
  return z.iso
    .datetime({ offset: true })
    .refine((s) => isStorableInstant(new Date(s)), {
      message: `must be ${INSTANT_RANGE}`,
      when: (p) => p.issues.length === 0,
    })
    .meta({ description: `${description} RFC 3339, \`Z\` or an offset; ${INSTANT_RANGE}.` });
}

export const ErrorEnvelope = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      requestId: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: 'ErrorEnvelope' });

/** Error responses for a route's OpenAPI entry: every status it can answer with. */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(statuses.map((s) => [s, ErrorEnvelope]));
}

/** The errors every authenticated /v1 route can return, whatever it does. */
export const GUARD_ERRORS = [400, 401, 403, 429, 500, 503];
