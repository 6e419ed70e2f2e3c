import { backoffMs } from '../backoff.js';
import type { PostResult } from './http-post.js';

// What one delivery attempt's result means, and when to try again. docs/webhooks.md publishes
// these numbers; change both together.

export const DELIVERY_TIMEOUT_MS = 10_000; // spec: 10 s for the receiver to answer
// 16 attempts, 1 min doubling to a 6 h cap, half of each step jittered: the retries span
// roughly 22–45 h, so a receiver that is down for a day still gets every event.
export const MAX_ATTEMPTS = 16;
export const RETRY_BASE_MS = 60 * 1000;
export const RETRY_CAP_MS = 6 * 3600 * 1000;
export const PAUSE_AFTER_CONSECUTIVE_FAILURES = 20; // spec: an endpoint pauses itself after 20

export type AttemptOutcome =
  | { status: 'succeeded'; statusCode: number; error: null; nextAttemptAt: null }
  | { status: 'retry'; statusCode: number | null; error: string; nextAttemptAt: Date }
  | { status: 'failed' | 'abandoned'; statusCode: number | null; error: string; nextAttemptAt: null };

/** The shared back-off (src/backoff.ts) on the delivery schedule, never before a receiver's Retry-After. */
export function retryDelayMs(attempt: number, random: () => number, retryAfterSeconds?: number): number {
  const delay = backoffMs(attempt, { baseMs: RETRY_BASE_MS, capMs: RETRY_CAP_MS, random });
  // A receiver that says when to come back (429/503 Retry-After) is not retried earlier.
  return retryAfterSeconds ? Math.max(delay, Math.min(RETRY_CAP_MS, retryAfterSeconds * 1000)) : delay;
}

/**
 * 2xx delivered. 5xx, 429 and transport failures are retried until the budget is spent
 * (`abandoned`). Any other answer (4xx, and 3xx: redirects are not followed) is final
 * (`failed`): the receiver has told us this request will not succeed as it is.
 */
export function judgeAttempt(result: PostResult, attempts: number, now: Date, random: () => number): AttemptOutcome {
  let statusCode: number | null = null;
  let error: string;
  let retryable: boolean;
  if (result.kind === 'response') {
    statusCode = result.statusCode;
    if (statusCode >= 200 && statusCode < 300)
      return { status: 'succeeded', statusCode, error: null, nextAttemptAt: null };
    retryable = statusCode >= 500 || statusCode === 429;
    error =
      statusCode >= 300 && statusCode < 400
        ? `receiver answered ${statusCode}: redirects are not followed`
        : `receiver answered ${statusCode}`;
  } else {
    ({ message: error, retryable } = result);
  }
  if (!retryable) return { status: 'failed', statusCode, error, nextAttemptAt: null };
  if (attempts >= MAX_ATTEMPTS)
    return {
      status: 'abandoned',
      statusCode,
      error: `${error}; gave up after ${attempts} attempts`,
      nextAttemptAt: null,
    };
  const retryAfter = result.kind === 'response' ? result.retryAfterSeconds : undefined;
  return {
    status: 'retry',
    statusCode,
    error,
    nextAttemptAt: new Date(now.getTime() + retryDelayMs(attempts, random, retryAfter)),
  };
}
