import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from './errors.js';

// Shared wire schemas, registered as named OpenAPI components.

export const Timestamp = z.string().meta({ description: 'RFC 3339 UTC timestamp, whole seconds, e.g. 2026-04-18T19:15:02Z' });

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
