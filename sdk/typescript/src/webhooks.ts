// Webhook signature verification (docs/webhooks.md): `X-Layers-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>]`,
// each v1 = hex(HMAC-SHA256(key = the whole secret string, message = `${t}.${raw body}`)). During a
// secret rotation the header carries one v1 per live secret: any match is enough. Web Crypto only
// (Node ≥ 20, Deno, Bun, workers, browsers); `crypto.subtle.verify` compares in constant time.

export const DEFAULT_TOLERANCE_SECONDS = 300;
export const SIGNATURE_HEADER = 'X-Layers-Signature';

/** The body of every delivery. `type` names the event; `data` is its object. */
export type WebhookEvent<Data = Record<string, unknown>> = {
  id: string;
  type: string;
  createdAt: string;
  data: Data;
  /** Set on a replayed event: the id of the event it replays. */
  replayOf?: string;
};

export type VerifyOptions = {
  /** Refuse a timestamp further than this from `now` (default 300 s: replay protection). */
  toleranceSeconds?: number;
  /** Unix seconds to compare the timestamp with (default: the clock). */
  now?: number;
};

/** Why a delivery was refused: answer it with 400 and do not act on it. */
export class WebhookSignatureError extends Error {
  override name = 'WebhookSignatureError';
  readonly reason: 'malformed_header' | 'timestamp_outside_tolerance' | 'no_matching_signature';
  constructor(reason: WebhookSignatureError['reason'], message: string) {
    super(message);
    this.reason = reason;
  }
}

const encoder = new TextEncoder();

/**
 * Checks a delivery's `X-Layers-Signature` against your secret (or, while rotating, your secrets)
 * and returns the parsed event; throws `WebhookSignatureError` otherwise. Pass the raw body
 * bytes (or its exact text) as received, never re-serialized JSON.
 */
export async function verifyWebhook<Data = Record<string, unknown>>(
  payload: string | Uint8Array,
  header: string | null | undefined,
  secret: string | readonly string[],
  options: VerifyOptions = {},
): Promise<WebhookEvent<Data>> {
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const pairs = (header ?? '').split(',').map((part) => {
    const at = part.indexOf('=');
    return at < 0 ? ['', ''] : [part.slice(0, at).trim(), part.slice(at + 1).trim()];
  });
  const t = pairs.find(([k]) => k === 't')?.[1] ?? '';
  const signatures = pairs.filter(([k, v]) => k === 'v1' && /^[0-9a-f]{64}$/i.test(v!)).map(([, v]) => hexBytes(v!));
  if (!/^\d+$/.test(t) || signatures.length === 0)
    throw new WebhookSignatureError('malformed_header', `${SIGNATURE_HEADER} is not "t=<seconds>,v1=<hex>".`);
  const now = options.now ?? Date.now() / 1000;
  if (Math.abs(now - Number(t)) > tolerance)
    throw new WebhookSignatureError(
      'timestamp_outside_tolerance',
      `The signature's timestamp is more than ${tolerance} s from this clock (a replay, or a skewed clock).`,
    );
  const body = typeof payload === 'string' ? encoder.encode(payload) : payload;
  const message = concat(encoder.encode(`${t}.`), body);
  for (const s of typeof secret === 'string' ? [secret] : secret) {
    const key = await globalThis.crypto.subtle.importKey(
      'raw',
      encoder.encode(s),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['verify'],
    );
    for (const signature of signatures) {
      if (await globalThis.crypto.subtle.verify('HMAC', key, signature, message)) {
        return JSON.parse(new TextDecoder().decode(body)) as WebhookEvent<Data>;
      }
    }
  }
  throw new WebhookSignatureError('no_matching_signature', 'No v1 signature matches the secret(s).');
}

function hexBytes(hex: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
