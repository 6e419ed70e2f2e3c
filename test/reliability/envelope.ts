import { ERROR_CODES, ERRORS } from '../../src/http/errors.js';
import { REQUEST_ID } from '../harness.js';

// The one check every answer of the reliability suite passes: no 5xx; X-Request-Id on everything;
// every 4xx the one error envelope, its code from the table with the matching status, no internals.

export type Answer = { status: number; headers: Record<string, string>; body: string };

const INTERNALS =
  /\bat .+:\d+:\d+|node_modules|FST_ERR|TypeError|RangeError|SyntaxError|ECONN|SQLSTATE|pglite|postgres/i;

/** What is wrong with this answer, or undefined. 1xx are interim; 2xx/3xx need only X-Request-Id. */
export function problemWith(a: Answer, method: string): string | undefined {
  if (a.status >= 500) return `${a.status}`;
  const rid = a.headers['x-request-id'];
  if (!rid || !REQUEST_ID.test(rid)) return `no X-Request-Id (${a.status})`;
  if (a.status < 400) return undefined;
  if (!/^application\/json/.test(a.headers['content-type'] ?? '')) return `content-type ${a.headers['content-type']}`;
  if (method === 'HEAD') return undefined;
  let body: any;
  try {
    body = JSON.parse(a.body);
  } catch {
    return 'not JSON';
  }
  const keys = Object.keys(body ?? {});
  if (keys.length !== 1 || keys[0] !== 'error') return `keys ${keys.join(',')}`;
  const e = body.error;
  const extra = Object.keys(e).filter((k) => !['code', 'message', 'requestId', 'details'].includes(k));
  if (extra.length) return `error has ${extra.join(',')}`;
  if (!(e.code in ERROR_CODES)) return `unknown code ${e.code}`;
  if (!Object.values(ERRORS).some((row) => row.code === e.code && row.status === a.status))
    return `code ${e.code} with status ${a.status}`;
  if (typeof e.message !== 'string' || !e.message) return 'no message';
  if (e.requestId !== rid) return 'requestId differs from X-Request-Id';
  if (INTERNALS.test(a.body)) return 'internals in the body';
  return undefined;
}
