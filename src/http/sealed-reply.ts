import type { preSerializationAsyncHookHandler } from 'fastify';
import type { TokenCrypto } from '../crypto/token-envelope.js';

/**
 * A secret shown once in a write's response (a webhook signing secret, an API key) must not sit
 * in plaintext in the idempotency store, which keeps that response 24 h to replay it. So the
 * handler returns the secret sealed under the master key (`seal`), bound to the reply's id, and
 * the plugin's preSerialization hook (`open`) opens it as the reply is written — a replay of the
 * stored response is opened the same way. A field not marked as sealed passes untouched.
 */
export function sealedReplyField(
  tokenCrypto: TokenCrypto,
  spec: { field: string; idField: string; context: (id: string) => string },
) {
  const SEALED = 'sealed:';
  type Reply = Record<string, unknown>;
  const open: preSerializationAsyncHookHandler = async (_request, _reply, payload: unknown) => {
    const p = payload as Reply | null;
    const value = p?.[spec.field];
    const id = p?.[spec.idField];
    if (typeof value !== 'string' || !value.startsWith(SEALED) || typeof id !== 'string') return payload;
    const blob = Buffer.from(value.slice(SEALED.length), 'base64url');
    return { ...p, [spec.field]: tokenCrypto.openSecret(spec.context(id), blob) };
  };
  return {
    seal<T extends Reply>(reply: T): T {
      const id = reply[spec.idField] as string;
      const sealed = tokenCrypto.sealSecret(spec.context(id), reply[spec.field] as string);
      return { ...reply, [spec.field]: SEALED + sealed.toString('base64url') };
    },
    open,
  };
}
