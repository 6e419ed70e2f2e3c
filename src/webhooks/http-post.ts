import http from 'node:http';
import https from 'node:https';
import { connectLookup, staticUrlProblem, UnsafeAddressError, type UrlRules } from './url-safety.js';

// One webhook POST over node:http(s), not fetch: its `lookup` hook lets us vet the very address
// we connect to (fetch needs undici's Agent for that, a dependency we do not have). node:http
// never follows redirects; a 3xx comes back as a status like any other.

export type PostResult =
  | { kind: 'response'; statusCode: number; retryAfterSeconds?: number }
  /** `detail`: why a target was refused, for our log only — never stored where a partner reads it. */
  | { kind: 'error'; message: string; retryable: boolean; detail?: string };

const NETWORK_MESSAGES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed temporarily',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
};

export function postWebhook(
  rawUrl: string,
  body: string,
  headers: Record<string, string>,
  opts: { rules: UrlRules; timeoutMs: number },
): Promise<PostResult> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return Promise.resolve({ kind: 'error', message: 'refused: the URL does not parse', retryable: false });
  }
  const problem = staticUrlProblem(url, opts.rules);
  if (problem)
    return Promise.resolve({
      kind: 'error',
      message: `refused: url ${problem}`,
      retryable: false,
      detail: `host ${url.hostname}`,
    });

  return new Promise((resolve) => {
    const request = (url.protocol === 'https:' ? https : http).request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: false, // a fresh connection per delivery: every send re-resolves and re-checks the host
        lookup: connectLookup(opts.rules),
        signal: AbortSignal.timeout(opts.timeoutMs),
      },
      (response) => {
        response.resume(); // the receiver's body is not ours to keep; only the status counts
        const retryAfter = Number(response.headers['retry-after']);
        resolve({
          kind: 'response',
          statusCode: response.statusCode ?? 0,
          ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
        });
      },
    );
    request.on('error', (err: NodeJS.ErrnoException) => resolve(describeNetworkError(err, opts.timeoutMs)));
    request.end(body);
  });
}

function describeNetworkError(err: NodeJS.ErrnoException, timeoutMs: number): PostResult {
  // One text for every refused target, the same as a refused literal: nothing was attempted, so
  // nothing (refused, reset, timeout, TLS) can tell a partner what listens on our network.
  if (err instanceof UnsafeAddressError)
    return { kind: 'error', message: `refused: ${err.message}`, retryable: false, detail: err.detail };
  if (err.name === 'AbortError' || err.name === 'TimeoutError' || err.code === 'ABORT_ERR') {
    return { kind: 'error', message: `no response within ${timeoutMs / 1000} s`, retryable: true };
  }
  const known = err.code ? NETWORK_MESSAGES[err.code] : undefined;
  // TLS and other transport failures are retried too: a certificate can be fixed in the meantime.
  return {
    kind: 'error',
    message: known ? `${known} (${err.code})` : `network error${err.code ? ` (${err.code})` : ''}`,
    retryable: true,
  };
}
