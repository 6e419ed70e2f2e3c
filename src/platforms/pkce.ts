import { createHash, randomBytes } from 'node:crypto';

/** RFC 7636 S256 pair: keep the verifier server-side (with the OAuth state), send the challenge. */
export function createPkcePair(): { codeVerifier: string; codeChallenge: string } {
  const codeVerifier = randomBytes(48).toString('base64url'); // 64 chars, within RFC 7636's 43–128
  return { codeVerifier, codeChallenge: pkceChallenge(codeVerifier) };
}

/** BASE64URL(SHA-256(verifier)), unpadded. */
export function pkceChallenge(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');
}
