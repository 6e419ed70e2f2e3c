import { PlatformError, type Platform } from './types.js';

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
};

export type PlatformResponse = { status: number; body: Record<string, unknown> };

/**
 * One HTTP call to a platform. Transport failures (timeout, refused, reset) become RETRYABLE
 * PlatformErrors; any HTTP answer is returned for the adapter to classify.
 */
export async function platformRequest(req: PlatformRequest): Promise<PlatformResponse> {
  const headers: Record<string, string> = { accept: 'application/json' };
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
      method: req.method, headers, body, redirect: 'manual',
      signal: AbortSignal.timeout(req.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (err) {
    const e = err as Error;
    const what = e.name === 'TimeoutError' ? 'timed out' : `network error (${e.name})`;
    throw new PlatformError('RETRYABLE', req.platform, req.endpoint, what);
  }
  let text: string;
  try {
    text = await res.text();
  } catch {
    throw new PlatformError('RETRYABLE', req.platform, req.endpoint, 'response body interrupted', res.status);
  }
  return { status: res.status, body: parseBody(text) };
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
