import { createHmac, randomBytes } from 'node:crypto';
import { toWire } from '../clock.js';

// Signing, as partners verify it (docs/webhooks.md): HMAC-SHA256 keyed with the whole secret
// string (prefix included, UTF-8) over `<t>.<raw body>`, hex. During a rotation the header
// carries one v1= per live secret, newest first.

export const SECRET_PREFIX = 'whsec_';

/** The AAD of an endpoint's sealed secrets: a blob copied to another endpoint fails to open. */
export const secretContext = (endpointId: string) => `webhook-endpoint:${endpointId}`;

/** 32 random bytes: the HMAC-SHA256 key size; base64url keeps it copy-paste safe. */
export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function signatureHeader(secrets: string[], unixSeconds: number, body: string): string {
  const v1 = secrets.map((s) => `v1=${createHmac('sha256', s).update(`${unixSeconds}.${body}`).digest('hex')}`);
  return [`t=${unixSeconds}`, ...v1].join(',');
}

export type EventRecord = { id: string; type: string; created_at: Date; data: unknown; replay_of: string | null };

/** The body every delivery of an event sends: the same bytes on every retry. */
export function envelopeJson(event: EventRecord): string {
  const envelope: Record<string, unknown> = {
    id: event.id,
    type: event.type,
    createdAt: toWire(event.created_at),
    data: event.data,
  };
  if (event.replay_of) envelope.replayOf = event.replay_of;
  return JSON.stringify(envelope);
}
