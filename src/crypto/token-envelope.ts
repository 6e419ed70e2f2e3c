import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// AES-256-GCM envelope: each account's token is sealed with its own data key, and the data
// key is sealed with the master key. Layout of both blobs: iv(12) | tag(16) | ciphertext.
const IV_BYTES = 12;
const TAG_BYTES = 16;

export type PlatformToken = {
  accessToken: string;
  refreshToken?: string;
  expiresAt?: string;
  scope?: string;
};

export type SealedToken = { ciphertext: Buffer; wrappedKey: Buffer };

function seal(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ct]);
}

function unseal(key: Buffer, blob: Uint8Array, aad: string): Buffer {
  const b = Buffer.from(blob);
  const decipher = createDecipheriv('aes-256-gcm', key, b.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(b.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(b.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}

export type TokenCrypto = ReturnType<typeof createTokenCrypto>;

export function createTokenCrypto(masterKey: Buffer) {
  if (masterKey.length !== 32) throw new Error('master key must be 32 bytes');
  // The account id and token version are bound in as AAD: a blob copied to another account,
  // or replayed after a revoke bumped the version, fails to open.
  const aad = (accountId: string, version: number) => `${accountId}:v${version}`;
  return {
    seal(accountId: string, version: number, token: PlatformToken): SealedToken {
      const dataKey = randomBytes(32);
      const ciphertext = seal(dataKey, Buffer.from(JSON.stringify(token), 'utf8'), aad(accountId, version));
      const wrappedKey = seal(masterKey, dataKey, `dek:${accountId}`);
      dataKey.fill(0);
      return { ciphertext, wrappedKey };
    },
    open(accountId: string, version: number, sealed: { ciphertext: Uint8Array; wrappedKey: Uint8Array }): PlatformToken {
      const dataKey = unseal(masterKey, sealed.wrappedKey, `dek:${accountId}`);
      try {
        return JSON.parse(unseal(dataKey, sealed.ciphertext, aad(accountId, version)).toString('utf8'));
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
