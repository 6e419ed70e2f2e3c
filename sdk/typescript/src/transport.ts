import {
  errorFromResponse,
  LayersConnectionError,
  LayersError,
  LayersTimeoutError,
  retryAfterSeconds,
} from './errors.js';

// Retry policy. A write carries an Idempotency-Key (made once per call, reused by every retry),
// so retrying it after a lost response replays the first result instead of doing it twice.
export const DEFAULT_MAX_RETRIES = 2; // 3 attempts: rides out a restart or a blip, not an outage
export const DEFAULT_TIMEOUT_MS = 60_000; // per attempt; a revoke of 10,000 posts takes seconds, not minutes
const INITIAL_DELAY_MS = 500; // first backoff step; doubles each retry
const MAX_DELAY_MS = 8_000; // backoff ceiling
const JITTER = 0.25; // up to 25% off each backoff, so clients that failed together do not retry together
/** A Retry-After longer than this is not waited out: the error is thrown for the caller to schedule. */
export const MAX_RETRY_AFTER_SECONDS = 60; // the API's rate windows are one minute

export type RequestOptions = {
  /** For writes: your own key; by default the SDK makes one per call (reused across its retries). */
  idempotencyKey?: string;
  /** Per attempt, in milliseconds. */
  timeoutMs?: number;
  maxRetries?: number;
  /** Cancels the call, retries included. */
  signal?: AbortSignal;
  headers?: Record<string, string>;
};

/** What a successful call's HTTP response said besides its body: `result.lastResponse`. */
export type ResponseInfo = {
  /** `X-Request-Id`: quote it to support. */
  requestId: string | undefined;
  status: number;
  /** Response headers (lower-case names). */
  headers: Record<string, string>;
  /** The Idempotency-Key the call sent (writes only). */
  idempotencyKey: string | undefined;
  /** `RateLimit-Limit` / `-Remaining` / `-Reset` (seconds until the window resets), when sent. */
  rateLimit: { limit: number; remaining: number; resetSeconds: number } | undefined;
};

export type TransportConfig = {
  apiKey: string;
  baseUrl: string;
  maxRetries: number;
  timeoutMs: number;
  fetch: typeof fetch;
  userAgent: string;
};

export type HttpRequest = {
  method: string;
  path: string;
  query?: [string, string][];
  body?: unknown;
  /** Writes the server deduplicates by Idempotency-Key; GETs are naturally safe to repeat. */
  idempotent: boolean;
};

export async function send(
  config: TransportConfig,
  req: HttpRequest,
  options: RequestOptions = {},
): Promise<{ body: unknown; response: ResponseInfo }> {
  const maxRetries = options.maxRetries ?? config.maxRetries;
  const timeoutMs = options.timeoutMs ?? config.timeoutMs;
  const idempotencyKey = req.idempotent ? (options.idempotencyKey ?? globalThis.crypto.randomUUID()) : undefined;
  const search = req.query?.length ? `?${new URLSearchParams(req.query).toString()}` : '';
  const url = `${config.baseUrl}${req.path}${search}`;
  const headers: Record<string, string> = {
    accept: 'application/json',
    authorization: `Bearer ${config.apiKey}`,
    'user-agent': config.userAgent,
    ...options.headers,
  };
  if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
  if (req.body !== undefined) headers['content-type'] = 'application/json';
  const body = req.body === undefined ? undefined : JSON.stringify(req.body);
  const safeToRepeat = req.method === 'GET' || idempotencyKey !== undefined;

  for (let attempt = 0; ; attempt++) {
    const outcome = await attemptOnce(
      config.fetch,
      url,
      { method: req.method, headers, body },
      timeoutMs,
      options.signal,
    );
    if (!(outcome instanceof LayersError))
      return { body: outcome.body, response: responseInfo(outcome, idempotencyKey) };
    const delay = attempt < maxRetries ? retryDelayMs(outcome, attempt, safeToRepeat) : undefined;
    if (delay === undefined) throw outcome;
    await sleep(delay, options.signal);
  }
}

/** A response body, or the LayersError this attempt ended in. Caller aborts are rethrown as they are. */
async function attemptOnce(
  fetchFn: typeof fetch,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<Answer | LayersError> {
  signal?.throwIfAborted();
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onAbort = () => controller.abort(signal!.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const res = await fetchFn(url, { ...init, signal: controller.signal });
    const text = await res.text();
    const headers: Record<string, string> = {};
    res.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    const parsed = parseBody(text);
    if (res.ok) return { body: parsed, status: res.status, headers };
    return errorFromResponse(res.status, parsed, headers);
  } catch (err) {
    if (signal?.aborted) throw signal.reason ?? err;
    if (timedOut)
      return new LayersTimeoutError({
        code: 'TIMEOUT',
        status: 0,
        message: `No response from ${init.method} ${url} within ${timeoutMs} ms.`,
        cause: err,
      });
    return new LayersConnectionError({
      code: 'CONNECTION_ERROR',
      status: 0,
      message: `Could not reach ${url}: ${(err as Error)?.message ?? err}`,
      cause: err,
    });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

type Answer = { body: unknown; status: number; headers: Record<string, string> };

function responseInfo(answer: Answer, idempotencyKey: string | undefined): ResponseInfo {
  const h = answer.headers;
  const [limit, remaining, resetSeconds] = ['limit', 'remaining', 'reset'].map((n) => Number(h[`ratelimit-${n}`]));
  const rateLimit =
    h['ratelimit-limit'] !== undefined
      ? { limit: limit!, remaining: remaining!, resetSeconds: resetSeconds! }
      : undefined;
  return { requestId: h['x-request-id'], status: answer.status, headers: h, idempotencyKey, rateLimit };
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** How long to wait before retrying after `error`, or undefined when it must not be retried. */
export function retryDelayMs(error: LayersError, attempt: number, safeToRepeat: boolean): number | undefined {
  const retryAfter = retryAfterSeconds(error.headers);
  const honour = () => {
    if (retryAfter === undefined) return backoffMs(attempt);
    if (retryAfter > MAX_RETRY_AFTER_SECONDS) return undefined;
    return retryAfter * 1000 + Math.random() * 250; // never earlier than asked; a little spread after
  };
  if (error.status === 429) return honour(); // a guard refused it: nothing ran, any request may repeat
  if (error.code === 'IDEMPOTENCY_CONFLICT') return error.details?.reason === 'in_progress' ? honour() : undefined;
  if (!safeToRepeat) return undefined;
  if (error.status === 0) return backoffMs(attempt); // connection error or timeout
  if (error.status >= 500 && error.code !== 'KILL_SWITCH')
    return retryAfter !== undefined ? honour() : backoffMs(attempt);
  return undefined;
}

export function backoffMs(attempt: number): number {
  const base = Math.min(MAX_DELAY_MS, INITIAL_DELAY_MS * 2 ** attempt);
  return base * (1 - JITTER * Math.random());
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
