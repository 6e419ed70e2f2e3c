import { randomBytes } from 'node:crypto';
import { seal, unseal } from './aead.js';
import { type KeyEpoch, type KeyRing, KeyRingError } from './key-ring.js';

// Envelope encryption (AES-256-GCM): each account's token is sealed with its own data key, and the
// data key is wrapped by the key ring's current epoch (docs/key-ring.md). A wrapped key is
// version(1) = 1 | epoch(4, big-endian) | iv | tag | key: the database derives the epoch from
// these bytes (a generated column), so no row can name an epoch its wrapped key does not use.
// A 60-byte wrapped key without that header predates the ring: it is wrapped by the master key
// ("epoch 0") and the first rotation re-wraps it.

export type PlatformToken = {
  accessToken: string;
  refreshToken?: string;
  expiresAt?: string;
  scope?: string;
};

export type SealedToken = { ciphertext: Buffer; wrappedKey: Buffer };

const WRAP_FORMAT = 1;
const HEADER_BYTES = 5;
const WRAPPED_BYTES = 60; // iv(12) + tag(16) + a 32-byte data key
export const LEGACY_EPOCH = 0;

/** The epoch a wrapped data key was wrapped by (0: the master key, before the key ring). */
export function wrappedKeyEpoch(wrappedKey: Uint8Array): number {
  const b = Buffer.from(wrappedKey);
  return b.length === HEADER_BYTES + WRAPPED_BYTES && b[0] === WRAP_FORMAT ? b.readUInt32BE(1) : LEGACY_EPOCH;
}

export type TokenCrypto = ReturnType<typeof createTokenCrypto>;

export function createTokenCrypto(masterKey: Buffer, ring: KeyRing) {
  if (masterKey.length !== 32) throw new Error('master key must be 32 bytes');
  // The account id and token version are bound in as AAD: a blob copied to another account,
  // or replayed after a revoke bumped the version, fails to open. The wrapped key binds the
  // subject (account or pool id) and its epoch.
  const aad = (subject: string, version: number) => `${subject}:v${version}`;
  const dekAad = (subject: string, epoch: number) =>
    epoch === LEGACY_EPOCH ? `dek:${subject}` : `dek:${subject}:e${epoch}`;

  function wrap(subject: string, dataKey: Buffer, epoch: KeyEpoch): Buffer {
    const header = Buffer.alloc(HEADER_BYTES);
    header[0] = WRAP_FORMAT;
    header.writeUInt32BE(epoch.epoch, 1);
    return Buffer.concat([header, seal(epoch.key, dataKey, dekAad(subject, epoch.epoch))]);
  }

  function unwrap(subject: string, wrappedKey: Uint8Array): Buffer {
    const epoch = wrappedKeyEpoch(wrappedKey);
    if (epoch === LEGACY_EPOCH) return unseal(masterKey, wrappedKey, dekAad(subject, epoch));
    const key = ring.key(epoch);
    if (!key)
      throw new KeyRingError(
        `Key epoch ${epoch} is not in the key ring at ${ring.dir} (destroyed, or another installation's ring).`,
      );
    return unseal(key, Buffer.from(wrappedKey).subarray(HEADER_BYTES), dekAad(subject, epoch));
  }

  return {
    /** The key ring this envelope wraps data keys with (rotation works on it). */
    ring,
    seal(subject: string, version: number, token: PlatformToken): SealedToken {
      const dataKey = randomBytes(32);
      try {
        const ciphertext = seal(dataKey, Buffer.from(JSON.stringify(token), 'utf8'), aad(subject, version));
        return { ciphertext, wrappedKey: wrap(subject, dataKey, ring.current()) };
      } finally {
        dataKey.fill(0);
      }
    },
    open(subject: string, version: number, sealed: { ciphertext: Uint8Array; wrappedKey: Uint8Array }): PlatformToken {
      const dataKey = unwrap(subject, sealed.wrappedKey);
      try {
        return JSON.parse(unseal(dataKey, sealed.ciphertext, aad(subject, version)).toString('utf8'));
      } finally {
        dataKey.fill(0);
      }
    },
    /** The same data key, wrapped by `epoch` instead (rotation); the token ciphertext is unchanged. */
    rewrap(subject: string, wrappedKey: Uint8Array, epoch: KeyEpoch): Buffer {
      const dataKey = unwrap(subject, wrappedKey);
      try {
        return wrap(subject, dataKey, epoch);
      } finally {
        dataKey.fill(0);
      }
    },
    /**
     * A small secret we must use again later (a webhook signing key), sealed directly under the
     * master key. `context` (e.g. the endpoint id) is the AAD: a blob moved elsewhere fails to open.
     */
    sealSecret(context: string, secret: string): Buffer {
      return seal(masterKey, Buffer.from(secret, 'utf8'), `secret:${context}`);
    },
    openSecret(context: string, blob: Uint8Array): string {
      return unseal(masterKey, blob, `secret:${context}`).toString('utf8');
    },
  };
}
