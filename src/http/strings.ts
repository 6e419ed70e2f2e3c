import { z } from 'zod';

// Body strings that end up in PostgreSQL text/jsonb: no NUL (PostgreSQL rejects it: a 500 if it
// got that far) and lengths counted in characters (code points), as platforms and JSON Schema
// count them, not UTF-16 units.

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what it refuses.
const NO_NUL = /^[^\u0000]*$/;

export function text(maxChars: number) {
  return z
    .string()
    .regex(NO_NUL, 'must not contain NUL characters')
    .refine((s) => [...s].length <= maxChars, `must be at most ${maxChars} characters`)
    .meta({ maxLength: maxChars });
}

const MAX_URL_LENGTH = 2048; // what browsers and the platforms' URL fetchers reliably accept

/** A public https URL by host name (platforms fetch media themselves and refuse IP literals). */
export const HttpsUrl = z
  .url({ protocol: /^https$/, hostname: z.regexes.domain })
  .max(MAX_URL_LENGTH)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses.
  .regex(/^https:\/\/[^\s\u0000-\u001f\u007f]+$/i, 'must be an https:// URL without spaces or control characters');
