import { type Platform, PlatformError } from './types.js';

// 10 s: platform OAuth and publish-init calls answer in well under a second; a worker must
// not sit on a hung socket, and a retry later is cheap.
export const DEFAULT_TIMEOUT_MS = 10_000;

export type PlatformRequest = {
  platform: Platform;
  /** Names the call in errors and logs, e.g. `oauth/token`. */
  endpoint: string;
  method: 'GET' | 'POST';
  url: string;
  form?: Record<string, string | undefined>;
  json?: unknown;
  bearer?: string;
  idempotencyKey?: string;
  timeoutMs?: number;
  /** The call creates the post: a lost answer leaves it unknown whether the post exists. */
  publishes?: boolean;
  /** Extra request headers (sandbox adapters only: the rehearsed fault, src/platforms/rehearsal.ts). */
  headers?: Record<string, string>;
};

/** `retryAfterMs`: the answer's Retry-After (seconds or an HTTP date), when it carried one. */
export type PlatformResponse = { status: number; body: Record<string, unknown>; retryAfterMs?: number };

// Failures before a connection existed: the request cannot have reached the platform. Anything
// else without an answer (a timeout, a connection lost after sending) may have been acted on.
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * One HTTP call to a platform. Transport failures (timeout, refused, reset) become RETRYABLE
 * PlatformErrors, marked `outcomeUnknown` for a `publishes` call that may have been delivered;
 * any HTTP answer is returned for the adapter to classify.
 */
export async function platformRequest(req: PlatformRequest): Promise<PlatformResponse> {
  const headers: Record<string, string> = { ...req.headers, accept: 'application/json' };
  let body: string | undefined;
  if (req.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = formEncode(req.form);
  } else if (req.json !== undefined) {
    headers['content-type'] = 'application/json; charset=UTF-8';
    body = JSON.stringify(req.json);
  }
  if (req.bearer) headers.authorization = `Bearer ${req.bearer}`;
  if (req.idempotencyKey) headers['idempotency-key'] = req.idempotencyKey;
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: req.method,
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(req.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: unknown } };
    const what = e.name === 'TimeoutError' ? 'timed out' : `network error (${e.name})`;
    const unsent = typeof e.cause?.code === 'string' && NOT_CONNECTED.has(e.cause.code);
    throw new PlatformError(
      'RETRYABLE',
      req.platform,
      req.endpoint,
      what,
      undefined,
      undefined,
      Boolean(req.publishes) && !unsent,
    );
  }
  let text: string;
  try {
    text = await res.text();
  } catch {
    // The status line came, the body did not: a 2xx here is a post made without its id reaching us.
    const accepted = res.status >= 200 && res.status < 300;
    throw new PlatformError(
      'RETRYABLE',
      req.platform,
      req.endpoint,
      'response body interrupted',
      res.status,
      undefined,
      Boolean(req.publishes) && accepted,
    );
  }
  const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), Date.now());
  return { status: res.status, body: parseBody(text), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

const MAX_RETRY_AFTER_MS = 24 * 3600 * 1000; // a platform asking for more than a day is not waited for longer

/** RFC 9110 §10.2.3: delay-seconds or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  const ms = /^\d+$/.test(v) ? Number(v) * 1000 : /GMT$/.test(v) ? Date.parse(v) - nowMs : Number.NaN;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : undefined;
}

/** A RETRYABLE error of an answer that said when to come back carries it (the publisher waits that long). */
export function withRetryAfter(err: PlatformError, res: PlatformResponse): PlatformError {
  if (err.kind === 'RETRYABLE' && res.retryAfterMs !== undefined) err.retryAfterMs = res.retryAfterMs;
  return err;
}

export function formEncode(fields: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) params.set(k, v);
  return params.toString();
}

function parseBody(text: string): Record<string, unknown> {
  if (text === '') return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : { value: parsed };
  } catch {
    return { nonJson: text.slice(0, 120) };
  }
}

/** The status-only part of every platform's classification: 5xx and 429 are worth retrying. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/** `base` may carry a path prefix (a proxy, the sandbox behind one); `path` starts with '/'. */
export function endpointUrl(base: string, path: string): URL {
  return new URL(base.replace(/\/+$/, '') + path);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** Seconds-from-now → ISO instant, as PlatformToken.expiresAt stores it. */
export function expiresAtFrom(now: Date, expiresInSeconds: unknown): string | undefined {
  const s = typeof expiresInSeconds === 'number' ? expiresInSeconds : Number(expiresInSeconds);
  return Number.isFinite(s) && s > 0 ? new Date(now.getTime() + s * 1000).toISOString() : undefined;
}
