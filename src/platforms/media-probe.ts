import http from 'node:http';
import https from 'node:https';
import { connectLookup, staticUrlProblem, UnsafeAddressError, type UrlRules } from '../webhooks/url-safety.js';

// A look at a media URL before a platform fetches it: its Content-Type and length, from a HEAD
// (or, when HEAD is refused, a GET of `Range: bytes=0-0`), never its body. Partner input makes
// us send these requests, so the webhooks' SSRF policy applies: https to public addresses only
// (loopback under the development opt-in), checked again at connect time; no redirects followed.

/** The whole probe of one URL (both attempts) finishes within this; upload waits at most this. */
export const MEDIA_PROBE_TIMEOUT_MS = 3_000;

export type MediaProbe = {
  probed: boolean;
  contentType: string | null;
  sizeBytes: number | null;
  /** What was done and seen, e.g. `HEAD 200`, `GET range 206`, `HEAD 404`, `timed out`, `refused`. */
  note: string;
};

/** `ca`: test-only, the certificates trusted instead of the system's (a local HTTPS media host). */
export type MediaProbeOptions = { rules: UrlRules; timeoutMs: number; ca?: string };

// HEAD refused by the server (some object stores sign URLs for GET only): try a one-byte range read.
const HEAD_REFUSED = new Set([403, 405, 501]);

const notProbed = (note: string): MediaProbe => ({ probed: false, contentType: null, sizeBytes: null, note });

export async function probeMedia(rawUrl: string, opts: MediaProbeOptions): Promise<MediaProbe> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return notProbed('refused: the URL does not parse');
  }
  if (staticUrlProblem(url, opts.rules)) return notProbed('refused: the URL must point to a public address');
  const signal = AbortSignal.timeout(opts.timeoutMs); // one deadline for HEAD and its fallback
  try {
    const head = await request(url, 'HEAD', opts, signal);
    if (head.status >= 200 && head.status < 300) return seen(`HEAD ${head.status}`, head.headers, false);
    if (!HEAD_REFUSED.has(head.status)) return notProbed(`HEAD ${head.status}`);
    const range = await request(url, 'GET', opts, signal);
    if (range.status === 206 || range.status === 200)
      return seen(`GET range ${range.status}`, range.headers, range.status === 206);
    return notProbed(`HEAD ${head.status}, GET range ${range.status}`);
  } catch (err) {
    if (err instanceof UnsafeAddressError) return notProbed('refused: the URL must point to a public address');
    if (signal.aborted) return notProbed(`timed out after ${opts.timeoutMs} ms`);
    return notProbed(
      `network error${(err as NodeJS.ErrnoException).code ? ` (${(err as NodeJS.ErrnoException).code})` : ''}`,
    );
  }
}

function seen(note: string, headers: http.IncomingHttpHeaders, partial: boolean): MediaProbe {
  const contentType = headers['content-type']?.trim() || null;
  // A 206's Content-Length is the one byte sent; the total is after the slash of Content-Range.
  const raw = partial
    ? /^bytes \d+-\d+\/(\d+)$/.exec(headers['content-range']?.trim() ?? '')?.[1]
    : headers['content-length'];
  const sizeBytes = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : null;
  return { probed: contentType !== null || sizeBytes !== null, contentType, sizeBytes, note };
}

function request(url: URL, method: 'HEAD' | 'GET', opts: MediaProbeOptions, signal: AbortSignal) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).request(
      url,
      {
        method,
        headers: method === 'GET' ? { range: 'bytes=0-0', 'accept-encoding': 'identity' } : {},
        agent: false,
        lookup: connectLookup(opts.rules),
        signal,
        ...(opts.ca ? { ca: opts.ca } : {}),
      },
      (res) => {
        res.destroy(); // the headers are all we want: never read a body
        resolve({ status: res.statusCode ?? 0, headers: res.headers });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Every URL at once: the slowest bounds the wait. */
export function probeAll(urls: string[], opts: MediaProbeOptions): Promise<MediaProbe[]> {
  return Promise.all(urls.map((u) => probeMedia(u, opts)));
}
