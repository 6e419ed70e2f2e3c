import type { FastifyRequest } from 'fastify';

// Request lines log the URL, and some URLs carry credentials in their query: the OAuth callback's
// `code` and `state` (the state is what binds a callback to its partner), or a token a client
// put where it does not belong. Their values never reach a log; the names stay, for debugging.

const SENSITIVE_NAMES = new Set([
  'code',
  'state',
  'token',
  'key',
  'secret',
  'signature',
  'sig',
  'password',
  'passwd',
  'auth',
  'authorization',
  'code_verifier',
]);
// Any name that says what it holds: access_token, refresh_token, id_token, client_secret, api_key,
// apiKey, x-signature, …
const SENSITIVE_PATTERN = /token|secret|passw|signature|api[-_]?key|credential/i;

export const REDACTED = '[redacted]';

function sensitive(rawName: string): boolean {
  let name = rawName;
  try {
    name = decodeURIComponent(rawName.replace(/\+/g, ' '));
  } catch {
    // a malformed escape: judge the name as sent
  }
  name = name.replace(/\[.*$/, ''); // code[]=…, code[a]=…: still the code
  return SENSITIVE_NAMES.has(name.toLowerCase()) || SENSITIVE_PATTERN.test(name);
}

/** `url` with the value of every sensitive query parameter replaced; everything else as sent. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq > 0 && sensitive(pair.slice(0, eq)) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
    });
  return `${url.slice(0, q)}?${query.join('&')}`;
}

/** pino's `req` serializer: fastify's default fields, the URL redacted. */
export function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/** Fields that hold a credential wherever a logged object carries them (one level down: `{ err }`, `{ token }`). */
const SECRET_FIELDS = ['accessToken', 'refreshToken', 'key'] as const;
export const CENSORED = '[Redacted]';

/**
 * pino's `formatters.log`: every top-level value of a line that is an object holding a secret
 * field is logged as a copy with that field censored (the object itself is untouched). What
 * pino's `redact: ['*.accessToken', …]` did, without its cost: a wildcard path sends every value
 * of every line through the redactor's serializer (about 3× the cost of the whole line, measured);
 * here a line of strings and numbers costs one loop.
 */
export function censorSecrets(line: Record<string, unknown>): Record<string, unknown> {
  let out = line;
  for (const name in line) {
    const value = line[name];
    if (value === null || typeof value !== 'object') continue;
    if (!SECRET_FIELDS.some((f) => Object.hasOwn(value, f))) continue;
    if (out === line) out = { ...line };
    // A copy with every own property (an Error's message and stack too), so serializers see the same object.
    const copy = Object.create(Object.getPrototypeOf(value), Object.getOwnPropertyDescriptors(value));
    for (const f of SECRET_FIELDS) if (Object.hasOwn(copy, f)) copy[f] = CENSORED;
    out[name] = copy;
  }
  return out;
}
