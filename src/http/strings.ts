import { z } from 'zod';

// Body strings: lengths counted in characters (code points), as platforms and JSON Schema count
// them, not UTF-16 units. A NUL never reaches this schema: rejectUnstorableStrings
// (unstorable-strings.ts) refuses it in every body and query string before validation runs.
export function text(maxChars: number) {
  return z
    .string()
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
